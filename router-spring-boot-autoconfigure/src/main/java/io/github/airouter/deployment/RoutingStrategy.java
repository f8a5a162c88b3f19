package io.github.airouter.deployment;

/**
 * How the router chooses among the deployments of a model group that can take a call
 * without exceeding their limits.
 *
 * @author airouter
 */
public enum RoutingStrategy {

	/**
	 * The deployment that has used the fewest tokens in the current 60-second window; ties
	 * broken at random.
	 */
	USAGE_BASED,

	/**
	 * A weighted random choice: by {@code weight} when any deployment of the group sets
	 * one, else by {@code rpm} when every deployment sets it, else by {@code tpm} when every
	 * deployment sets it, else uniform.
	 */
	SIMPLE_SHUFFLE,

	/**
	 * The deployment with the fewest calls in flight from this instance; ties broken at
	 * random.
	 */
	LEAST_BUSY,

	/**
	 * The deployment with the lowest recent latency (time to first chunk for streams), as an
	 * exponentially weighted average over this instance's calls; a deployment not yet measured
	 * goes first. Ties broken at random.
	 */
	LATENCY_BASED;

	/**
	 * Whether the choice ranks deployments by a score the router measures (in-flight calls,
	 * latency) rather than by usage or weight.
	 * @return whether the strategy needs scores
	 */
	public boolean usesScores() {
		return this == LEAST_BUSY || this == LATENCY_BASED;
	}

}
