package io.github.airouter.routing;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.routing.AttemptPlan.Outcome;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.UsageStore;

/**
 * One try of a call on one deployment. It owns the capacity reserved for the try, its place
 * among the deployment's calls in flight and its timer, and it ends exactly once, however
 * the try ends: it {@link #succeeded succeeded} (the reservation is reconciled with the
 * tokens reported), {@link #failed failed} (released, or kept when the provider may have
 * processed the request),
 * was {@link #cancelled cancelled} by the caller (the estimate or the tokens reported so far
 * stand), or was {@link #abandoned abandoned} by an {@link Error}. The usage store hears of
 * the end before any listener does, so a listener can neither change the outcome nor leave
 * the reservation unsettled.
 *
 * @author airouter
 */
final class Attempt {

	private static final Log logger = LogFactory.getLog(Attempt.class);

	private final Reservation reservation;

	private final DeploymentStats stats;

	private final AttemptPlan plan;

	private final UsageStore usageStore;

	private final FailureTracker failures;

	private final RoutingListener listeners;

	private final long startedNanos = System.nanoTime();

	private final AtomicBoolean ended = new AtomicBoolean();

	private volatile boolean delivered;

	Attempt(Reservation reservation, DeploymentStats stats, AttemptPlan plan, UsageStore usageStore,
			FailureTracker failures, RoutingListener listeners) {
		this.reservation = reservation;
		this.stats = stats;
		this.plan = plan;
		this.usageStore = usageStore;
		this.failures = failures;
		this.listeners = listeners;
		stats.started();
	}

	Deployment deployment() {
		return this.reservation.deployment();
	}

	/**
	 * A stream's first element reached the caller: from now on the try is never replayed,
	 * and its latency (time to first element) is known.
	 */
	void delivered() {
		if (!this.delivered) {
			this.delivered = true;
			this.stats.latency(System.nanoTime() - this.startedNanos);
		}
	}

	/**
	 * Whether a stream's first element reached the caller.
	 * @return whether it did
	 */
	boolean hasDelivered() {
		return this.delivered;
	}

	/**
	 * The provider answered.
	 * @param usage the tokens it reported, or {@code null} when it reported none (the
	 * estimate then stands)
	 */
	void succeeded(@Nullable TokenUsage usage) {
		if (!end()) {
			return;
		}
		long latency = System.nanoTime() - this.startedNanos;
		if (!this.delivered) {
			this.stats.latency(latency);
		}
		settle(usage);
		this.listeners.onSuccess(deployment(), latency, usage);
	}

	/**
	 * The try failed. Its tokens are given back when the provider cannot have processed the
	 * request, and stay counted when it may have ({@link Failure.Kind#mayHaveBeenProcessed()});
	 * after a stream's first element, what was reported (else the estimate) stays counted. A
	 * failure of the deployment's also counts as an attempt as slow as its timeout, so that
	 * latency-based routing never prefers a deployment for failing fast.
	 * @param cause the provider's exception, unwrapped
	 * @param reported the tokens a stream reported before it failed, or {@code null}
	 * @return what happens next: after a stream's first element, always
	 * {@link Outcome#SURFACE}
	 */
	Outcome failed(RuntimeException cause, @Nullable TokenUsage reported) {
		if (!end()) {
			return Outcome.SURFACE;
		}
		Failure failure = this.failures.classify(cause);
		if (this.delivered) {
			// the caller has part of the answer: what was streamed stays counted
			settle(reported);
			this.failures.record(deployment(), this.stats, failure, cause);
			return Outcome.SURFACE;
		}
		if (failure.kind().mayHaveBeenProcessed()) {
			settle(null);
		}
		else {
			this.usageStore.release(this.reservation);
		}
		if (failure.isRetryable()) {
			long elapsed = System.nanoTime() - this.startedNanos;
			Duration timeout = deployment().timeout();
			this.stats.latency((timeout != null) ? Math.max(elapsed, timeout.toNanos()) : elapsed);
		}
		this.failures.record(deployment(), this.stats, failure, cause);
		return this.plan.failed(deployment(), failure, cause);
	}

	/**
	 * The caller cancelled a stream.
	 * @param reported the tokens reported so far, or {@code null} (the estimate then stands)
	 */
	void cancelled(@Nullable TokenUsage reported) {
		if (end()) {
			settle(reported);
		}
	}

	/**
	 * The try ended with an {@link Error}, which surfaces unchanged; its tokens are given
	 * back.
	 */
	void abandoned() {
		if (end()) {
			this.usageStore.release(this.reservation);
		}
	}

	private boolean end() {
		if (!this.ended.compareAndSet(false, true)) {
			return false;
		}
		this.stats.ended();
		return true;
	}

	private void settle(@Nullable TokenUsage usage) {
		this.usageStore.reconcile(this.reservation, (usage != null) ? usage.total() : this.reservation.tokens());
	}

	/**
	 * The usage a result reports: split when the reader is a {@link TokenUsageReader}, else
	 * the total only; {@code null} when it reports none or cannot be read (the estimate then
	 * stands: a result whose usage cannot be read is never lost).
	 */
	static <T> @Nullable TokenUsage usageOf(T result, ToLongFunction<T> reportedTokens) {
		try {
			if (reportedTokens instanceof TokenUsageReader<T> reader) {
				return reader.usage(result);
			}
			long total = reportedTokens.applyAsLong(result);
			return (total >= 0) ? TokenUsage.ofTotal(total) : null;
		}
		catch (RuntimeException ex) {
			logger.debug("Could not read the usage of a result; keeping the estimate", ex);
			return null;
		}
	}

}
