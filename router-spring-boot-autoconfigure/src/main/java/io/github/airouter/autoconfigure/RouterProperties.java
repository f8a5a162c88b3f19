package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;

/**
 * Configuration of the router, under {@code router.*}. The model list also binds from a
 * LiteLLM {@code model_list} pasted unchanged ({@code model_name}, {@code litellm_params},
 * {@code api_key}, ...; a value {@code os.environ/NAME} reads the environment variable
 * NAME).
 * <p>
 * The field initializers are the defaults, the only place they are written: the
 * configuration processor copies them into the metadata IDEs show, and a test checks the
 * README against that metadata, so they stay literals. Values and keys are checked at
 * start-up by the auto-configuration: a key this class does not have fails start-up.
 *
 * @author airouter
 */
@ConfigurationProperties(RouterProperties.PREFIX)
public class RouterProperties {

	/**
	 * Prefix of the router's properties.
	 */
	public static final String PREFIX = "router";

	/**
	 * Whether to route Spring AI chat and embedding calls over the model list.
	 */
	private boolean enabled = true;

	/**
	 * How a deployment is chosen among those of the requested model that are under their
	 * limits.
	 */
	private RoutingStrategy routingStrategy = RoutingStrategy.USAGE_BASED;

	/**
	 * Model name of chat calls that name none. Defaults to the first chat entry's
	 * model-name.
	 */
	private @Nullable String defaultModel;

	/**
	 * Model name of embedding calls that name none. Defaults to the first entry with
	 * model-info.mode=embedding.
	 */
	private @Nullable String defaultEmbeddingModel;

	/**
	 * Completion tokens reserved against tpm for a chat call that sets no max tokens, until
	 * the response reports its actual usage.
	 */
	private int completionTokenEstimate = 256;

	/**
	 * The deployments to route over; entries sharing a model-name form one model group.
	 */
	private List<ModelListEntry> modelList = new ArrayList<>();

	/**
	 * Further attempts of a failed call (429, 5xx, timeout, connection error), each on
	 * another deployment of its model.
	 */
	private int numRetries = 2;

	/**
	 * How long a deployment cools down after a 429 without Retry-After, or after
	 * allowed-fails other failures within a minute; a bare number is seconds.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration cooldownTime = Duration.ofSeconds(5);

	/**
	 * Failures other than 429 a deployment may have within a minute before it cools down.
	 */
	private int allowedFails = 3;

	/**
	 * How long one call attempt may take; a bare number is seconds. Entries may override it.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration timeout = Duration.ofSeconds(60);

	/**
	 * How long a stream may take to deliver its first chunk; a bare number is seconds.
	 * Defaults to the timeout. Entries may override it.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private @Nullable Duration streamTimeout;

	/**
	 * Longest silence a stream may keep between two chunks once it has begun; a bare number
	 * is seconds. Defaults to the stream timeout. Entries may override it.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private @Nullable Duration streamIdleTimeout;

	/**
	 * Longest a stream may take in all, first chunk to last; a bare number is seconds. Unset,
	 * a stream that keeps sending is never cut. Entries may override it.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private @Nullable Duration streamMaxDuration;

	/**
	 * How long a deployment cools down after it answered 401, 403 or 404 (a wrong or rotated
	 * key, a missing role assignment, a deployment that does not exist); a bare number is
	 * seconds.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration misconfiguredCooldown = Duration.ofSeconds(60);

	/**
	 * Models to try, in order, when a model is exhausted or failing, by model name; e.g.
	 * gpt-4o: [gpt-4o-mini, gpt-35-turbo].
	 */
	private Map<String, List<String>> fallbacks = new LinkedHashMap<>();

	/**
	 * Models to try when a provider rejects a prompt as too long for the model's context
	 * window, by model name.
	 */
	private Map<String, List<String>> contextWindowFallbacks = new LinkedHashMap<>();

	/**
	 * Models to try when a provider's content filter refuses a prompt, by model name.
	 */
	private Map<String, List<String>> contentPolicyFallbacks = new LinkedHashMap<>();

	/**
	 * Retries after a failure of a kind, instead of num-retries, by kind: rate-limited,
	 * server-error, timeout, connection, misconfigured or content-filtered (which is not
	 * retried unless set here); LiteLLM's retry_policy names bind too.
	 */
	private Map<String, Integer> retryPolicy = new LinkedHashMap<>();

	/**
	 * Failures of a kind a deployment may have within a minute before it cools down, counted
	 * apart from other kinds, instead of allowed-fails, by kind: server-error, timeout,
	 * connection or misconfigured; LiteLLM's allowed_fails_policy names bind too.
	 */
	private Map<String, Integer> allowedFailsPolicy = new LinkedHashMap<>();

