package io.github.airouter.routing;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * How the router retries, cools deployments down and falls back to other models.
 *
 * @param numRetries further attempts of a failed call, each on another deployment of its
 * group
 * @param cooldownTime how long a deployment cools down after a 429 without Retry-After, or
 * after {@code allowedFails} other failures within a minute; zero for no such cooldown
 * @param allowedFails failures other than 429 a deployment may have within a minute before
 * it cools down; zero for never
 * @param fallbacks model groups to try, in order, when a group is exhausted or failing
 * @param contextWindowFallbacks model groups to try when a provider rejects a prompt as too
 * long for the model's context window
 * @param defaultFallbacks model groups to try for a group that has no fallbacks of its own
 * @param maxFallbacks most fallback hops one call may take
 * @param misconfiguredCooldown how long a deployment cools down after it answered 401, 403 or
 * 404 (a wrong key, a missing role assignment, a deployment that does not exist); zero for
 * no such cooldown
 * @param retryPolicy retries of a group after a failure of a kind, instead of
 * {@code numRetries}: after a failure of kind K, the call is tried again on the group while
 * it has been retried fewer times than this says for K
 * @param allowedFailsPolicy failures of a kind a deployment may have within a minute before
 * it cools down, instead of {@code allowedFails}; counted apart from other kinds
 * @param contentPolicyFallbacks model groups to try when a provider's content filter refused
 * a prompt
 * @author airouter
 */
