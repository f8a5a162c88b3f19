package io.github.airouter.usage;

import java.util.Set;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;

/**
 * Tracks each deployment's requests and tokens over a sliding 60-second window, and admits
 * calls against its limits. Selection and reservation are one atomic step, so concurrent
 * callers (threads, or application instances sharing a store) never over-admit.
 * <p>
 * Implementations: {@link InMemoryUsageStore} (one JVM), and a Redis store shared by every
 * instance of an application.
 *
 * @author airouter
 */
public interface UsageStore {

	/**
	 * Choose, among the group's deployments not in {@code excluded}, one that can take
	 * {@code tokens} more tokens and one more request without exceeding its limits, per the
	 * group's strategy, and reserve that capacity.
	 * @param group the model group
	 * @param tokens the estimated tokens of the call
	 * @param excluded ids of deployments not to choose (for instance one that just failed)
	 * @return the reservation, or a refusal with the time until capacity frees up
	 */
	Admission admit(ModelGroup group, long tokens, Set<String> excluded);

	/**
	 * Replace a reservation's estimated tokens with those the provider reported; the
	 * request stays counted. Has no effect on a reservation already settled, or whose
	 * window slot has expired.
	 * @param reservation the reservation
	 * @param actualTokens the tokens the call used
	 */
	void reconcile(Reservation reservation, long actualTokens);

	/**
	 * Give back a reservation's tokens after a call that used none (it failed); the request
	 * stays counted, as the provider counts it too. Has no effect on a reservation already
	 * settled.
	 * @param reservation the reservation
	 */
	void release(Reservation reservation);

	/**
	 * The deployment's usage in the current window.
	 * @param deployment the deployment
	 * @return its usage, {@link WindowUsage#NONE} when it has none
	 */
	WindowUsage usage(Deployment deployment);

	/**
	 * Short name of the store, for logs and the actuator ({@code memory}, {@code redis}).
	 * @return the name
	 */
	String name();

}
