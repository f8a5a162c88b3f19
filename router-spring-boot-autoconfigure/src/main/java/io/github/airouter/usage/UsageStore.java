package io.github.airouter.usage;

import java.time.Duration;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;

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
	 * Choose, among the group's deployments not in {@code excluded} and not cooling down, one
	 * that can take {@code tokens} more tokens and one more request without exceeding its
	 * limits, and reserve that capacity. Only the lowest {@link Deployment#order() order}
	 * among those that fit is considered; within it the group's strategy chooses: fewest
	 * tokens in the window, a weighted shuffle, or the lowest of {@code scores}.
	 * @param group the model group
	 * @param tokens the estimated tokens of the call
	 * @param excluded ids of deployments not to choose (for instance one that just failed)
	 * @param scores for strategies that {@link RoutingStrategy#usesScores() use scores}, one
	 * per deployment of the group, in its order (lower is better); else {@code null}
	 * @return the reservation, or a refusal with the time until capacity frees up
	 */
	Admission admit(ModelGroup group, long tokens, Set<String> excluded, double @Nullable [] scores);

	/**
	 * {@link #admit(ModelGroup, long, Set, double[]) Admit} a call without scores.
	 * @param group the model group
	 * @param tokens the estimated tokens of the call
	 * @param excluded ids of deployments not to choose
	 * @return the reservation, or a refusal
	 */
	default Admission admit(ModelGroup group, long tokens, Set<String> excluded) {
		return admit(group, tokens, excluded, null);
	}

	/**
	 * Take a deployment out of routing for a while (after a 429, or repeated failures), for
	 * a reason every instance sharing the store can read. A cooldown already running that
	 * ends as late or later is kept, with its reason; a zero or negative duration changes
	 * nothing.
	 * @param deployment the deployment
	 * @param duration how long
	 * @param reason why
	 */
	void coolDown(Deployment deployment, Duration duration, Cooldown.Reason reason);

	/**
	 * A deployment's cooldown: how long it still lasts, and why.
	 * @param deployment the deployment
	 * @return the cooldown, {@link Cooldown#NONE} when the deployment is not cooling down
	 */
	Cooldown cooldown(Deployment deployment);

	/**
	 * How long a deployment still cools down.
	 * @param deployment the deployment
	 * @return the time left, {@link Duration#ZERO} when it is not cooling down
	 */
	default Duration cooldownRemaining(Deployment deployment) {
		return cooldown(deployment).remaining();
	}

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
	 * Correct the deployment's window with what its provider reports as remaining (response
	 * headers {@code x-ratelimit-remaining-*}): the provider may count traffic this router
	 * cannot see (other applications sharing the quota). The window's counts are raised so
	 * that the configured limit minus the usage is at most what the provider says remains;
	 * they are never lowered, so headers can only make the router more careful. Has no effect
	 * on a limit that is not configured.
	 * @param deployment the deployment
	 * @param remainingRequests requests the provider says remain, or {@code null}
	 * @param remainingTokens tokens the provider says remain, or {@code null}
	 */
	default void calibrate(Deployment deployment, @Nullable Long remainingRequests, @Nullable Long remainingTokens) {
	}

	/**
	 * The deployment's usage in the current window.
	 * @param deployment the deployment
	 * @return its usage, {@link WindowUsage#NONE} when it has none
	 */
	WindowUsage usage(Deployment deployment);

	/**
	 * State of the store worth showing operators, e.g. whether Redis answers; never a
	 * secret.
	 * @return name-value pairs, empty by default
	 */
	default java.util.Map<String, Object> details() {
		return java.util.Map.of();
	}

	/**
	 * Short name of the store, for logs and the actuator ({@code memory}, {@code redis}).
	 * @return the name
	 */
	String name();

}