public record RouterPolicy(int numRetries, Duration cooldownTime, int allowedFails,
		Map<String, List<String>> fallbacks, Map<String, List<String>> contextWindowFallbacks,
		List<String> defaultFallbacks, int maxFallbacks, Duration misconfiguredCooldown,
		Map<Failure.Kind, Integer> retryPolicy, Map<Failure.Kind, Integer> allowedFailsPolicy,
		Map<String, List<String>> contentPolicyFallbacks) {

	public RouterPolicy {
		if (numRetries < 0) {
			throw new IllegalArgumentException("numRetries must not be negative, was " + numRetries);
		}
		if (allowedFails < 0) {
			throw new IllegalArgumentException("allowedFails must not be negative, was " + allowedFails);
		}
		if (cooldownTime.isNegative()) {
			throw new IllegalArgumentException("cooldownTime must not be negative, was " + cooldownTime);
		}
		if (misconfiguredCooldown.isNegative()) {
			throw new IllegalArgumentException(
					"misconfiguredCooldown must not be negative, was " + misconfiguredCooldown);
		}
		if (maxFallbacks < 0) {
			throw new IllegalArgumentException("maxFallbacks must not be negative, was " + maxFallbacks);
		}
		retryPolicy.forEach((kind, retries) -> {
			if (retries < 0) {
				throw new IllegalArgumentException("Retries after " + kind.tag() + " must not be negative, was " + retries);
			}
		});
		allowedFailsPolicy.forEach((kind, fails) -> {
			if (fails < 0) {
				throw new IllegalArgumentException(
						"Allowed fails of " + kind.tag() + " must not be negative, was " + fails);
			}
		});
		fallbacks = Map.copyOf(fallbacks);
		contextWindowFallbacks = Map.copyOf(contextWindowFallbacks);
		defaultFallbacks = List.copyOf(defaultFallbacks);
		retryPolicy = Map.copyOf(retryPolicy);
		allowedFailsPolicy = Map.copyOf(allowedFailsPolicy);
		contentPolicyFallbacks = Map.copyOf(contentPolicyFallbacks);
	}

	/**
	 * How many times a group may have been retried for a call to be tried on it again after
	 * a failure of the given kind: the retry policy's value for the kind, else
	 * {@link #numRetries()}; never for a refusal the group's other deployments would repeat
	 * (a content filter, unless the policy says otherwise), nor for a caller's error.
	 * @param kind the kind of the last failure
	 * @return the retries
	 */
	public int retriesAfter(Failure.Kind kind) {
		Integer configured = this.retryPolicy.get(kind);
		if (configured != null) {
			return configured;
		}
		return kind.isRetryable() ? this.numRetries : 0;
	}

	/**
	 * The policy of a router given none: no retries, no fallbacks, and no cooldown but the
	 * one a 429's Retry-After asks for. The application's defaults are those of its
	 * configuration ({@code router.*}), not these.
	 * @return the policy
	 */
	public static RouterPolicy none() {
		return builder().build();
	}

	/**
	 * Start a policy from {@link #none()}.
	 * @return a builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Builds a {@link RouterPolicy}; what is not set is as in {@link RouterPolicy#none()}.
	 */
	public static final class Builder {

		private int numRetries;

		private Duration cooldownTime = Duration.ZERO;

		private int allowedFails;

		private Map<String, List<String>> fallbacks = Map.of();

		private Map<String, List<String>> contextWindowFallbacks = Map.of();

		private List<String> defaultFallbacks = List.of();

		private int maxFallbacks;

		private Duration misconfiguredCooldown = Duration.ZERO;

		private final Map<Failure.Kind, Integer> retryPolicy = new EnumMap<>(Failure.Kind.class);

		private final Map<Failure.Kind, Integer> allowedFailsPolicy = new EnumMap<>(Failure.Kind.class);

		private Map<String, List<String>> contentPolicyFallbacks = Map.of();

		private Builder() {
		}

		public Builder numRetries(int numRetries) {
			this.numRetries = numRetries;
			return this;
		}

		public Builder cooldownTime(Duration cooldownTime) {
			this.cooldownTime = cooldownTime;
			return this;
		}

		public Builder allowedFails(int allowedFails) {
			this.allowedFails = allowedFails;
			return this;
		}

		public Builder fallbacks(Map<String, List<String>> fallbacks) {
			this.fallbacks = fallbacks;
			return this;
		}

		public Builder contextWindowFallbacks(Map<String, List<String>> contextWindowFallbacks) {
			this.contextWindowFallbacks = contextWindowFallbacks;
			return this;
		}

		public Builder defaultFallbacks(List<String> defaultFallbacks) {
			this.defaultFallbacks = defaultFallbacks;
			return this;
		}

		public Builder maxFallbacks(int maxFallbacks) {
			this.maxFallbacks = maxFallbacks;
			return this;
		}

		public Builder misconfiguredCooldown(Duration misconfiguredCooldown) {
			this.misconfiguredCooldown = misconfiguredCooldown;
			return this;
		}

		public Builder retries(Failure.Kind kind, int retries) {
			this.retryPolicy.put(kind, retries);
			return this;
		}

		public Builder retryPolicy(Map<Failure.Kind, Integer> retryPolicy) {
			this.retryPolicy.putAll(retryPolicy);
			return this;
		}

		public Builder allowedFails(Failure.Kind kind, int allowedFails) {
			this.allowedFailsPolicy.put(kind, allowedFails);
			return this;
		}

		public Builder allowedFailsPolicy(Map<Failure.Kind, Integer> allowedFailsPolicy) {
			this.allowedFailsPolicy.putAll(allowedFailsPolicy);
			return this;
		}

		public Builder contentPolicyFallbacks(Map<String, List<String>> contentPolicyFallbacks) {
			this.contentPolicyFallbacks = contentPolicyFallbacks;
			return this;
		}

		/**
		 * Build the policy.
		 * @return the policy
		 * @throws IllegalArgumentException if a number is negative
		 */
		public RouterPolicy build() {
			return new RouterPolicy(this.numRetries, this.cooldownTime, this.allowedFails, this.fallbacks,
					this.contextWindowFallbacks, this.defaultFallbacks, this.maxFallbacks, this.misconfiguredCooldown,
					this.retryPolicy, this.allowedFailsPolicy, this.contentPolicyFallbacks);
		}

	}

}
