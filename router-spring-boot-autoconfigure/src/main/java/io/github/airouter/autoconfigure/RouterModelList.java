package io.github.airouter.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.provider.EntraIdSettings;
import io.github.airouter.routing.RouterPolicy;

/**
 * The {@code router.*} configuration as validated at start-up: immutable
 * {@link Deployment deployments}, the default models, the {@link RouterPolicy policy}, and
 * (kept apart, for the client factory only) each deployment's credential: its API key, or
 * for a keyless Azure deployment its Microsoft Entra ID settings. Only the
 * validator at the configuration boundary creates one: {@link #of}, or the
 * auto-configuration, which also refuses unknown keys.
 *
 * @author airouter
 */
public final class RouterModelList {

	private final List<Deployment> deployments;

	private final @Nullable String defaultModel;

	private final @Nullable String defaultEmbeddingModel;

	private final Map<String, String> apiKeys;

	private final Map<String, EntraIdSettings> entraId;

	private final Map<String, String> entries;

	private final RouterPolicy policy;

	/**
	 * Create the validated result.
	 * @param deployments the deployments, in configuration order
	 * @param defaultModel the model of chat calls that name none
	 * @param defaultEmbeddingModel the model of embedding calls that name none
	 * @param apiKeys the API key of each deployment that has one, by deployment id
	 * @param entraId the Entra ID settings of each keyless Azure deployment, by deployment id
	 * @param entries the entry each deployment comes from, e.g. {@code router.model-list[2]},
	 * by deployment id
	 * @param policy retries, cooldowns and fallbacks
	 */
	RouterModelList(List<Deployment> deployments, @Nullable String defaultModel,
			@Nullable String defaultEmbeddingModel, Map<String, String> apiKeys, Map<String, EntraIdSettings> entraId,
			Map<String, String> entries, RouterPolicy policy) {
		this.deployments = List.copyOf(deployments);
		this.defaultModel = defaultModel;
		this.defaultEmbeddingModel = defaultEmbeddingModel;
		this.apiKeys = Map.copyOf(apiKeys);
		this.entraId = Map.copyOf(entraId);
		this.entries = Map.copyOf(entries);
		this.policy = policy;
	}

	/**
	 * How the router retries, cools down and falls back, as configured.
	 * @return the policy
	 */
	public RouterPolicy policy() {
		return this.policy;
	}

	/**
	 * Validate the properties' values into a model list. Which keys were set is not known
	 * here, so unknown keys are not checked: the auto-configuration checks them.
	 * @param properties the bound properties
	 * @param environment looks up an environment variable named in an
	 * {@code os.environ/NAME} value
	 * @return the model list
	 * @throws InvalidRouterConfigurationException listing every problem found
	 */
	public static RouterModelList of(RouterProperties properties, Function<String, @Nullable String> environment) {
		return RouterConfigurationValidator.validate(properties, List.of(), environment);
	}

	/**
	 * The deployments, in configuration order.
	 * @return the deployments
	 */
	public List<Deployment> deployments() {
		return this.deployments;
	}

	/**
	 * The deployments of one mode.
	 * @param mode chat or embedding
	 * @return the deployments, in configuration order
	 */
	public List<Deployment> deployments(ModelMode mode) {
		return this.deployments.stream().filter((deployment) -> deployment.mode() == mode).toList();
	}

	/**
	 * The model of chat calls that name none.
	 * @return the model name, {@code null} when there is no chat entry
	 */
	public @Nullable String defaultModel() {
		return this.defaultModel;
	}

	/**
	 * The model of embedding calls that name none.
	 * @return the model name, {@code null} when there is no embedding entry
	 */
	public @Nullable String defaultEmbeddingModel() {
		return this.defaultEmbeddingModel;
	}

	/** The deployment's API key; {@code null} for a keyless Azure deployment. */
	@Nullable String apiKey(Deployment deployment) {
		return this.apiKeys.get(deployment.id());
	}

	/** The Entra ID settings of a keyless Azure deployment; {@code null} when it has a key. */
	@Nullable EntraIdSettings entraId(Deployment deployment) {
		return this.entraId.get(deployment.id());
	}

	/** The entry the deployment comes from, e.g. {@code router.model-list[2]}. */
	String entry(Deployment deployment) {
		return Objects.requireNonNull(this.entries.get(deployment.id()), deployment.id());
	}

	@Override
	public String toString() {
		return "RouterModelList" + this.deployments;
	}

}
