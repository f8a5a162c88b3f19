package io.github.airouter.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.util.StringUtils;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.autoconfigure.RouterProperties.Params;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.provider.AzureApiVersions;
import io.github.airouter.provider.EntraIdSettings;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.RouterPolicy;

/**
 * The owner of every rule a {@code router.*} configuration can break: its keys (an unknown
 * key fails, a LiteLLM key the router does not use is listed in one warning), the model list
 * (with each entry's credential: an API key, or for a keyless Azure entry its Microsoft Entra
 * ID settings, and its Azure API surface), the retry, cooldown, timeout and fallback settings,
 * and the Redis usage store's settings. One pass collects every problem, each naming its
 * property and how to fix it, before failing; no message carries a key, a client secret or a
 * token, or a value that might be one. What passes becomes a {@link RouterModelList}. Whether
 * a keyless entry's credential can be had (azure-identity on the classpath, or the
 * application's TokenCredential) is checked where the clients are built.
 *
 * @author airouter
 */
final class RouterConfigurationValidator {

	/** The failure kinds a retry policy may set. */
	private static final Set<Failure.Kind> RETRY_POLICY_KINDS = EnumSet.of(Failure.Kind.RATE_LIMITED,
			Failure.Kind.SERVER_ERROR, Failure.Kind.TIMEOUT, Failure.Kind.CONNECTION, Failure.Kind.MISCONFIGURED,
			Failure.Kind.CONTENT_FILTERED);

	/** The failure kinds an allowed-fails policy may count apart: 429s and refusals have no count. */
	private static final Set<Failure.Kind> ALLOWED_FAILS_POLICY_KINDS = EnumSet.of(Failure.Kind.SERVER_ERROR,
			Failure.Kind.TIMEOUT, Failure.Kind.CONNECTION, Failure.Kind.MISCONFIGURED);

	/** LiteLLM's RetryPolicy fields, in uniform form, by the kind they mean here. */
	private static final Map<String, Failure.Kind> LITELLM_RETRY_POLICY = Map.of("ratelimiterrorretries",
			Failure.Kind.RATE_LIMITED, "internalservererrorretries", Failure.Kind.SERVER_ERROR, "timeouterrorretries",
			Failure.Kind.TIMEOUT, "authenticationerrorretries", Failure.Kind.MISCONFIGURED,
			"contentpolicyviolationerrorretries", Failure.Kind.CONTENT_FILTERED);

	/** LiteLLM's AllowedFailsPolicy fields, in uniform form, by the kind they mean here. */
	private static final Map<String, Failure.Kind> LITELLM_ALLOWED_FAILS_POLICY = Map.of(
			"internalservererrorallowedfails", Failure.Kind.SERVER_ERROR, "timeouterrorallowedfails",
			Failure.Kind.TIMEOUT, "authenticationerrorallowedfails", Failure.Kind.MISCONFIGURED);

	private static final Log logger = LogFactory.getLog(RouterConfigurationValidator.class);

	/** Default endpoint of OpenAI deployments. */
	static final String OPENAI_API_BASE = "https://api.openai.com/v1";

	private static final String ENVIRONMENT_REFERENCE = "os.environ/";

	/** How long a call counts against a limit, at most: 60 seconds plus the current one. */
	private static final Duration USAGE_WINDOW = Duration.ofSeconds(61);

	private final RouterProperties properties;

	private final Collection<ConfigurationPropertyName> configured;

	private final Function<String, @Nullable String> environment;

	private final List<Problem> problems = new ArrayList<>();

	private final List<String> secrets = new ArrayList<>();

	private RouterConfigurationValidator(RouterProperties properties, Collection<ConfigurationPropertyName> configured,
			Function<String, @Nullable String> environment) {
		this.properties = properties;
		this.configured = configured;
		this.environment = environment;
	}

