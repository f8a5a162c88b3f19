package io.github.airouter.routing;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * What this instance has seen of one deployment: calls in flight, recent latency, and the
 * times of its recent failures. Used by the least-busy and latency-based strategies, by the
 * failure count that cools a deployment down, and by operations views.
 *
 * @author airouter
 */
public final class DeploymentStats {

	/** Weight of the newest latency in the moving average. */
	static final double LATENCY_SMOOTHING = 0.3;

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicLong latencyNanos = new AtomicLong(-1);

	private final long[] failureTimes;

	private final int allowedFails;

	private int failureCursor;

	private volatile @Nullable String lastError;

	DeploymentStats(int allowedFails) {
		this.failureTimes = new long[Math.max(1, allowedFails)];
		this.allowedFails = allowedFails;
		java.util.Arrays.fill(this.failureTimes, Long.MIN_VALUE);
	}

	/**
	 * Calls this instance has in flight on the deployment.
	 * @return the count
	 */
	public int inFlight() {
		return this.inFlight.get();
	}

	/**
	 * The moving average of the deployment's latency (time to first chunk for streams).
	 * @return nanoseconds, or -1 before the first success
	 */
	public long latencyNanos() {
		return this.latencyNanos.get();
	}

	/**
	 * The last failure seen, for operators.
	 * @return a short description, or {@code null}
	 */
	public @Nullable String lastError() {
		return this.lastError;
	}

	void started() {
		this.inFlight.incrementAndGet();
	}

	void ended() {
		this.inFlight.decrementAndGet();
	}

	void latency(long nanos) {
		this.latencyNanos.getAndUpdate((old) -> (old < 0) ? nanos
				: Math.round(LATENCY_SMOOTHING * nanos + (1 - LATENCY_SMOOTHING) * old));
	}

	/**
	 * Note a failure that does not count towards allowed-fails (a 429, which cools the
	 * deployment down by itself).
	 */
	void noted(String description) {
		this.lastError = description;
	}

	/**
	 * Record a failure; returns whether {@code allowedFails} failures now fall within the
	 * last minute.
	 */
	synchronized boolean failed(long nowMillis, String description) {
		this.lastError = description;
		if (this.allowedFails == 0) {
			return false;
		}
		this.failureTimes[this.failureCursor] = nowMillis;
		this.failureCursor = (this.failureCursor + 1) % this.failureTimes.length;
		long oldest = this.failureTimes[this.failureCursor];
		return oldest != Long.MIN_VALUE && nowMillis - oldest < 60_000;
	}

	synchronized void forgetFailures() {
		java.util.Arrays.fill(this.failureTimes, Long.MIN_VALUE);
	}

}
