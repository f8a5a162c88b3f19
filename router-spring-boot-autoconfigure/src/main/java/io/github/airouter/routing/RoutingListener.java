package io.github.airouter.routing;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;

/**
 * Hears what the router does, for metrics and logs. Every method has a no-op default; calls
 * come on the caller's thread (or the stream's), so implementations must be quick and must
 * not throw.
 *
 * @author airouter
 */
public interface RoutingListener {

	/**
	 * A deployment was chosen for an attempt.
	 * @param deployment the deployment
	 * @param decisionNanos how long the decision took
	 */
	default void onAdmitted(Deployment deployment, long decisionNanos) {
	}

	/**
	 * No deployment of a group could take a call.
	 * @param group the group
	 * @param exception what the router would tell the caller
	 */
	default void onRejected(ModelGroup group, NoDeploymentAvailableException exception) {
	}

	/**
	 * An attempt succeeded.
	 * @param deployment the deployment
	 * @param latencyNanos time to the response (to the end of the stream for streams)
	 * @param usage the tokens the provider reported, or {@code null} when it reported none
	 */
	default void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
	}

	/**
	 * An attempt failed.
	 * @param deployment the deployment
	 * @param failure what the failure means
	 * @param exception the provider's exception
	 */
	default void onFailure(Deployment deployment, Failure failure, Throwable exception) {
	}

	/**
	 * A deployment was put in cooldown.
	 * @param deployment the deployment
	 * @param duration for how long
	 * @param cause the kind of the failure that started it: {@link Failure.Kind#RATE_LIMITED}
	 * for a 429, else the last of the failures that exhausted allowed-fails
	 * @param reason why, for people, e.g. {@code a 429 with Retry-After}
	 */
	default void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
	}

	/**
	 * A call moved on to a fallback group.
	 * @param from the group that could not serve
	 * @param to the group tried next
	 * @param cause the failure that caused the hop, or {@code null} when the group had no
	 * capacity
	 */
	default void onFallback(ModelGroup from, ModelGroup to, @Nullable Throwable cause) {
	}

	/**
	 * A call ended.
	 * @param group the group first asked for
	 * @param attempts how many attempts it took, over every group tried
	 */
	default void onCallCompleted(ModelGroup group, int attempts) {
	}

}
