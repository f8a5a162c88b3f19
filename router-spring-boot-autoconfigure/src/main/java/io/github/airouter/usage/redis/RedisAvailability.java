package io.github.airouter.usage.redis;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Whether Redis answers: the store reports its commands' failures here, which starts an
 * outage (logged once, as a WARN); a background thread then probes Redis (revalidating
 * Lettuce's shared connection, reloading the script) until it answers, which ends the outage.
 * While Redis answers, the same thread sends this instance's heartbeats, from which the
 * live instances are counted.
 *
 * @author airouter
 */
final class RedisAvailability implements AutoCloseable {

	/** The store's category: operators configure the store's logging by its name. */
	private static final Log logger = LogFactory.getLog(RedisUsageStore.class);

	private final UsageScript script;

	private final OutageListener listener;

	private final String instanceId = UUID.randomUUID().toString();

	private final long heartbeatNanos;

	private final long staleMillis;

	private final long instancesTtlMillis;

	private final long probeMillis;

	private final AtomicBoolean available = new AtomicBoolean(true);

	private final AtomicLong outageStartedAt = new AtomicLong();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "router-redis-probe");
		thread.setDaemon(true);
		return thread;
	});

	private volatile int liveInstances;

	private volatile boolean closed;

	/** When the last heartbeat went out; touched by the probe thread only. */
	private long lastBeat;

	/**
	 * Availability of Redis through the script.
	 * @param script the script (heartbeats, loading)
	 * @param heartbeatInterval how often this instance announces itself
	 * @param recoveryProbeInterval how often Redis is probed during an outage
	 * @param keyTtl the TTL of the keys written
	 * @param listener told when an outage starts and ends
	 */
	RedisAvailability(UsageScript script, Duration heartbeatInterval, Duration recoveryProbeInterval, Duration keyTtl,
			OutageListener listener) {
		this.script = script;
		this.listener = listener;
		this.heartbeatNanos = heartbeatInterval.toNanos();
		this.staleMillis = 3 * heartbeatInterval.toMillis();
		this.instancesTtlMillis = Math.max(this.staleMillis, keyTtl.toMillis());
		this.probeMillis = Math.min(heartbeatInterval.toMillis(), recoveryProbeInterval.toMillis());
	}

	/**
	 * Probe Redis once (an outage starts now if it does not answer), then heartbeats and
	 * probes in the background.
	 */
	void start() {
		if (!probe()) {
			failed("unreachable at start-up");
		}
		this.scheduler.scheduleWithFixedDelay(this::beatOrProbe, this.heartbeatNanos / 1_000_000, this.probeMillis,
				TimeUnit.MILLISECONDS);
	}

	/**
	 * Whether commands go to Redis.
	 * @return {@code false} during an outage
	 */
	boolean isAvailable() {
		return this.available.get();
	}

	/**
	 * Instances last seen through heartbeats, this one included.
	 * @return the count, 0 before the first heartbeat
	 */
	int liveInstances() {
		return this.liveInstances;
	}

	/**
	 * A command failed: an outage starts, unless one is under way.
	 * @param reason why, for the log (never a secret: Redis answers and timeouts)
	 */
	void failed(String reason) {
		if (this.available.compareAndSet(true, false)) {
			this.outageStartedAt.set(System.nanoTime());
			logger.warn("Redis usage store unavailable (" + reason + "); " + this.listener.outageStarted()
					+ ", until Redis answers again");
		}
	}

	private void recovered() {
		if (this.available.compareAndSet(false, true)) {
			double seconds = (System.nanoTime() - this.outageStartedAt.get()) / 1e9;
			logger.info("Redis usage store available again after " + Math.round(seconds * 10) / 10.0 + " s; "
					+ this.listener.outageEnded());
		}
	}

	private boolean probe() {
		try {
			this.script.revalidate();
		}
		catch (RuntimeException ex) {
			logger.debug("Could not revalidate the Redis connection", ex);
		}
		try {
			// a keyed command: on a cluster it needs only the node of its key to answer
			beat();
			return true;
		}
		catch (RuntimeException ex) {
			logger.debug("Redis probe failed", ex);
			return false;
		}
	}

	private void beat() {
		this.liveInstances = this.script.beat(this.instanceId, this.staleMillis, this.instancesTtlMillis);
	}

	private void beatOrProbe() {
		if (this.closed) {
			return;
		}
		if (!this.available.get()) {
			if (probe()) {
				recovered();
			}
			return;
		}
		long now = System.nanoTime();
		if (now - this.lastBeat >= this.heartbeatNanos - 1_000_000) {
			this.lastBeat = now;
			try {
				beat();
			}
			catch (RuntimeException ex) {
				failed(String.valueOf(ex.getMessage()));
			}
		}
	}

	@Override
	public void close() {
		this.closed = true;
		this.scheduler.shutdownNow();
	}

	/**
	 * Told when an outage starts and ends.
	 */
	interface OutageListener {

		/**
		 * An outage started.
		 * @return how calls are routed meanwhile, for the log
		 */
		String outageStarted();

		/**
		 * The outage ended.
		 * @return what happened meanwhile, for the log
		 */
		String outageEnded();

	}

}