	/**
	 * Validate the configuration into a model list.
	 * @param properties the bound properties
	 * @param configured the {@code router.*} keys the application sets (see
	 * {@link RouterKeys#configured}); none to check the values only
	 * @param environment looks up an environment variable named in an
	 * {@code os.environ/NAME} value
	 * @return the model list
	 * @throws InvalidRouterConfigurationException listing every problem found
	 */
	static RouterModelList validate(RouterProperties properties, Collection<ConfigurationPropertyName> configured,
			Function<String, @Nullable String> environment) {
		return new RouterConfigurationValidator(properties, configured, environment).run();
	}

	private RouterModelList run() {
		RouterKeys.Check keys = RouterKeys.check(this.configured);
		this.problems.addAll(keys.problems());
		List<ModelListEntry> entries = this.properties.getModelList();
		if (entries.isEmpty()) {
			problem("router.model-list", "is empty",
					"List at least one deployment under router.model-list, or set router.enabled=false.");
			redis();
			throw failure();
		}
		if (this.properties.getCompletionTokenEstimate() < 0) {
			problem("router.completion-token-estimate",
					"must not be negative, was " + this.properties.getCompletionTokenEstimate(),
					"Set the completion tokens to expect of a call that sets no max tokens, e.g. 256.");
		}
		Map<String, Integer> explicitIds = new HashMap<>();
		for (int i = 0; i < entries.size(); i++) {
			String id = entries.get(i).getModelInfo().getId();
			if (StringUtils.hasText(id)) {
				Integer first = explicitIds.putIfAbsent(id, i);
				if (first != null) {
					problem(prefix(i) + ".model-info.id", "'" + id + "' is already used by " + prefix(first),
							"Give every entry its own model-info.id, or remove it to derive one.");
				}
			}
		}
		List<Deployment> deployments = new ArrayList<>();
		Credentials credentials = new Credentials();
		Map<String, Integer> firstOfGroup = new HashMap<>();
		for (int i = 0; i < entries.size(); i++) {
			ModelListEntry entry = entries.get(i);
			Deployment deployment = deployment(i, entry, explicitIds, credentials);
			if (deployment != null) {
				deployments.add(deployment);
			}
			if (StringUtils.hasText(entry.getModelName())) {
				Integer first = firstOfGroup.putIfAbsent(entry.getModelName(), i);
				ModelMode firstMode = (first != null) ? entries.get(first).getModelInfo().getMode() : null;
				if (firstMode != null && firstMode != entry.getModelInfo().getMode()) {
					problem(prefix(i) + ".model-info.mode",
							"is " + lower(entry.getModelInfo().getMode()) + ", but model '" + entry.getModelName()
									+ "' is " + lower(firstMode) + " in " + prefix(first),
							"Give entries of one model-name the same model-info.mode, or use another model-name.");
				}
			}
		}
		String defaultModel = defaultModel("router.default-model", this.properties.getDefaultModel(), entries,
				ModelMode.CHAT);
		String defaultEmbeddingModel = defaultModel("router.default-embedding-model",
				this.properties.getDefaultEmbeddingModel(), entries, ModelMode.EMBEDDING);
		resilience(entries);
		Map<Failure.Kind, Integer> retryPolicy = perKind("router.retry-policy", this.properties.getRetryPolicy(),
				RETRY_POLICY_KINDS, LITELLM_RETRY_POLICY);
		Map<Failure.Kind, Integer> allowedFailsPolicy = perKind("router.allowed-fails-policy",
				this.properties.getAllowedFailsPolicy(), ALLOWED_FAILS_POLICY_KINDS, LITELLM_ALLOWED_FAILS_POLICY);
		redis();
		if (!this.problems.isEmpty()) {
			throw failure();
		}
		if (!keys.ignored().isEmpty() && logger.isWarnEnabled()) {
			logger.warn("Ignoring " + keys.ignored().size() + " LiteLLM settings that the router does not use: "
					+ String.join(", ", keys.ignored()));
		}
		return new RouterModelList(deployments, defaultModel, defaultEmbeddingModel, credentials.apiKeys,
				credentials.entraId, credentials.entries,
				RouterPolicy.builder()
					.numRetries(this.properties.getNumRetries())
					.cooldownTime(this.properties.getCooldownTime())
					.allowedFails(this.properties.getAllowedFails())
					.fallbacks(this.properties.getFallbacks())
					.contextWindowFallbacks(this.properties.getContextWindowFallbacks())
					.contentPolicyFallbacks(this.properties.getContentPolicyFallbacks())
					.defaultFallbacks(this.properties.getDefaultFallbacks())
					.maxFallbacks(this.properties.getMaxFallbacks())
					.misconfiguredCooldown(this.properties.getMisconfiguredCooldown())
					.retryPolicy(retryPolicy)
					.allowedFailsPolicy(allowedFailsPolicy)
					.build());
	}

