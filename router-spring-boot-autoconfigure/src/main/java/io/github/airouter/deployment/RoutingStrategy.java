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
	SIMPLE_SHUFFLE

}
