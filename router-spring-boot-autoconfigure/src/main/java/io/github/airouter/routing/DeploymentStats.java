package io.github.airouter.routing;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * What this instance has seen of one deployment: calls in flight, recent latency and the
 * last failure. Used by the least-busy and latency-based strategies and by operations views.
 *
 * @author airouter
 */
public final class DeploymentStats {

	/** Weight of the newest latency in the moving average. */
	static final double LATENCY_SMOOTHING = 0.3;

	private final AtomicInteger inFlight = new AtomicInteger();

	private final AtomicLong latencyNanos = new AtomicLong(-1);

	private volatile @Nullable String lastError;

	DeploymentStats() {
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

	void noted(String failure) {
		this.lastError = failure;
	}

}