	private @Nullable Deployment deployment(int index, ModelListEntry entry, Map<String, Integer> explicitIds,
			Credentials credentials) {
		String prefix = prefix(index);
		int problemsBefore = this.problems.size();
		Params params = entry.getParams();
		String modelName = entry.getModelName();
		if (!StringUtils.hasText(modelName)) {
			problem(prefix + ".model-name", "is required",
					"Set the public model name that requests use, e.g. gpt-4o.");
		}
		String apiKey = resolve(prefix + ".params.api-key", params.getApiKey());
		if (apiKey != null) {
			this.secrets.add(apiKey);
		}
		String model = resolve(prefix + ".params.model", params.getModel());
		String apiBase = resolve(prefix + ".params.api-base", params.getApiBase());
		String apiVersion = resolve(prefix + ".params.api-version", params.getApiVersion());
		Provider provider = null;
		String target = null;
		if (!StringUtils.hasText(model)) {
			if (!isEnvironmentReference(params.getModel())) {
				problem(prefix + ".params.model", "is required",
						"Set azure/<deployment> for Azure OpenAI, or openai/<model> (or <model>) for OpenAI.");
			}
		}
		else {
			int slash = model.indexOf('/');
			String prefixPart = (slash >= 0) ? model.substring(0, slash) : Provider.OPENAI.prefix();
			target = (slash >= 0) ? model.substring(slash + 1) : model;
			provider = provider(prefixPart);
			if (provider == null) {
				problem(prefix + ".params.model", "has unknown provider prefix '" + prefixPart + "' in '" + model + "'",
						"Use azure/<deployment> for Azure OpenAI, or openai/<model> (or <model>) for OpenAI.");
			}
			else if (!StringUtils.hasText(target)) {
				problem(prefix + ".params.model", "names no deployment or model after '" + prefixPart + "/'",
						"Write the deployment or model name after the slash, e.g. " + prefixPart + "/gpt-4o.");
			}
		}
		if (provider != Provider.AZURE && !StringUtils.hasText(apiKey) && !isEnvironmentReference(params.getApiKey())) {
			problem(prefix + ".params.api-key", "is required",
					"Set the deployment's API key, e.g. api-key: ${OPENAI_API_KEY} or os.environ/OPENAI_API_KEY.");
		}
		if (provider == Provider.AZURE && apiKey != null && !StringUtils.hasText(apiKey)) {
			problem(prefix + ".params.api-key", "is blank",
					"Set the deployment's API key, or remove api-key to authenticate with Microsoft Entra ID.");
		}
		EntraIdSettings entraId = entraId(prefix, provider, params);
		if (provider == Provider.AZURE && !StringUtils.hasText(apiBase)
				&& !isEnvironmentReference(params.getApiBase())) {
			problem(prefix + ".params.api-base", "is required for Azure deployments",
					"Set the resource endpoint, e.g. https://my-resource.openai.azure.com.");
		}
		URI endpoint = (apiBase == null && isEnvironmentReference(params.getApiBase())) ? null
				: endpoint(prefix + ".params.api-base", StringUtils.hasText(apiBase) ? apiBase : OPENAI_API_BASE);
		if (provider == Provider.AZURE && endpoint != null && AzureApiVersions.isV1Endpoint(endpoint)
				&& !AzureApiVersions.isV1(apiVersion)) {
			problem(prefix + ".params.api-version",
					"is a dated version, but params.api-base ends with " + AzureApiVersions.V1_PATH
							+ ", the v1 API, which takes none",
					"Remove api-version to use the v1 API, or remove " + AzureApiVersions.V1_PATH
							+ " from api-base to use the deployments API with that version.");
		}
		Long rpm = limit(prefix, "rpm", entry.getRpm(), params.getRpm());
		Long tpm = limit(prefix, "tpm", entry.getTpm(), params.getTpm());
		Integer weight = (entry.getWeight() != null) ? entry.getWeight() : params.getWeight();
		Integer order = (entry.getOrder() != null) ? entry.getOrder() : params.getOrder();
		Duration timeout = positive(prefix, "timeout", entry.getTimeout(), params.getTimeout(),
				this.properties.getTimeout());
		Duration streamTimeout = positive(prefix, "stream-timeout", entry.getStreamTimeout(),
				params.getStreamTimeout(),
				(this.properties.getStreamTimeout() != null) ? this.properties.getStreamTimeout() : timeout);
		Duration streamIdleTimeout = positive(prefix, "stream-idle-timeout", entry.getStreamIdleTimeout(),
				params.getStreamIdleTimeout(), (this.properties.getStreamIdleTimeout() != null)
						? this.properties.getStreamIdleTimeout() : streamTimeout);
		@Nullable Duration streamMaxDuration = optionalPositive(prefix, "stream-max-duration", entry.getStreamMaxDuration(),
				params.getStreamMaxDuration(), this.properties.getStreamMaxDuration());
		@Nullable Duration cooldownTime = optionalPositive(prefix, "cooldown-time", entry.getCooldownTime(),
				params.getCooldownTime(), null);
		Long maxInputTokens = entry.getModelInfo().getMaxInputTokens();
		if (maxInputTokens != null && maxInputTokens <= 0) {
			problem(prefix + ".model-info.max-input-tokens", "must be positive, was " + maxInputTokens,
					"Set the deployment's context window in tokens, e.g. 128000, or remove it.");
		}
		Integer dimensions = entry.getModelInfo().getDimensions();
		if (dimensions != null && dimensions <= 0) {
			problem(prefix + ".model-info.dimensions", "must be positive, was " + dimensions,
					"Set the length of the deployment's vectors, e.g. 1536, or remove it.");
		}
		if (weight != null && weight <= 0) {
			problem(prefix + ((entry.getWeight() != null) ? ".weight" : ".params.weight"),
					"must be positive, was " + weight, "Set a positive weight, or remove it.");
		}
		if (this.problems.size() > problemsBefore || provider == null || target == null || endpoint == null
				|| modelName == null || (apiKey == null && entraId == null)) {
			return null;
		}
		String id = entry.getModelInfo().getId();
		if (!StringUtils.hasText(id)) {
			id = derivedId(provider, endpoint, target, explicitIds, credentials.entries);
		}
		credentials.entries.put(id, prefix);
		if (apiKey != null) {
			credentials.apiKeys.put(id, apiKey);
		}
		else {
			credentials.entraId.put(id, Objects.requireNonNull(entraId));
		}
		return new Deployment(id, modelName, entry.getModelInfo().getMode(), provider, target, endpoint,
				(provider == Provider.AZURE) ? apiVersion : null, new Limits(rpm, tpm), weight,
				(order != null) ? order : Deployment.NO_ORDER, timeout, streamTimeout, streamIdleTimeout,
				streamMaxDuration, cooldownTime, maxInputTokens, dimensions);
	}