	/**
	 * Models to try for a model that has no fallbacks of its own.
	 */
	private List<String> defaultFallbacks = new ArrayList<>();

	/**
	 * Most fallback hops one call may take.
	 */
	private int maxFallbacks = 5;

	/**
	 * Whether the providers' x-ratelimit-remaining-requests and -tokens response headers
	 * correct the router's view of a deployment's budget (they can only make it more
	 * careful).
	 */
	private boolean calibrateFromProviderHeaders = true;

	/**
	 * Where usage is counted: auto (Redis when the application has a RedisConnectionFactory
	 * bean and Lettuce, else memory), memory, or redis (fail at start-up without Redis).
	 */
	private UsageStoreType usageStore = UsageStoreType.AUTO;

	/**
	 * Settings of the Redis usage store.
	 */
	private final Redis redis = new Redis();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public RoutingStrategy getRoutingStrategy() {
		return this.routingStrategy;
	}

	public void setRoutingStrategy(RoutingStrategy routingStrategy) {
		this.routingStrategy = routingStrategy;
	}

	public @Nullable String getDefaultModel() {
		return this.defaultModel;
	}

	public void setDefaultModel(@Nullable String defaultModel) {
		this.defaultModel = defaultModel;
	}

	public @Nullable String getDefaultEmbeddingModel() {
		return this.defaultEmbeddingModel;
	}

	public void setDefaultEmbeddingModel(@Nullable String defaultEmbeddingModel) {
		this.defaultEmbeddingModel = defaultEmbeddingModel;
	}

	public int getCompletionTokenEstimate() {
		return this.completionTokenEstimate;
	}

	public void setCompletionTokenEstimate(int completionTokenEstimate) {
		this.completionTokenEstimate = completionTokenEstimate;
	}

	public int getNumRetries() {
		return this.numRetries;
	}

	public void setNumRetries(int numRetries) {
		this.numRetries = numRetries;
	}

	public Duration getCooldownTime() {
		return this.cooldownTime;
	}

	public void setCooldownTime(Duration cooldownTime) {
		this.cooldownTime = cooldownTime;
	}

	public int getAllowedFails() {
		return this.allowedFails;
	}

