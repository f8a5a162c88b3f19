package io.github.airouter.deployment;

import java.net.URI;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One deployment the router can send calls to, validated from one {@code router.model-list}
 * entry. It holds no credentials: the API key lives only inside the client built for it, so
 * a {@code Deployment} is safe to log, tag metrics with, and show in the actuator.
 *
 * @param id stable identifier, unique across the model list (used in usage-store keys,
 * metrics and logs)
 * @param modelName the public model name requests use; deployments sharing it form a
 * {@link ModelGroup}
 * @param mode what the deployment serves
 * @param provider the wire protocol
 * @param target the Azure deployment name, or the OpenAI model name
 * @param apiBase the endpoint
 * @param apiVersion the Azure api-version, {@code null} for OpenAI
 * @param limits rpm and tpm over any 60-second window
 * @param weight relative share under {@link RoutingStrategy#SIMPLE_SHUFFLE}, or {@code null}
 * @author airouter
 */
public record Deployment(String id, String modelName, ModelMode mode, Provider provider, String target, URI apiBase,
		@Nullable String apiVersion, Limits limits, @Nullable Integer weight) {

	public Deployment {
		Objects.requireNonNull(id, "id must not be null");
		Objects.requireNonNull(modelName, "modelName must not be null");
		Objects.requireNonNull(mode, "mode must not be null");
		Objects.requireNonNull(provider, "provider must not be null");
		Objects.requireNonNull(target, "target must not be null");
		Objects.requireNonNull(apiBase, "apiBase must not be null");
		Objects.requireNonNull(limits, "limits must not be null");
	}

	/**
	 * A deployment with the given limits and nothing else configured, on a placeholder
	 * endpoint; convenient for tests and for using the router core on its own.
	 * @param id the deployment id
	 * @param modelName the model group
	 * @param limits the limits
	 * @return a chat deployment on OpenAI
	 */
	public static Deployment of(String id, String modelName, Limits limits) {
		return new Deployment(id, modelName, ModelMode.CHAT, Provider.OPENAI, modelName,
				URI.create("https://api.openai.com/v1"), null, limits, null);
	}

	/**
	 * A copy of this deployment with another weight.
	 * @param weight the weight
	 * @return the copy
	 */
	public Deployment withWeight(@Nullable Integer weight) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, this.limits, weight);
	}

	/**
	 * The host of the endpoint, for display.
	 * @return the host
	 */
	public String apiBaseHost() {
		String host = this.apiBase.getHost();
		return (host != null) ? host : this.apiBase.toString();
	}

	@Override
	public String toString() {
		return this.id + " (" + this.provider.prefix() + "/" + this.target + " @" + apiBaseHost() + ", " + this.limits
				+ ")";
	}

}