	/**
	 * The Microsoft Entra ID settings of a keyless Azure entry ({@code null} for any other),
	 * and a problem for each Entra ID setting that cannot apply: on an OpenAI entry, beside an
	 * api-key, beside a fixed azure-ad-token, or an incomplete service principal. The
	 * messages never show a value.
	 */
	private @Nullable EntraIdSettings entraId(String prefix, @Nullable Provider provider, Params params) {
		// secrets are scrubbed from every message, whatever entry or field they end up in
		secret(params.getAzureAdToken());
		secret(params.getClientSecret());
		// as written, so that a value is never shown, in the order the README lists them
		Map<String, @Nullable String> written = new LinkedHashMap<>();
		written.put("azure-ad-token", params.getAzureAdToken());
		written.put("tenant-id", params.getTenantId());
		written.put("client-id", params.getClientId());
		written.put("client-secret", params.getClientSecret());
		written.put("azure-scope", params.getAzureScope());
		written.values().removeIf(Objects::isNull);
		if (provider != Provider.AZURE) {
			if (provider != null) {
				written.keySet()
					.forEach((name) -> problem(prefix + ".params." + name, "applies to Azure entries only",
							"Remove it: an OpenAI entry authenticates with its api-key."));
			}
			return null;
		}
		if (params.getApiKey() != null) {
			written.keySet()
				.forEach((name) -> problem(prefix + ".params." + name, "is set together with params.api-key",
						"An Azure entry authenticates with its api-key or, without one, with Microsoft Entra ID: "
								+ "remove api-key to use Entra ID, or remove " + name + "."));
			return null;
		}
		int problemsBefore = this.problems.size();
		Map<String, @Nullable String> resolved = new LinkedHashMap<>();
		written.forEach((name, raw) -> {
			String property = prefix + ".params." + name;
			String value = resolve(property, raw);
			if (value != null && !StringUtils.hasText(value)) {
				problem(property, "is blank", "Set a value, or remove it.");
			}
			resolved.put(name, value);
		});
		String azureAdToken = secret(resolved.get("azure-ad-token"));
		String clientSecret = secret(resolved.get("client-secret"));
		if (written.containsKey("azure-ad-token")) {
			written.keySet()
				.stream()
				.filter((name) -> !name.equals("azure-ad-token"))
				.forEach((name) -> problem(prefix + ".params." + name,
						"has no effect beside params.azure-ad-token, a fixed token used as given",
						"Remove it, or remove azure-ad-token to get tokens from a credential."));
		}
		else if (written.containsKey("client-secret")) {
			if (!written.containsKey("tenant-id")) {
				problem(prefix + ".params.client-secret",
						"needs params.tenant-id: a client secret authenticates a service principal",
						"Set the service principal's tenant-id (and client-id), or remove client-secret.");
			}
			if (!written.containsKey("client-id")) {
				problem(prefix + ".params.client-secret",
						"needs params.client-id: a client secret authenticates a service principal",
						"Set the service principal's client-id (and tenant-id), or remove client-secret.");
			}
		}
		else if (written.containsKey("tenant-id") && written.containsKey("client-id")) {
			problem(prefix + ".params.client-secret",
					"is required beside params.tenant-id and params.client-id, which name a service principal",
					"Set the service principal's client-secret, or remove tenant-id to use client-id as a "
							+ "user-assigned managed identity.");
		}
		if (this.problems.size() > problemsBefore) {
			return null;
		}
		String scope = resolved.get("azure-scope");
		return new EntraIdSettings(trimmed(resolved.get("tenant-id")), trimmed(resolved.get("client-id")),
				clientSecret, azureAdToken, (scope != null) ? scope.trim() : EntraIdSettings.DEFAULT_SCOPE);
	}

