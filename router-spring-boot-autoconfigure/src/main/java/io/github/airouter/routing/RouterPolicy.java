package io.github.airouter.routing;

import java.time.Duration;
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
 * @author airouter
 */
public record RouterPolicy(int numRetries, Duration cooldownTime, int allowedFails,
		Map<String, List<String>> fallbacks, Map<String, List<String>> contextWindowFallbacks,
		List<String> defaultFallbacks, int maxFallbacks, Duration misconfiguredCooldown) {

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
		fallbacks = Map.copyOf(fallbacks);
		contextWindowFallbacks = Map.copyOf(contextWindowFallbacks);
		defaultFallbacks = List.copyOf(defaultFallbacks);
	}

	/**
	 * The policy of a router given none: no retries, no fallbacks, and no cooldown but the
	 * one a 429's Retry-After asks for. The application's defaults are those of its
	 * configuration ({@code router.*}), not these.
	 * @return the policy
	 */
	public static RouterPolicy none() {
		return new RouterPolicy(0, Duration.ZERO, 0, Map.of(), Map.of(), List.of(), 0, Duration.ZERO);
	}

}
