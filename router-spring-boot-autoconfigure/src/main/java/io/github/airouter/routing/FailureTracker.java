package io.github.airouter.routing;

import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
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
import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.UsageStore;

/**
 * What a failed attempt means for its deployment: classifies the provider's exception, and
 * decides whether the deployment cools down. A 429 cools it down for the provider's
 * Retry-After, else {@link RouterPolicy#cooldownTime()}; a misconfigured deployment (401,
 * 403, 404) for {@link RouterPolicy#misconfiguredCooldown()}; other retryable failures count
 * towards {@link RouterPolicy#allowedFails()} within a minute, and the failure that completes
 * that count cools it down for {@link RouterPolicy#cooldownTime()}. Cooldowns go to the usage
 * store, so that they hold for every instance sharing it.
 * <p>
 * An interrupted caller is not a failure of the deployment: whatever the client library made
 * of the interrupt (an I/O error, a timeout), the attempt is {@link Failure.Kind#CANCELLED},
 * is not retried, cools nothing down, and the caller's thread keeps its interrupt flag.
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
	 * What a failed attempt means: {@link Failure.Kind#CANCELLED} when the caller's thread
	 * was interrupted (its flag is kept set), else what the classifier says.
	 * @param cause the provider's exception, {@link #cause(Throwable) unwrapped}
	 * @return the failure
	 */
	Failure classify(Throwable cause) {
		if (isInterruption(cause)) {
			// the interrupt is the caller's, whatever the client library made of it: keep it
			Thread.currentThread().interrupt();
			return Failure.of(Failure.Kind.CANCELLED);
		}
		try {
			return this.classifier.classify(cause);
		}
		catch (RuntimeException ex) {
			logger.debug("The failure classifier failed; the failure surfaces unchanged", ex);
			return Failure.of(Failure.Kind.NOT_RETRYABLE);
		}
	}

	/**
	 * Record a classified failure: tell the listeners, and cool the deployment down if the
	 * failure calls for it. A cancelled attempt is not the deployment's failure: the
	 * listeners hear of it, and nothing else happens.
	 * @param deployment the deployment that failed
	 * @param stats what this instance has seen of it
	 * @param failure what the failure means
	 * @param cause the provider's exception
	 */
	void record(Deployment deployment, DeploymentStats stats, Failure failure, Throwable cause) {
		if (failure.kind() == Failure.Kind.CANCELLED) {
			this.listeners.onFailure(deployment, failure, cause);
			return;
		}
		stats.noted(failure.kind().tag() + ": " + cause.getClass().getSimpleName()
				+ ((failure.status() > 0) ? " " + failure.status() : ""));
		this.listeners.onFailure(deployment, failure, cause);
		Failure.Kind kind = failure.kind();
		if (kind == Failure.Kind.RATE_LIMITED) {
			// the provider said how long to wait, or that it is saturated: no count to reach
			Duration retryAfter = failure.retryAfter();
			boolean asked = retryAfter != null && !retryAfter.isNegative() && !retryAfter.isZero();
			coolDown(deployment, asked ? retryAfter : cooldownTime(deployment), kind,
					asked ? "a 429 with Retry-After" : "a 429");
		}
		else if (kind == Failure.Kind.MISCONFIGURED) {
			// at once, unless the allowed-fails policy lets a few through
			int allowed = this.policy.allowedFailsPolicy().getOrDefault(kind, 1);
			if (allowed > 0 && times(deployment, kind, allowed).completesCount(this.clock.millis())) {
				coolDown(deployment, this.policy.misconfiguredCooldown(), kind,
						"it answered " + ((failure.status() > 0) ? failure.status() : "that it is misconfigured")
								+ ": check its key, its role assignments and its deployment name");
			}
		}
		else if (failure.isRetryable()) {
			Integer own = this.policy.allowedFailsPolicy().get(kind);
			int allowed = (own != null) ? own : this.policy.allowedFails();
			if (allowed > 0 && times(deployment, (own != null) ? kind : null, allowed)
				.completesCount(this.clock.millis())) {
				coolDown(deployment, cooldownTime(deployment), kind, allowed + " "
						+ ((own != null) ? kind.tag() + " failures" : "failures") + " within a minute, the last: "
						+ kind.tag());
			}
		}
	}

	/** The deployment's own cooldown time, else the router's. */
	private Duration cooldownTime(Deployment deployment) {
		Duration own = deployment.cooldownTime();
		return (own != null) ? own : this.policy.cooldownTime();
	}

	/**
	 * The failure times of a deployment: those of one kind when the allowed-fails policy
	 * counts that kind apart, else those of every kind the policy does not name.
	 */
	private FailureTimes times(Deployment deployment, Failure.@Nullable Kind kind, int allowed) {
		String key = deployment.id() + '|' + ((kind != null) ? kind.name() : "");
		return this.failureTimes.computeIfAbsent(key, (id) -> new FailureTimes(allowed));
	}

	private void coolDown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
		if (duration.isZero() || duration.isNegative()) {
			return;
		}
		this.usageStore.coolDown(deployment, duration, switch (cause) {
			case RATE_LIMITED -> Cooldown.Reason.RATE_LIMITED;
			case MISCONFIGURED -> Cooldown.Reason.MISCONFIGURED;
			default -> Cooldown.Reason.FAILURES;
		});
		logger.warn("Deployment " + deployment.id() + " of model '" + deployment.modelName() + "' cools down for "
				+ duration.toMillis() + " ms after " + reason);
		this.listeners.onCooldown(deployment, duration, cause, reason);
	}

	/**
	 * Whether an attempt ended because the caller's thread was interrupted: the thread's flag
	 * is set (a blocking read the interrupt could not stop ends later, as a timeout), or the
	 * exception says so (an interrupt seen by the I/O layer, which may have cleared the flag).
	 */
	static boolean isInterruption(Throwable cause) {
		if (Thread.currentThread().isInterrupted()) {
			return true;
		}
		for (Throwable current = cause; current != null; current = current.getCause()) {
			if (current instanceof InterruptedException || current instanceof ClosedByInterruptException) {
				return true;
			}
			if (current.getClass() == InterruptedIOException.class && "interrupted".equals(current.getMessage())) {
				return true;
			}
			if (current.getCause() == current) {
				break;
			}
		}
		return false;
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