	/** A secret, kept to be scrubbed from every message. */
	private @Nullable String secret(@Nullable String value) {
		if (value != null) {
			this.secrets.add(value);
		}
		return value;
	}

	private static @Nullable String trimmed(@Nullable String value) {
		return StringUtils.hasText(value) ? value.trim() : null;
	}

	private static String derivedId(Provider provider, URI endpoint, String target,
			Map<String, Integer> explicitIds, Map<String, String> taken) {
		String host = (endpoint.getHost() != null) ? endpoint.getHost() : "local";
		if (endpoint.getPort() >= 0) {
			host += ":" + endpoint.getPort();
		}
		String base = provider.prefix() + ":" + host + "/" + target;
		String id = base;
		for (int n = 2; explicitIds.containsKey(id) || taken.containsKey(id); n++) {
			id = base + "#" + n;
		}
		return id;
	}

	private Duration positive(String prefix, String name, @Nullable Duration entryValue,
			@Nullable Duration paramsValue, Duration fallback) {
		Duration value = (entryValue != null) ? entryValue : paramsValue;
		if (value != null && (value.isNegative() || value.isZero())) {
			problem(prefix + ((entryValue != null) ? "." : ".params.") + name, "must be positive, was " + value,
					"Set a positive duration, e.g. 30s, or remove it to use router." + name + ".");
			return fallback;
		}
		return (value != null) ? value : fallback;
	}

