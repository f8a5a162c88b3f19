package io.github.airouter.deployment;

import java.net.URI;
import java.time.Duration;
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
 * @param order priority tier, lower first: a deployment takes traffic only when every
 * deployment of a lower order is over its limits or cooling down ({@link #NO_ORDER} when
 * unset: after every ordered tier)
 * @param timeout how long one call attempt may take, or {@code null} for the client's own
 * timeout
 * @param streamTimeout how long a stream may take to deliver its first chunk, or
 * {@code null} for no limit of the router's
 * @param streamIdleTimeout the longest silence between two chunks of a stream, or
 * {@code null} for no limit of the router's
 * @param streamMaxDuration how long a stream may take in all, or {@code null} for no limit
 * @param cooldownTime how long the deployment cools down after a 429 without Retry-After or
 * after its allowed failures, or {@code null} for the router's cooldown time
 * @param maxInputTokens the most tokens the model's context window takes in, or
 * {@code null} when unknown: a call whose prompt is estimated larger is not sent
 * @param dimensions the length of the vectors an embedding deployment returns, or
 * {@code null} when unknown
 * @author airouter
 */
public record Deployment(String id, String modelName, ModelMode mode, Provider provider, String target, URI apiBase,
		@Nullable String apiVersion, Limits limits, @Nullable Integer weight, int order, @Nullable Duration timeout,
		@Nullable Duration streamTimeout, @Nullable Duration streamIdleTimeout, @Nullable Duration streamMaxDuration,
		@Nullable Duration cooldownTime, @Nullable Long maxInputTokens, @Nullable Integer dimensions) {

	/** The order of a deployment that sets none: after every ordered tier. */
	public static final int NO_ORDER = Integer.MAX_VALUE;

	/**
	 * A deployment without order or timeouts of its own.
	 * @param id stable identifier
	 * @param modelName the public model name
	 * @param mode what it serves
	 * @param provider the wire protocol
	 * @param target the Azure deployment or OpenAI model name
	 * @param apiBase the endpoint
	 * @param apiVersion the Azure api-version, or {@code null}
	 * @param limits rpm and tpm
	 * @param weight shuffle weight, or {@code null}
	 */
	public Deployment(String id, String modelName, ModelMode mode, Provider provider, String target, URI apiBase,
			@Nullable String apiVersion, Limits limits, @Nullable Integer weight) {
		this(id, modelName, mode, provider, target, apiBase, apiVersion, limits, weight, NO_ORDER, null, null, null,
				null, null, null, null);
	}

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
				this.apiVersion, this.limits, weight, this.order, this.timeout, this.streamTimeout, this.streamIdleTimeout,
				this.streamMaxDuration,
				this.cooldownTime, this.maxInputTokens, this.dimensions);
	}

	/**
	 * A copy of this deployment with other limits.
	 * @param limits the limits
	 * @return the copy
	 */
	public Deployment withLimits(Limits limits) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, limits, this.weight, this.order, this.timeout, this.streamTimeout, this.streamIdleTimeout,
				this.streamMaxDuration,
				this.cooldownTime, this.maxInputTokens, this.dimensions);
	}

	/**
	 * A copy of this deployment in another priority tier.
	 * @param order the order, lower first
	 * @return the copy
	 */
	public Deployment withOrder(int order) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, this.limits, this.weight, order, this.timeout, this.streamTimeout, this.streamIdleTimeout,
				this.streamMaxDuration,
				this.cooldownTime, this.maxInputTokens, this.dimensions);
	}

	/**
	 * A copy of this deployment with other timeouts.
	 * @param timeout how long one call attempt may take, or {@code null}
	 * @param streamTimeout how long a stream may take to deliver its first chunk, or
	 * {@code null}
	 * @return the copy
	 */
	public Deployment withTimeouts(@Nullable Duration timeout, @Nullable Duration streamTimeout) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, this.limits, this.weight, this.order, timeout, streamTimeout, this.streamIdleTimeout,
				this.streamMaxDuration,
				this.cooldownTime, this.maxInputTokens, this.dimensions);
	}

	/**
	 * A copy of this deployment with other limits on a stream once it has begun.
	 * @param streamIdleTimeout the longest silence between two chunks, or {@code null}
	 * @param streamMaxDuration how long a stream may take in all, or {@code null}
	 * @return the copy
	 */
	public Deployment withStreamLimits(@Nullable Duration streamIdleTimeout, @Nullable Duration streamMaxDuration) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, this.limits, this.weight, this.order, this.timeout, this.streamTimeout,
				streamIdleTimeout, streamMaxDuration,
				this.cooldownTime, this.maxInputTokens, this.dimensions);
	}

	/**
	 * A copy of this deployment with another context window.
	 * @param maxInputTokens the most tokens its context window takes in, or {@code null}
	 * @return the copy
	 */
	public Deployment withMaxInputTokens(@Nullable Long maxInputTokens) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, this.limits, this.weight, this.order, this.timeout, this.streamTimeout,
				this.streamIdleTimeout, this.streamMaxDuration, this.cooldownTime, maxInputTokens, this.dimensions);
	}

	/**
	 * A copy of this deployment with its own cooldown time.
	 * @param cooldownTime how long it cools down after a 429 without Retry-After or after
	 * its allowed failures, or {@code null} for the router's
	 * @return the copy
	 */
	public Deployment withCooldownTime(@Nullable Duration cooldownTime) {
		return new Deployment(this.id, this.modelName, this.mode, this.provider, this.target, this.apiBase,
				this.apiVersion, this.limits, this.weight, this.order, this.timeout, this.streamTimeout,
				this.streamIdleTimeout, this.streamMaxDuration, cooldownTime, this.maxInputTokens, this.dimensions);
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
				+ ((this.order != NO_ORDER) ? ", order=" + this.order : "") + ")";
	}

}