	public void setAllowedFails(int allowedFails) {
		this.allowedFails = allowedFails;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public @Nullable Duration getStreamTimeout() {
		return this.streamTimeout;
	}

	public void setStreamTimeout(@Nullable Duration streamTimeout) {
		this.streamTimeout = streamTimeout;
	}

	public @Nullable Duration getStreamIdleTimeout() {
		return this.streamIdleTimeout;
	}

	public void setStreamIdleTimeout(@Nullable Duration streamIdleTimeout) {
		this.streamIdleTimeout = streamIdleTimeout;
	}

	public @Nullable Duration getStreamMaxDuration() {
		return this.streamMaxDuration;
	}

	public void setStreamMaxDuration(@Nullable Duration streamMaxDuration) {
		this.streamMaxDuration = streamMaxDuration;
	}

	public Duration getMisconfiguredCooldown() {
		return this.misconfiguredCooldown;
	}

	public void setMisconfiguredCooldown(Duration misconfiguredCooldown) {
		this.misconfiguredCooldown = misconfiguredCooldown;
	}

	public Map<String, List<String>> getFallbacks() {
		return this.fallbacks;
	}

	public void setFallbacks(Map<String, List<String>> fallbacks) {
		this.fallbacks = fallbacks;
	}

	public Map<String, List<String>> getContextWindowFallbacks() {
		return this.contextWindowFallbacks;
	}

	public void setContextWindowFallbacks(Map<String, List<String>> contextWindowFallbacks) {
		this.contextWindowFallbacks = contextWindowFallbacks;
	}

	public Map<String, List<String>> getContentPolicyFallbacks() {
		return this.contentPolicyFallbacks;
	}

	public void setContentPolicyFallbacks(Map<String, List<String>> contentPolicyFallbacks) {
		this.contentPolicyFallbacks = contentPolicyFallbacks;
	}

	public Map<String, Integer> getRetryPolicy() {
		return this.retryPolicy;
	}

	public void setRetryPolicy(Map<String, Integer> retryPolicy) {
		this.retryPolicy = retryPolicy;
	}

	public Map<String, Integer> getAllowedFailsPolicy() {
		return this.allowedFailsPolicy;
	}

	public void setAllowedFailsPolicy(Map<String, Integer> allowedFailsPolicy) {
		this.allowedFailsPolicy = allowedFailsPolicy;
	}

	public List<String> getDefaultFallbacks() {
		return this.defaultFallbacks;
	}

	public void setDefaultFallbacks(List<String> defaultFallbacks) {
		this.defaultFallbacks = defaultFallbacks;
	}

	public int getMaxFallbacks() {
		return this.maxFallbacks;
	}

	public void setMaxFallbacks(int maxFallbacks) {
		this.maxFallbacks = maxFallbacks;
	}

	public boolean isCalibrateFromProviderHeaders() {
		return this.calibrateFromProviderHeaders;
	}

	public void setCalibrateFromProviderHeaders(boolean calibrateFromProviderHeaders) {
		this.calibrateFromProviderHeaders = calibrateFromProviderHeaders;
	}

	public UsageStoreType getUsageStore() {
		return this.usageStore;
	}

	public void setUsageStore(UsageStoreType usageStore) {
		this.usageStore = usageStore;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public List<ModelListEntry> getModelList() {
		return this.modelList;
	}

	public void setModelList(List<ModelListEntry> modelList) {
		this.modelList = modelList;
	}

	/**
	 * Where usage is counted.
	 */
	public enum UsageStoreType {

		/**
		 * Redis when the application has a RedisConnectionFactory bean, else memory.
		 */
		AUTO,

		/**
		 * This instance's memory: exact for one instance.
		 */
		MEMORY,

		/**
		 * Redis, shared by every instance; start-up fails without a RedisConnectionFactory.
		 */
		REDIS

	}

	/**
	 * Settings of the Redis usage store.
	 */
	public static class Redis {

		/**
		 * Prefix of every Redis key the router writes.
		 */
		private String keyPrefix = "router:";

		/**
		 * How long a routing decision waits for Redis before routing from memory; a bare
		 * number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration commandTimeout = Duration.ofMillis(200);

		/**
		 * Time to live of the usage and instance keys; at least 61s, the time a call counts
		 * against a limit; a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration keyTtl = Duration.ofMinutes(2);

		/**
		 * Share of each limit this instance may use while Redis is unavailable; defaults to
		 * 1/N for the N instances last seen through Redis heartbeats (1 when unknown).
		 */
		private @Nullable Double fallbackShare;

		/**
		 * How often this instance announces itself to the others through Redis; a bare
		 * number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration heartbeatInterval = Duration.ofSeconds(2);

		/**
		 * How often Redis is probed while it is unavailable; a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration recoveryProbeInterval = Duration.ofSeconds(1);

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public Duration getCommandTimeout() {
			return this.commandTimeout;
		}

		public void setCommandTimeout(Duration commandTimeout) {
			this.commandTimeout = commandTimeout;
		}

		public Duration getKeyTtl() {
			return this.keyTtl;
		}

		public void setKeyTtl(Duration keyTtl) {
			this.keyTtl = keyTtl;
		}

		public @Nullable Double getFallbackShare() {
			return this.fallbackShare;
		}

		public void setFallbackShare(@Nullable Double fallbackShare) {
			this.fallbackShare = fallbackShare;
		}

		public Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public Duration getRecoveryProbeInterval() {
			return this.recoveryProbeInterval;
		}

		public void setRecoveryProbeInterval(Duration recoveryProbeInterval) {
			this.recoveryProbeInterval = recoveryProbeInterval;
		}

	}

	/**
	 * Limits, weight, tier and timeouts of a deployment. They may be given on the entry or,
	 * as LiteLLM allows, inside its params (litellm_params); the entry's value wins.
	 */
	public abstract static class DeploymentSettings {

		/**
		 * Tokens per minute the deployment allows, over any 60-second window; absent means
		 * unlimited.
		 */
		private @Nullable Long tpm;

		/**
		 * Requests per minute the deployment allows, over any 60-second window; absent means
		 * unlimited.
		 */
		private @Nullable Long rpm;

		/**
		 * Relative share of traffic under the simple-shuffle strategy.
		 */
		private @Nullable Integer weight;

		/**
		 * Priority tier, lower first: the deployment takes traffic only when every deployment
		 * of its model with a lower order is over its limits or cooling down. Unset: after
		 * every ordered tier.
		 */
		private @Nullable Integer order;

		/**
		 * How long one call attempt on this deployment may take, overriding router.timeout;
		 * a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration timeout;

		/**
		 * How long a stream from this deployment may take to deliver its first chunk,
		 * overriding router.stream-timeout; a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration streamTimeout;

		/**
		 * Longest silence a stream from this deployment may keep between two chunks,
		 * overriding router.stream-idle-timeout; a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration streamIdleTimeout;

		/**
		 * Longest a stream from this deployment may take in all, overriding
		 * router.stream-max-duration; a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration streamMaxDuration;

		/**
		 * How long this deployment cools down after a 429 without Retry-After or after
		 * allowed-fails failures, overriding router.cooldown-time; a bare number is seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration cooldownTime;

		public @Nullable Long getTpm() {
			return this.tpm;
		}

		public void setTpm(@Nullable Long tpm) {
			this.tpm = tpm;
		}

		public @Nullable Long getRpm() {
			return this.rpm;
		}

		public void setRpm(@Nullable Long rpm) {
			this.rpm = rpm;
		}

		public @Nullable Integer getWeight() {
			return this.weight;
		}

		public void setWeight(@Nullable Integer weight) {
			this.weight = weight;
		}

		public @Nullable Integer getOrder() {
			return this.order;
		}

		public void setOrder(@Nullable Integer order) {
			this.order = order;
		}

		public @Nullable Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(@Nullable Duration timeout) {
			this.timeout = timeout;
		}

		public @Nullable Duration getStreamTimeout() {
			return this.streamTimeout;
		}

		public void setStreamTimeout(@Nullable Duration streamTimeout) {
			this.streamTimeout = streamTimeout;
		}

		public @Nullable Duration getStreamIdleTimeout() {
			return this.streamIdleTimeout;
		}

		public void setStreamIdleTimeout(@Nullable Duration streamIdleTimeout) {
			this.streamIdleTimeout = streamIdleTimeout;
		}

		public @Nullable Duration getStreamMaxDuration() {
			return this.streamMaxDuration;
		}

		public void setStreamMaxDuration(@Nullable Duration streamMaxDuration) {
			this.streamMaxDuration = streamMaxDuration;
		}

		public @Nullable Duration getCooldownTime() {
			return this.cooldownTime;
		}

		public void setCooldownTime(@Nullable Duration cooldownTime) {
			this.cooldownTime = cooldownTime;
		}

	}

	/**
	 * One deployment of the model list.
	 */
	public static class ModelListEntry extends DeploymentSettings {

		/**
		 * Public model name that requests use; entries sharing it form one model group.
		 */
		private @Nullable String modelName;

		/**
		 * How to reach the deployment (LiteLLM's litellm_params is an alias).
		 */
		private Params params = new Params();

		/**
		 * What the deployment serves, and its stable id.
		 */
		private ModelInfo modelInfo = new ModelInfo();

		public @Nullable String getModelName() {
			return this.modelName;
		}

		public void setModelName(@Nullable String modelName) {
			this.modelName = modelName;
		}

		public Params getParams() {
			return this.params;
		}

		public void setParams(Params params) {
			this.params = params;
		}

		/**
		 * LiteLLM's name for {@link #getParams() params}; both bind the same object.
		 * @return the params
		 */
		public Params getLitellmParams() {
			return this.params;
		}

		public void setLitellmParams(Params params) {
			this.params = params;
		}

		public ModelInfo getModelInfo() {
			return this.modelInfo;
		}

		public void setModelInfo(ModelInfo modelInfo) {
			this.modelInfo = modelInfo;
		}

	}

	/**
	 * How to reach a deployment. LiteLLM's spellings (api_key, api_base, api_version,
	 * azure_ad_token, tenant_id, client_id, client_secret, azure_scope) bind too, and so do
	 * LiteLLM's tpm, rpm, weight, order, timeout and stream_timeout inside litellm_params (the
	 * entry's own values win). An Azure entry without an api-key authenticates with Microsoft
	 * Entra ID.
	 */
	public static class Params extends DeploymentSettings {

		/**
		 * Provider and deployment: azure/DEPLOYMENT, openai/MODEL, or MODEL alone for
		 * OpenAI.
		 */
		private @Nullable String model;

		/**
		 * Endpoint; required for Azure, defaults to https://api.openai.com/v1 for OpenAI.
		 */
		private @Nullable String apiBase;

		/**
		 * API key of the deployment; never logged or exposed. Required for OpenAI; an Azure
		 * entry without one authenticates with Microsoft Entra ID.
		 */
		private @Nullable String apiKey;

		/**
		 * Azure OpenAI api-version: a dated one, for instance 2024-10-21, for the
		 * deployments API; absent, v1, latest or preview for the v1 API.
		 */
		private @Nullable String apiVersion;

		/**
		 * Fixed Microsoft Entra ID access token for an Azure entry without api-key, used as
		 * given (never refreshed); never logged or exposed.
		 */
		private @Nullable String azureAdToken;

		/**
		 * Microsoft Entra tenant of the service principal an Azure entry without api-key
		 * authenticates as (with client-id and client-secret).
		 */
		private @Nullable String tenantId;

		/**
		 * Client id an Azure entry without api-key authenticates as: alone, a user-assigned
		 * managed identity; with tenant-id and client-secret, a service principal.
		 */
		private @Nullable String clientId;

		/**
		 * Client secret of the service principal an Azure entry without api-key
		 * authenticates as; never logged or exposed.
		 */
		private @Nullable String clientSecret;

		/**
		 * Scope of the Microsoft Entra ID tokens of an Azure entry without api-key. Defaults
		 * to https://cognitiveservices.azure.com/.default.
		 */
		private @Nullable String azureScope;

		public @Nullable String getModel() {
			return this.model;
		}

		public void setModel(@Nullable String model) {
			this.model = model;
		}

		public @Nullable String getApiBase() {
			return this.apiBase;
		}

		public void setApiBase(@Nullable String apiBase) {
			this.apiBase = apiBase;
		}

		public @Nullable String getApiKey() {
			return this.apiKey;
		}

		public void setApiKey(@Nullable String apiKey) {
			this.apiKey = apiKey;
		}

		public @Nullable String getApiVersion() {
			return this.apiVersion;
		}

		public void setApiVersion(@Nullable String apiVersion) {
			this.apiVersion = apiVersion;
		}

		public @Nullable String getAzureAdToken() {
			return this.azureAdToken;
		}

		public void setAzureAdToken(@Nullable String azureAdToken) {
			this.azureAdToken = azureAdToken;
		}

		public @Nullable String getTenantId() {
			return this.tenantId;
		}

		public void setTenantId(@Nullable String tenantId) {
			this.tenantId = tenantId;
		}

		public @Nullable String getClientId() {
			return this.clientId;
		}

		public void setClientId(@Nullable String clientId) {
			this.clientId = clientId;
		}

		public @Nullable String getClientSecret() {
			return this.clientSecret;
		}

		public void setClientSecret(@Nullable String clientSecret) {
			this.clientSecret = clientSecret;
		}

		public @Nullable String getAzureScope() {
			return this.azureScope;
		}

		public void setAzureScope(@Nullable String azureScope) {
			this.azureScope = azureScope;
		}

		@Override
		public String toString() {
			return "Params[model=" + this.model + ", apiBase=" + this.apiBase + ", apiKey=" + set(this.apiKey)
					+ ", apiVersion=" + this.apiVersion + ", azureAdToken=" + set(this.azureAdToken) + ", tenantId="
					+ this.tenantId + ", clientId=" + this.clientId + ", clientSecret=" + set(this.clientSecret)
					+ ", azureScope=" + this.azureScope + "]";
		}

		private static String set(@Nullable String secret) {
			return (secret != null) ? "(set)" : "(unset)";
		}

	}

	/**
	 * What a deployment serves, and its id.
	 */
	public static class ModelInfo {

		/**
		 * What the deployment serves: chat or embedding.
		 */
		private ModelMode mode = ModelMode.CHAT;

		/**
		 * Stable id of the deployment, used in usage-store keys, metrics and logs. Defaults
		 * to one derived from provider, endpoint host and deployment (never from the key).
		 */
		private @Nullable String id;

		/**
		 * Most tokens the deployment's context window takes in; a call whose prompt is
		 * estimated larger is not sent there (it goes to the context-window fallbacks).
		 */
		private @Nullable Long maxInputTokens;

		/**
		 * Length of the vectors an embedding deployment returns, answered by
		 * EmbeddingModel.dimensions() without a call.
		 */
		private @Nullable Integer dimensions;

		public @Nullable Long getMaxInputTokens() {
			return this.maxInputTokens;
		}

		public void setMaxInputTokens(@Nullable Long maxInputTokens) {
			this.maxInputTokens = maxInputTokens;
		}

		public @Nullable Integer getDimensions() {
			return this.dimensions;
		}

		public void setDimensions(@Nullable Integer dimensions) {
			this.dimensions = dimensions;
		}

		public ModelMode getMode() {
			return this.mode;
		}

		public void setMode(ModelMode mode) {
			this.mode = mode;
		}

		public @Nullable String getId() {
			return this.id;
		}

		public void setId(@Nullable String id) {
			this.id = id;
		}

	}

}