	private @Nullable Duration optionalPositive(String prefix, String name, @Nullable Duration entryValue,
			@Nullable Duration paramsValue, @Nullable Duration fallback) {
		Duration value = (entryValue != null) ? entryValue : paramsValue;
		return (value != null) ? positive(prefix, name, entryValue, paramsValue, value) : fallback;
	}

	/** The retry, cooldown, timeout and fallback settings. */
	private void resilience(List<ModelListEntry> entries) {
		RouterProperties p = this.properties;
		if (p.getNumRetries() < 0) {
			problem("router.num-retries", "must not be negative, was " + p.getNumRetries(),
					"Set 0 for no retries, or the number of further attempts, e.g. 2.");
		}
		if (p.getAllowedFails() < 1) {
			problem("router.allowed-fails", "must be at least 1, was " + p.getAllowedFails(),
					"Set how many failures within a minute cool a deployment down, e.g. 3.");
		}
		if (p.getMaxFallbacks() < 0) {
			problem("router.max-fallbacks", "must not be negative, was " + p.getMaxFallbacks(),
					"Set 0 for no fallbacks, or the most hops one call may take, e.g. 5.");
		}
		requirePositive("router.cooldown-time", p.getCooldownTime());
		requirePositive("router.timeout", p.getTimeout());
		requirePositive("router.misconfigured-cooldown", p.getMisconfiguredCooldown());
		if (p.getStreamIdleTimeout() != null) {
			requirePositive("router.stream-idle-timeout", p.getStreamIdleTimeout());
		}
		if (p.getStreamMaxDuration() != null) {
			requirePositive("router.stream-max-duration", p.getStreamMaxDuration());
		}
		if (p.getStreamTimeout() != null) {
			requirePositive("router.stream-timeout", p.getStreamTimeout());
		}
		Map<String, ModelMode> modes = new HashMap<>();
		for (ModelListEntry entry : entries) {
			if (StringUtils.hasText(entry.getModelName())) {
				modes.putIfAbsent(entry.getModelName(), entry.getModelInfo().getMode());
			}
		}
		fallbacks("router.fallbacks", p.getFallbacks(), modes);
		fallbacks("router.context-window-fallbacks", p.getContextWindowFallbacks(), modes);
		fallbacks("router.content-policy-fallbacks", p.getContentPolicyFallbacks(), modes);
		for (int i = 0; i < p.getDefaultFallbacks().size(); i++) {
			String target = p.getDefaultFallbacks().get(i);
			if (!modes.containsKey(target)) {
				problem("router.default-fallbacks[" + i + "]", "'" + target + "' names no model; models: "
						+ modes.keySet(), "Name the model-name of an entry.");
			}
		}
	}

