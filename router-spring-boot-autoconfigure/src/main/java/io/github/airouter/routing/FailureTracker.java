package io.github.airouter.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.UsageStore;

/**
 * What a failed attempt means for its deployment: classifies the provider's exception, and
 * decides whether the deployment cools down. A 429 cools it down for the provider's
 * Retry-After, else {@link RouterPolicy#cooldownTime()}; other retryable failures count
 * towards {@link RouterPolicy#allowedFails()} within a minute, and the failure that completes
 * that count cools it down for {@link RouterPolicy#cooldownTime()}. Cooldowns go to the usage
 * store, so that they hold for every instance sharing it.
 *
 * @author airouter
 */
final class FailureTracker {

	private static final Log logger = LogFactory.getLog(FailureTracker.class);

	private static final long MINUTE_MILLIS = 60_000;

	private final FailureClassifier classifier;

	private final RouterPolicy policy;

	private final UsageStore usageStore;

	private final Clock clock;

	private final RoutingListener listeners;

	private final Map<String, FailureTimes> failureTimes = new ConcurrentHashMap<>();

	FailureTracker(FailureClassifier classifier, RouterPolicy policy, UsageStore usageStore, Clock clock,
			RoutingListener listeners) {
		this.classifier = classifier;
		this.policy = policy;
		this.usageStore = usageStore;
		this.clock = clock;
		this.listeners = listeners;
	}

	/**
	 * Record a failed attempt: classify it, tell the listeners, and cool the deployment down
	 * if the failure calls for it.
	 * @param deployment the deployment that failed
	 * @param stats what this instance has seen of it
	 * @param cause the provider's exception, {@link #cause(Throwable) unwrapped}
	 * @return what the failure means for routing
	 */
	Failure failed(Deployment deployment, DeploymentStats stats, Throwable cause) {
		Failure failure = classify(cause);
		stats.noted(failure.kind().tag() + ": " + cause.getClass().getSimpleName());
		this.listeners.onFailure(deployment, failure, cause);
		if (failure.kind() == Failure.Kind.RATE_LIMITED) {
			Duration retryAfter = failure.retryAfter();
			boolean asked = retryAfter != null && !retryAfter.isNegative() && !retryAfter.isZero();
			coolDown(deployment, asked ? retryAfter : this.policy.cooldownTime(), failure.kind(),
					asked ? "a 429 with Retry-After" : "a 429");
		}
		else if (failure.isRetryable() && this.policy.allowedFails() > 0
				&& times(deployment).completesCount(this.clock.millis())) {
			coolDown(deployment, this.policy.cooldownTime(), failure.kind(),
					this.policy.allowedFails() + " failures within a minute, the last: " + failure.kind().tag());
		}
		return failure;
	}

	private Failure classify(Throwable cause) {
		try {
			return this.classifier.classify(cause);
		}
		catch (RuntimeException ex) {
			logger.debug("The failure classifier failed; the failure surfaces unchanged", ex);
			return Failure.of(Failure.Kind.NOT_RETRYABLE);
		}
	}

	private FailureTimes times(Deployment deployment) {
		return this.failureTimes.computeIfAbsent(deployment.id(), (id) -> new FailureTimes(this.policy.allowedFails()));
	}

	private void coolDown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
		if (duration.isZero() || duration.isNegative()) {
			return;
		}
		this.usageStore.coolDown(deployment, duration,
				(cause == Failure.Kind.RATE_LIMITED) ? Cooldown.Reason.RATE_LIMITED : Cooldown.Reason.FAILURES);
		logger.warn("Deployment " + deployment.id() + " of model '" + deployment.modelName() + "' cools down for "
				+ duration.toMillis() + " ms after " + reason);
		this.listeners.onCooldown(deployment, duration, cause, reason);
	}

	/**
	 * The exception a provider meant: Spring AI signals stream errors wrapped in
	 * {@link CompletionException}; a stream's first-element timeout is a
	 * {@link TimeoutException}.
	 * @param ex what the call threw or the stream signalled
	 * @return the exception to classify and, if it surfaces, to throw
	 */
	static RuntimeException cause(Throwable ex) {
		Throwable current = ex;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		if (current instanceof RuntimeException runtime) {
			return runtime;
		}
		if (current instanceof TimeoutException timeout) {
			return new StreamTimeoutException(timeout.getMessage(), timeout);
		}
		return new CompletionException(current);
	}

	/**
	 * The times of a deployment's last {@code allowedFails} counted failures, in a ring.
	 */
	private static final class FailureTimes {

		private final long[] times;

		private int next;

		FailureTimes(int allowedFails) {
			this.times = new long[allowedFails];
			Arrays.fill(this.times, Long.MIN_VALUE);
		}

		/**
		 * Count a failure; whether {@code allowedFails} failures now fall within a minute. A
		 * completed count starts afresh.
		 */
		synchronized boolean completesCount(long nowMillis) {
			this.times[this.next] = nowMillis;
			this.next = (this.next + 1) % this.times.length;
			long oldest = this.times[this.next];
			boolean complete = oldest != Long.MIN_VALUE && nowMillis - oldest < MINUTE_MILLIS;
			if (complete) {
				Arrays.fill(this.times, Long.MIN_VALUE);
			}
			return complete;
		}

	}

}
