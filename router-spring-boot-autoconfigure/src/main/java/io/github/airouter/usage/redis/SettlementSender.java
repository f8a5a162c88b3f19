package io.github.airouter.usage.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.usage.Reservation;

/**
 * Settlements (reconciliations and releases) and provider-header calibrations, sent to Redis
 * off the callers' path: queued, then taken by one background thread in batches, which it
 * sends pipelined. Within a batch, the settlements of one deployment's same window slot add up
 * to one command, and of consecutive calibrations of a deployment the last (the provider's
 * latest word) is sent; a deployment's settlements and calibrations keep their order.
 * <p>
 * Work that never reaches Redis (it was unavailable, or the queue was full) is counted as
 * dropped: its estimates expire with the window.
 *
 * @author airouter
 */
final class SettlementSender implements AutoCloseable {

	/** The store's category: operators configure the store's logging by its name. */
	private static final Log logger = LogFactory.getLog(RedisUsageStore.class);

	private static final int BATCH = 256;

	private static final int CAPACITY = 100_000;

	private final UsageScript script;

	private final RedisAvailability availability;

	private final BlockingQueue<Work> queue = new ArrayBlockingQueue<>(CAPACITY);

	private final AtomicLong dropped = new AtomicLong();

	/** Work accepted so far; guarded by {@link #progress}'s monitor for waiting. */
	private final AtomicLong accepted = new AtomicLong();

	/** Work sent or dropped so far. */
	private final AtomicLong done = new AtomicLong();

	private final Object progress = new Object();

	private final Thread thread;

	private volatile boolean closed;