	/**
	 * A per-kind policy as the router takes it: each key a failure kind (our name, or
	 * LiteLLM's), each value not negative.
	 */
	private Map<Failure.Kind, Integer> perKind(String property, Map<String, Integer> configured,
			Set<Failure.Kind> kinds, Map<String, Failure.Kind> liteLlmNames) {
		Map<Failure.Kind, Integer> policy = new EnumMap<>(Failure.Kind.class);
		List<String> names = kinds.stream().map(Failure.Kind::tag).toList();
		configured.forEach((name, value) -> {
			Failure.Kind kind = kinds.stream()
				.filter((candidate) -> uniform(candidate.tag()).equals(uniform(name)))
				.findFirst()
				.orElseGet(() -> liteLlmNames.get(uniform(name)));
			if (kind == null) {
				problem(property + "." + name, "names no failure kind the policy applies to",
						"Use one of " + names + " (or LiteLLM's name for one of them).");
			}
			else if (value == null || value < 0) {
				problem(property + "." + name, "must not be negative, was " + value,
						"Set 0 or more, or remove it for the router's general setting.");
			}
			else {
				policy.put(kind, value);
			}
		});
		return policy;
	}

	private static String uniform(String name) {
		return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
	}

	private void fallbacks(String property, Map<String, List<String>> fallbacks, Map<String, ModelMode> modes) {
		fallbacks.forEach((model, targets) -> {
			ModelMode mode = modes.get(model);
			if (mode == null) {
				problem(property + "." + model, "is set for '" + model + "', which names no model; models: "
						+ modes.keySet(), "Use the model-name of an entry as the key.");
				return;
			}
			for (int i = 0; i < targets.size(); i++) {
				String target = targets.get(i);
				ModelMode targetMode = modes.get(target);
				if (targetMode == null) {
					problem(property + "." + model + "[" + i + "]", "'" + target + "' names no model; models: "
							+ modes.keySet(), "Name the model-name of an entry.");
				}
				else if (targetMode != mode) {
					problem(property + "." + model + "[" + i + "]", "'" + target + "' is "
							+ ((targetMode == ModelMode.EMBEDDING) ? "an embedding" : "a chat") + " model, but '"
							+ model + "' is " + lower(mode),
							"Fall back to a model of the same kind.");
				}
			}
		});
	}

	/** The Redis usage store's settings, checked whichever store is in use. */
	private void redis() {
		RouterProperties.Redis redis = this.properties.getRedis();
		Double share = redis.getFallbackShare();
		if (share != null && !(share > 0 && share <= 1)) {
			problem("router.redis.fallback-share", "must be greater than 0 and at most 1, was " + share,
					"Set the share of each limit an instance may use while Redis is down, e.g. 0.25, or remove it for 1/N.");
		}
		requirePositive("router.redis.command-timeout", redis.getCommandTimeout());
		requirePositive("router.redis.heartbeat-interval", redis.getHeartbeatInterval());
		requirePositive("router.redis.recovery-probe-interval", redis.getRecoveryProbeInterval());
		if (redis.getKeyTtl().compareTo(USAGE_WINDOW) < 0) {
			problem("router.redis.key-ttl", "must be at least 61s, the time a call counts against a limit, was "
					+ redis.getKeyTtl(), "Set a TTL longer than the usage window, e.g. 2m, so usage never expires early.");
		}
	}

	private void requirePositive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			problem(property, "must be positive, was " + value, "Set a positive duration, e.g. 5s.");
		}
	}

	private @Nullable Long limit(String prefix, String name, @Nullable Long entryValue,
			@Nullable Long paramsValue) {
		Long value = (entryValue != null) ? entryValue : paramsValue;
		if (value != null && value <= 0) {
			problem(prefix + ((entryValue != null) ? "." : ".params.") + name, "must be positive, was " + value,
					"Set a positive " + name + ", or remove it for no limit.");
			return null;
		}
		return value;
	}

	/**
	 * The endpoint, or a problem that describes what is wrong with the value without
	 * echoing it: a key pasted into the wrong field must not reach a message.
	 */
	private @Nullable URI endpoint(String property, String value) {
		String shape;
		try {
			URI uri = new URI(value.trim());
			String scheme = uri.getScheme();
			if (scheme == null) {
				shape = "the value has no http:// or https:// scheme";
			}
			else if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
				shape = "the value's scheme is not http or https";
			}
			else if (uri.getHost() == null) {
				shape = "the value has no host";
			}
			else {
				return uri;
			}
		}
		catch (URISyntaxException ex) {
			shape = "the value is not a valid URI (" + ex.getReason() + ")";
		}
		problem(property, "must be an http or https URL: " + shape,
				"Set the endpoint, e.g. https://my-resource.openai.azure.com or https://api.openai.com/v1.");
		return null;
	}

	private static boolean isEnvironmentReference(@Nullable String value) {
		return value != null && value.startsWith(ENVIRONMENT_REFERENCE);
	}

	private @Nullable String resolve(String property, @Nullable String value) {
		if (value == null || !value.startsWith(ENVIRONMENT_REFERENCE)) {
			return value;
		}
		String name = value.substring(ENVIRONMENT_REFERENCE.length());
		String resolved = StringUtils.hasText(name) ? this.environment.apply(name) : null;
		if (resolved == null) {
			problem(property, "refers to environment variable '" + name + "', which is not set",
					"Set the environment variable " + name + ", or give the value directly.");
		}
		return resolved;
	}

	private @Nullable String defaultModel(String property, @Nullable String configured,
			List<ModelListEntry> entries, ModelMode mode) {
		List<String> names = entries.stream()
			.filter((entry) -> entry.getModelInfo().getMode() == mode && StringUtils.hasText(entry.getModelName()))
			.map(ModelListEntry::getModelName)
			.distinct()
			.toList();
		if (!StringUtils.hasText(configured)) {
			return names.isEmpty() ? null : names.get(0);
		}
		if (!names.contains(configured)) {
			problem(property, "'" + configured + "' names no " + lower(mode) + " entry; " + lower(mode)
					+ " models: " + names, "Set it to the model-name of a " + lower(mode) + " entry, or remove it.");
		}
		return configured;
	}

	private static @Nullable Provider provider(String prefix) {
		for (Provider provider : Provider.values()) {
			if (provider.prefix().equalsIgnoreCase(prefix)) {
				return provider;
			}
		}
		return null;
	}

	private static String prefix(int index) {
		return "router.model-list[" + index + "]";
	}

	private static String lower(ModelMode mode) {
		return mode.name().toLowerCase(Locale.ROOT);
	}

	private void problem(String property, String description, String action) {
		this.problems.add(new Problem(property, description, action));
	}

	private InvalidRouterConfigurationException failure() {
		List<Problem> scrubbed = this.problems.stream()
			.map((p) -> new Problem(p.property(), scrub(p.description()), scrub(p.action())))
			.toList();
		return new InvalidRouterConfigurationException(scrubbed);
	}

	/** A key pasted into the wrong field must not reach a message. */
	private String scrub(String text) {
		String scrubbed = text;
		for (String secret : this.secrets) {
			if (secret.length() >= 4) {
				scrubbed = scrubbed.replace(secret, "(redacted)");
			}
		}
		return scrubbed;
	}

	/** What the client factory needs besides a deployment, kept apart from it. */
	private static final class Credentials {

		/** The API key of each deployment that has one. */
		final Map<String, String> apiKeys = new HashMap<>();

		/** The Entra ID settings of each keyless Azure deployment. */
		final Map<String, EntraIdSettings> entraId = new HashMap<>();

		/** The entry of each deployment, e.g. router.model-list[2]. */
		final Map<String, String> entries = new HashMap<>();

	}

}