	/**
	 * Start the background thread.
	 * @param script the script
	 * @param availability where failures go, and whether Redis answers
	 */
	SettlementSender(UsageScript script, RedisAvailability availability) {
		this.script = script;
		this.availability = availability;
		this.thread = new Thread(this::run, "router-redis-settle");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/**
	 * Queue a settlement.
	 * @param reservation the reservation, settled
	 * @param delta the tokens to add to its slot (negative to give back)
	 */
	void settle(Reservation reservation, long delta) {
		offer(new Settlement(this.script.now(), reservation.deployment(), reservation.slot(), delta,
				reservation.tokens()));
	}

	/**
	 * Queue a calibration.
	 * @param deployment the deployment
	 * @param remainingRequests what the provider says remains, or {@code null}
	 * @param remainingTokens what the provider says remains, or {@code null}
	 */
	void calibrate(Deployment deployment, @Nullable Long remainingRequests, @Nullable Long remainingTokens) {
		offer(new Calibration(this.script.now(), deployment, (remainingRequests != null) ? remainingRequests : -1,
				(remainingTokens != null) ? remainingTokens : -1));
	}

	private void offer(Work work) {
		this.accepted.incrementAndGet();
		if (this.closed || !this.queue.offer(work)) {
			this.dropped.incrementAndGet();
			finished(1);
		}
	}

	/**
	 * Work that never reached Redis, since start-up.
	 * @return the count
	 */
	long dropped() {
		return this.dropped.get();
	}

	/**
	 * Wait until all work queued before this call has been sent (or dropped).
	 * @param timeout how long to wait at most
	 * @return whether it was in time
	 */
	boolean flush(Duration timeout) {
		long target = this.accepted.get();
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.progress) {
			while (this.done.get() < target) {
				long left = deadline - System.nanoTime();
				if (left <= 0) {
					return false;
				}
				try {
					TimeUnit.NANOSECONDS.timedWait(this.progress, left);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
			}
			return true;
		}
	}

	/**
	 * Send what is queued, within a bound, then stop; later work is dropped.
	 * @param bound how long to wait for the queue to drain
	 */
	void close(Duration bound) {
		this.closed = true;
		flush(bound);
		this.thread.interrupt();
	}

	@Override
	public void close() {
		close(Duration.ofSeconds(2));
	}

	private void finished(int count) {
		synchronized (this.progress) {
			this.done.addAndGet(count);
			this.progress.notifyAll();
		}
	}

	private void run() {
		List<Work> batch = new ArrayList<>(BATCH);
		while (!Thread.currentThread().isInterrupted()) {
			try {
				Work first = this.queue.poll(200, TimeUnit.MILLISECONDS);
				if (first == null) {
					if (this.closed) {
						return;
					}
					continue;
				}
				batch.add(first);
				this.queue.drainTo(batch, BATCH - 1);
				send(batch);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (RuntimeException ex) {
				this.dropped.addAndGet(batch.size());
				logger.debug("Could not settle usage in Redis", ex);
			}
			finally {
				if (!batch.isEmpty()) {
					finished(batch.size());
					batch.clear();
				}
			}
		}
		// interrupted: whatever is still queued never reaches Redis
		List<Work> left = new ArrayList<>();
		this.queue.drainTo(left);
		this.dropped.addAndGet(left.size());
		finished(left.size());
	}

	private void send(List<Work> batch) {
		if (!this.availability.isAvailable()) {
			this.dropped.addAndGet(batch.size());
			return;
		}
		UsageScript.Batch commands = this.script.batch();
		for (Merged merged : merge(batch)) {
			merged.addTo(commands);
		}
		try {
			this.script.send(commands);
		}
		catch (RedisUnavailableException ex) {
			this.dropped.addAndGet(batch.size());
			if (!this.closed) {
				this.availability.failed(String.valueOf(ex.getMessage()));
			}
		}
	}

	/**
	 * The batch as commands: a deployment's settlements of one slot add up until a
	 * calibration of that deployment comes between them; consecutive calibrations of a
	 * deployment collapse into the last.
	 */
	private static List<Merged> merge(List<Work> batch) {
		List<Merged> merged = new ArrayList<>(batch.size());
		Map<SlotKey, MergedSettlement> open = new HashMap<>();
		Map<DeploymentKey, Merged> last = new HashMap<>();
		for (Work work : batch) {
			DeploymentKey deployment = new DeploymentKey(work.deployment().modelName(), work.deployment().id());
			if (work instanceof Settlement settlement) {
				SlotKey key = new SlotKey(deployment, settlement.slot());
				MergedSettlement into = open.get(key);
				if (into == null) {
					into = new MergedSettlement(settlement);
					open.put(key, into);
					merged.add(into);
				}
				else {
					into.add(settlement);
				}
				last.put(deployment, into);
			}
			else if (work instanceof Calibration calibration) {
				open.keySet().removeIf((key) -> key.deployment().equals(deployment));
				if (last.get(deployment) instanceof MergedCalibration previous) {
					previous.calibration = calibration;
				}
				else {
					MergedCalibration into = new MergedCalibration(calibration);
					merged.add(into);
					last.put(deployment, into);
				}
			}
		}
		return merged;
	}

	/** Work for the background thread, stamped with the time it was made. */
	private sealed interface Work permits Settlement, Calibration {

		long now();

		Deployment deployment();

	}

	private record Settlement(long now, Deployment deployment, long slot, long delta, long reserved) implements Work {
	}

	private record Calibration(long now, Deployment deployment, long remainingRequests, long remainingTokens)
			implements Work {
	}

	private record DeploymentKey(String model, String id) {
	}

	private record SlotKey(DeploymentKey deployment, long slot) {
	}

	private interface Merged {

		void addTo(UsageScript.Batch commands);

	}

	private static final class MergedSettlement implements Merged {

		private final Deployment deployment;

		private final long slot;

		private long now;

		private long delta;

		private long reserved;

		MergedSettlement(Settlement first) {
			this.deployment = first.deployment();
			this.slot = first.slot();
			this.now = first.now();
			this.delta = first.delta();
			this.reserved = first.reserved();
		}

		void add(Settlement next) {
			this.now = Math.max(this.now, next.now());
			this.delta += next.delta();
			this.reserved += next.reserved();
		}

		@Override
		public void addTo(UsageScript.Batch commands) {
			commands.settle(this.now, this.deployment, this.slot, this.delta, this.reserved);
		}

	}

	private static final class MergedCalibration implements Merged {

		private Calibration calibration;

		MergedCalibration(Calibration calibration) {
			this.calibration = calibration;
		}

		@Override
		public void addTo(UsageScript.Batch commands) {
			commands.calibrate(this.calibration.now(), this.calibration.deployment(),
					this.calibration.remainingRequests(), this.calibration.remainingTokens());
		}

	}

}
