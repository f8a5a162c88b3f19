package io.github.airouter.usage.redis;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

import io.lettuce.core.RedisFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.SharedUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;

/**
 * A {@link UsageStore} in Redis, shared by every instance of an application so that all of
 * them together never exceed a deployment's limits.
 * <p>
 * <b>One round trip per decision.</b> A Lua script reads the window of every candidate
 * deployment, drops those in cooldown or over a limit, picks per the strategy and reserves
 * the call, atomically, within the lowest priority tier that has room; time comes from
 * Redis {@code TIME}. Reconciling a call's actual usage
 * happens off the caller's path: settlements are queued and sent in batches, pipelined, by a
 * background thread.
 * <p>
 * <b>Keys.</b> {@code <prefix>{<model>}:usage:<deployment id>} (a hash of one-second slots,
 * see the script) and {@code <prefix>{<model>}:cooldown:<deployment id>}: the model name is
 * the hash tag, so one decision's keys share one Redis Cluster slot. Every key has a TTL.
 * Nothing secret is written: deployment ids and numbers.
 * <p>
 * <b>When Redis fails</b> (no answer within the command timeout, or an error), the call is
 * routed from an in-memory store in which this instance may use only its share of each
 * limit ({@code fallbackShare}, or 1/N for the N instances last seen through heartbeats).
 * That store mirrors this instance's Redis admissions, so an outage starts from what the
 * instance already used in the window: each instance's own total stays within
 * {@code max(its usage before the outage, its share)} per deployment.
 * No call fails because Redis is down; the outage is logged once, fallback decisions are
 * counted, and a background probe switches back to Redis as soon as it answers.
 *
 * @author airouter
 */
public final class RedisUsageStore implements SharedUsageStore, AutoCloseable {

	private static final Log logger = LogFactory.getLog(RedisUsageStore.class);

	private static final byte[] ADMIT = bytes("admit");

	private static final byte[] SETTLE = bytes("settle");

	private static final byte[] USAGE = bytes("usage");

	private static final byte[] BEAT = bytes("beat");

	private static final byte[] REDIS_TIME = new byte[0];

	private static final byte[] ZERO = bytes("0");

	private static final byte[] USAGE_STRATEGY = bytes("usage");

	private static final byte[] SHUFFLE_STRATEGY = bytes("shuffle");

	private static final byte[] SCORE_STRATEGY = bytes("score");

	private static final byte[] COOL = bytes("cool");

	private static final byte[] COOLING = bytes("cooling");

	private static final byte[] CALIBRATE = bytes("calibrate");

	private static final int PER_CANDIDATE = 5;

	private static final int SETTLEMENT_BATCH = 256;

	private final UsageScript script;

	private final Settings settings;

	private final @Nullable RandomGenerator random;

	private final InMemoryUsageStore fallback;

	private final Clock clock;

	private final String instanceId = UUID.randomUUID().toString();

	private final byte[] ttlMillis;

	private final byte[] instancesKey;

	private final Map<String, GroupKeys> keys = new ConcurrentHashMap<>();

	private final Map<String, FallbackGroup> fallbackGroups = new ConcurrentHashMap<>();

	private final Set<Reservation> fallbackReservations = ConcurrentHashMap.newKeySet();

	private final BlockingQueue<Pending> settlements = new ArrayBlockingQueue<>(100_000);

	private final AtomicBoolean available = new AtomicBoolean(true);

	private final AtomicLong outageStartedAt = new AtomicLong();

	private final AtomicLong fallbackDecisions = new AtomicLong();

	private final AtomicLong outageDecisions = new AtomicLong();

	private final AtomicLong droppedSettlements = new AtomicLong();

	private volatile int liveInstances;

	private final ScheduledExecutorService scheduler;

	private final Thread settler;

	private volatile boolean closed;

	/** When the last heartbeat went out; touched by the probe thread only. */
	private long lastBeat;

	/**
	 * Create a store and start its background work (heartbeats, recovery probes,
	 * settlements).
	 * @param connectionFactory the application's Redis connection factory
	 * @param settings key prefix, timeouts and fallback share
	 * @param fallbackClock the clock of the in-memory fallback
	 * @param random source of tie-breaks and shuffles, {@code null} for
	 * {@link ThreadLocalRandom}
	 */
	public RedisUsageStore(RedisConnectionFactory connectionFactory, Settings settings, Clock fallbackClock,
			@Nullable RandomGenerator random) {
		this.script = new UsageScript(connectionFactory, settings.commandTimeout());
		this.settings = settings;
		this.random = random;
		this.fallback = new InMemoryUsageStore(fallbackClock, random);
		this.clock = fallbackClock;
		this.ttlMillis = bytes(Long.toString(settings.keyTtl().toMillis()));
		this.instancesKey = bytes(settings.keyPrefix() + "instances");
		this.scheduler = Executors.newSingleThreadScheduledExecutor((task) -> daemon(task, "router-redis-probe"));
		this.settler = daemon(this::settleLoop, "router-redis-settle");
		this.settler.start();
		if (!probe()) {
			markUnavailable("unreachable at start-up");
		}
		long beat = settings.heartbeatInterval().toMillis();
		this.scheduler.scheduleWithFixedDelay(this::beatOrProbe, beat, Math.min(beat,
				settings.recoveryProbeInterval().toMillis()), TimeUnit.MILLISECONDS);
	}

	private static Thread daemon(Runnable task, String name) {
		Thread thread = new Thread(task, name);
		thread.setDaemon(true);
		return thread;
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	/** "Now" for the script: Redis TIME (an empty argument), unless the settings ask for the clock. */
	private byte[] now() {
		return this.settings.clientClock() ? bytes(Long.toString(this.clock.millis())) : REDIS_TIME;
	}

	private RandomGenerator random() {
		return (this.random != null) ? this.random : ThreadLocalRandom.current();
	}

	@Override
	public Admission admit(ModelGroup group, long tokens, Set<String> excluded, double @Nullable [] scores) {
		if (!this.available.get()) {
			return admitFromMemory(group, tokens, excluded, scores);
		}
		GroupKeys groupKeys = this.keys.computeIfAbsent(group.name(), (name) -> new GroupKeys(group, this.settings));
		List<Integer> candidates = new ArrayList<>(group.deployments().size());
		for (int i = 0; i < group.deployments().size(); i++) {
			if (!excluded.contains(group.deployments().get(i).id())) {
				candidates.add(i);
			}
		}
		if (candidates.isEmpty()) {
			return Admission.allExcluded();
		}
		int n = candidates.size();
		byte[][] keys = new byte[2 * n][];
		byte[][] args = new byte[6 + PER_CANDIDATE * n][];
		boolean byScore = group.strategy().usesScores() && scores != null;
		args[0] = ADMIT;
		args[1] = now();
		args[2] = this.ttlMillis;
		args[3] = bytes(Long.toString(tokens));
		args[4] = (group.strategy() == RoutingStrategy.SIMPLE_SHUFFLE) ? SHUFFLE_STRATEGY
				: byScore ? SCORE_STRATEGY : USAGE_STRATEGY;
		args[5] = bytes(Double.toString(random().nextDouble()));
		for (int c = 0; c < n; c++) {
			int i = candidates.get(c);
			keys[c] = groupKeys.usage[i];
			keys[n + c] = groupKeys.cooldown[i];
			int base = 6 + PER_CANDIDATE * c;
			System.arraycopy(groupKeys.candidateArgs[i], 0, args, base, PER_CANDIDATE - 1);
			args[base + PER_CANDIDATE - 1] = byScore ? bytes(Double.toString(scores[i])) : ZERO;
		}
		List<?> answer;
		try {
			answer = (List<?>) this.script.run(true, keys, args);
		}
		catch (RedisUnavailableException ex) {
			markUnavailable(ex.getMessage());
			return admitFromMemory(group, tokens, excluded, scores);
		}
		if (answer == null || answer.size() < 2) {
			markUnavailable("unexpected answer " + answer);
			return admitFromMemory(group, tokens, excluded, scores);
		}
		if (number(answer.get(0)) == 1) {
			Deployment deployment = group.deployments().get(candidates.get((int) number(answer.get(1)) - 1));
			this.fallback.record(deployment, tokens);
			return Admission.admitted(new Reservation(deployment, tokens, number(answer.get(2))));
		}
		long wait = number(answer.get(1));
		int cooling = (answer.size() > 2) ? (int) number(answer.get(2)) : 0;
		return (wait < 0) ? Admission.tooLarge(tokens) : Admission.unavailable(n, cooling, Duration.ofMillis(wait));
	}

	private static long number(Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		return Long.parseLong(new String((byte[]) value, StandardCharsets.UTF_8));
	}

	private Admission admitFromMemory(ModelGroup group, long tokens, Set<String> excluded,
			double @Nullable [] scores) {
		this.fallbackDecisions.incrementAndGet();
		this.outageDecisions.incrementAndGet();
		double share = getFallbackShare();
		FallbackGroup scaled = this.fallbackGroups.compute(group.name(),
				(name, previous) -> (previous != null && previous.share == share && previous.source == group) ? previous
						: new FallbackGroup(group, share));
		Set<String> exclude = excluded;
		if (!scaled.unusable.isEmpty()) {
			exclude = new java.util.HashSet<>(excluded);
			exclude.addAll(scaled.unusable);
		}
		Admission admission = this.fallback.admit(scaled.group, tokens, exclude, scores);
		if (admission.isAdmitted()) {
			this.fallbackReservations.add(admission.reservation());
		}
		return admission;
	}

	@Override
	public void reconcile(Reservation reservation, long actualTokens) {
		settle(reservation, actualTokens - reservation.tokens(), false, actualTokens);
	}

	@Override
	public void release(Reservation reservation) {
		settle(reservation, -reservation.tokens(), true, 0);
	}

	private void settle(Reservation reservation, long delta, boolean release, long actualTokens) {
		if (this.fallbackReservations.remove(reservation)) {
			if (release) {
				this.fallback.release(reservation);
			}
			else {
				this.fallback.reconcile(reservation, actualTokens);
			}
			return;
		}
		if (!reservation.markSettled()) {
			return;
		}
		if (!this.settlements.offer(new Settlement(reservation, delta))) {
			this.droppedSettlements.incrementAndGet();
		}
	}

	/**
	 * Cool the deployment down in Redis, for every instance, and in this instance's fallback
	 * store, so the cooldown also holds during an outage.
	 */
	@Override
	public void coolDown(Deployment deployment, Duration duration) {
		this.fallback.coolDown(deployment, duration);
		if (this.available.get()) {
			try {
				this.script.run(false, new byte[][] { bytes(cooldownKey(deployment)) },
						new byte[][] { COOL, now(), this.ttlMillis, bytes(Long.toString(duration.toMillis())) });
			}
			catch (RedisUnavailableException ex) {
				markUnavailable(ex.getMessage());
			}
		}
	}

	@Override
	public Duration cooldownRemaining(Deployment deployment) {
		if (this.available.get()) {
			try {
				Object left = this.script.run(false, new byte[][] { bytes(cooldownKey(deployment)) },
						new byte[][] { COOLING, now(), this.ttlMillis });
				if (left != null) {
					return Duration.ofMillis(number(left));
				}
			}
			catch (RedisUnavailableException ex) {
				markUnavailable(ex.getMessage());
			}
		}
		return this.fallback.cooldownRemaining(deployment);
	}

	/**
	 * Queue the correction for the background thread (off the caller's path), and apply it
	 * to the fallback store too.
	 */
	@Override
	public void calibrate(Deployment deployment, @Nullable Long remainingRequests, @Nullable Long remainingTokens) {
		this.fallback.calibrate(deployment, remainingRequests, remainingTokens);
		if (!this.settlements.offer(new Calibration(deployment, (remainingRequests != null) ? remainingRequests : -1,
				(remainingTokens != null) ? remainingTokens : -1))) {
			this.droppedSettlements.incrementAndGet();
		}
	}

	@Override
	public WindowUsage usage(Deployment deployment) {
		if (this.available.get()) {
			try {
				List<?> answer = (List<?>) this.script.run(true, new byte[][] { bytes(usageKey(deployment)) },
						new byte[][] { USAGE, now(), this.ttlMillis });
				if (answer != null && answer.size() == 2) {
					return new WindowUsage(number(answer.get(0)), number(answer.get(1)));
				}
			}
			catch (RedisUnavailableException ex) {
				markUnavailable(ex.getMessage());
			}
		}
		return this.fallback.usage(deployment);
	}

	@Override
	public String name() {
		return "redis";
	}

	@Override
	public Map<String, Object> details() {
		Map<String, Object> details = new java.util.LinkedHashMap<>();
		details.put("redisAvailable", isAvailable());
		details.put("liveInstances", getLiveInstances());
		details.put("fallbackShare", getFallbackShare());
		details.put("fallbackDecisions", getFallbackDecisions());
		details.put("droppedSettlements", getDroppedSettlements());
		details.put("keyPrefix", this.settings.keyPrefix());
		return details;
	}

	/**
	 * Whether decisions currently go to Redis.
	 * @return {@code false} during an outage
	 */
	@Override
	public boolean isAvailable() {
		return this.available.get();
	}

	/**
	 * Routing decisions made from memory because Redis was unavailable, since start-up.
	 * @return the count
	 */
	@Override
	public long getFallbackDecisions() {
		return this.fallbackDecisions.get();
	}

	/**
	 * Instances of the application last seen through Redis heartbeats (this one included).
	 * @return the count, 0 before the first heartbeat
	 */
	@Override
	public int getLiveInstances() {
		return this.liveInstances;
	}

	/**
	 * The share of each limit this instance uses while Redis is unavailable.
	 * @return the share, in (0, 1]
	 */
	@Override
	public double getFallbackShare() {
		Double configured = this.settings.fallbackShare();
		if (configured != null) {
			return configured;
		}
		int instances = this.liveInstances;
		return (instances > 1) ? 1.0 / instances : 1.0;
	}

	/**
	 * Settlements dropped because Redis was unavailable or the queue was full; their slots
	 * expire with the window.
	 * @return the count
	 */
	@Override
	public long getDroppedSettlements() {
		return this.droppedSettlements.get();
	}

	/**
	 * The Redis key holding a deployment's usage.
	 * @param deployment the deployment
	 * @return the key
	 */
	public String usageKey(Deployment deployment) {
		return usageKey(this.settings.keyPrefix(), deployment);
	}

	/**
	 * The Redis key that exists while a deployment cools down.
	 * @param deployment the deployment
	 * @return the key
	 */
	public String cooldownKey(Deployment deployment) {
		return cooldownKey(this.settings.keyPrefix(), deployment);
	}

	static String usageKey(String prefix, Deployment deployment) {
		return prefix + "{" + deployment.modelName() + "}:usage:" + deployment.id();
	}

	static String cooldownKey(String prefix, Deployment deployment) {
		return prefix + "{" + deployment.modelName() + "}:cooldown:" + deployment.id();
	}

	private void markUnavailable(@Nullable String reason) {
		if (this.available.compareAndSet(true, false)) {
			this.outageStartedAt.set(System.nanoTime());
			this.outageDecisions.set(0);
			logger.warn("Redis usage store unavailable (" + reason + "); routing from memory, this instance using "
					+ Math.round(getFallbackShare() * 1000) / 10.0 + "% of every limit, until Redis answers again");
		}
	}

	private void markAvailable() {
		if (this.available.compareAndSet(false, true)) {
			this.fallbackGroups.clear();
			double seconds = (System.nanoTime() - this.outageStartedAt.get()) / 1e9;
			logger.info("Redis usage store available again after " + Math.round(seconds * 10) / 10.0 + " s; "
					+ this.outageDecisions.get() + " routing decisions were made from memory meanwhile");
		}
	}

	private boolean probe() {
		try {
			this.script.revalidate();
		}
		catch (RuntimeException ex) {
			logger.debug("Could not revalidate the Redis connection", ex);
		}
		try (RedisConnection connection = this.script.connection()) {
			this.script.load(connection);
			beat();
			return true;
		}
		catch (RuntimeException ex) {
			logger.debug("Redis probe failed", ex);
			return false;
		}
	}

	private void beat() {
		long stale = 3 * this.settings.heartbeatInterval().toMillis();
		Object count = this.script.run(false, new byte[][] { this.instancesKey },
				new byte[][] { BEAT, REDIS_TIME, bytes(Long.toString(Math.max(stale, this.settings.keyTtl().toMillis()))),
						bytes(this.instanceId), bytes(Long.toString(stale)) });
		if (count != null) {
			this.liveInstances = (int) number(count);
		}
	}

	private void beatOrProbe() {
		if (this.closed) {
			return;
		}
		if (this.available.get()) {
			long now = System.nanoTime();
			if (now - this.lastBeat >= this.settings.heartbeatInterval().toNanos() - 1_000_000) {
				this.lastBeat = now;
				try {
					beat();
				}
				catch (RuntimeException ex) {
					markUnavailable(ex.getMessage());
				}
			}
		}
		else if (probe()) {
			markAvailable();
		}
	}

	private void settleLoop() {
		List<Pending> batch = new ArrayList<>(SETTLEMENT_BATCH);
		while (!this.closed) {
			try {
				Pending first = this.settlements.poll(200, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				this.settlements.drainTo(batch, SETTLEMENT_BATCH - 1);
				send(batch);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				this.droppedSettlements.addAndGet(batch.size());
				logger.debug("Could not settle usage in Redis", ex);
			}
			finally {
				batch.clear();
			}
		}
	}

	private void send(List<Pending> batch) {
		if (!this.available.get()) {
			this.droppedSettlements.addAndGet(batch.size());
			return;
		}
		// settlements of one deployment's same second add up: one script call for all of them;
		// of several calibrations of a deployment, the last is the provider's latest word
		Map<String, long[]> deltas = new java.util.LinkedHashMap<>();
		Map<String, Calibration> calibrations = new java.util.LinkedHashMap<>();
		for (Pending item : batch) {
			if (item instanceof Settlement settlement) {
				Reservation reservation = settlement.reservation();
				long[] sums = deltas.computeIfAbsent(usageKey(reservation.deployment()) + '\n' + reservation.slot(),
						(key) -> new long[2]);
				sums[0] += settlement.delta();
				sums[1] += reservation.tokens();
			}
			else if (item instanceof Calibration calibration) {
				calibrations.put(calibration.deployment().id(), calibration);
			}
		}
		try (RedisConnection connection = this.script.connection()) {
			List<RedisFuture<Object>> pending = new ArrayList<>(deltas.size() + calibrations.size());
			for (Calibration calibration : calibrations.values()) {
				Limits limits = calibration.deployment().limits();
				RedisFuture<Object> future = this.script.start(connection,
						new byte[][] { bytes(usageKey(calibration.deployment())) },
						new byte[][] { CALIBRATE, now(), this.ttlMillis,
								bytes(Long.toString((limits.requestsPerMinute() != null) ? limits.requestsPerMinute() : -1)),
								bytes(Long.toString((limits.tokensPerMinute() != null) ? limits.tokensPerMinute() : -1)),
								bytes(Long.toString(calibration.remainingRequests())),
								bytes(Long.toString(calibration.remainingTokens())) });
				if (future != null) {
					pending.add(future);
				}
			}
			for (Map.Entry<String, long[]> entry : deltas.entrySet()) {
				int newline = entry.getKey().lastIndexOf('\n');
				RedisFuture<Object> future = this.script.start(connection,
						new byte[][] { bytes(entry.getKey().substring(0, newline)) },
						new byte[][] { SETTLE, now(), this.ttlMillis, bytes(entry.getKey().substring(newline + 1)),
								bytes(Long.toString(entry.getValue()[0])), bytes(Long.toString(entry.getValue()[1])) });
				if (future != null) {
					pending.add(future);
				}
			}
			for (RedisFuture<Object> future : pending) {
				this.script.await(future);
			}
		}
		catch (RedisUnavailableException ex) {
			this.droppedSettlements.addAndGet(batch.size());
			markUnavailable(ex.getMessage());
		}
	}

	/**
	 * Wait until every settlement queued so far has been sent; for tests and shutdown.
	 * @param timeout how long to wait at most
	 * @return whether the queue drained in time
	 */
	public boolean flush(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (this.settlements.isEmpty()) {
				// one more turn of the settler so an in-flight batch completes
				try {
					Thread.sleep(20);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return false;
				}
				if (this.settlements.isEmpty()) {
					return true;
				}
			}
			Thread.onSpinWait();
		}
		return false;
	}

	@Override
	public void close() {
		flush(Duration.ofSeconds(2));
		this.closed = true;
		this.scheduler.shutdownNow();
		this.settler.interrupt();
	}

	/**
	 * Settings of the Redis usage store.
	 *
	 * @param keyPrefix prefix of every key
	 * @param commandTimeout how long a routing decision waits for Redis before falling
	 * back to memory
	 * @param keyTtl TTL of usage and instance keys
	 * @param fallbackShare share of each limit this instance uses while Redis is down;
	 * {@code null} for 1/N over the N live instances
	 * @param heartbeatInterval how often this instance announces itself
	 * @param recoveryProbeInterval how often Redis is probed during an outage
	 * @param clientClock whether windows follow the store's clock instead of Redis
	 * {@code TIME}: for simulations in virtual time only; every instance must then share one
	 * clock
	 */
	public record Settings(String keyPrefix, Duration commandTimeout, Duration keyTtl, @Nullable Double fallbackShare,
			Duration heartbeatInterval, Duration recoveryProbeInterval, boolean clientClock) {

		/**
		 * Settings on Redis {@code TIME}.
		 * @param keyPrefix prefix of every key
		 * @param commandTimeout how long a decision waits for Redis
		 * @param keyTtl TTL of usage and instance keys
		 * @param fallbackShare share of each limit while Redis is down, or {@code null}
		 * @param heartbeatInterval how often this instance announces itself
		 * @param recoveryProbeInterval how often Redis is probed during an outage
		 */
		public Settings(String keyPrefix, Duration commandTimeout, Duration keyTtl, @Nullable Double fallbackShare,
				Duration heartbeatInterval, Duration recoveryProbeInterval) {
			this(keyPrefix, commandTimeout, keyTtl, fallbackShare, heartbeatInterval, recoveryProbeInterval, false);
		}

		/**
		 * These settings with windows on the store's clock instead of Redis {@code TIME}.
		 * @return the settings
		 */
		public Settings withClientClock() {
			return new Settings(this.keyPrefix, this.commandTimeout, this.keyTtl, this.fallbackShare,
					this.heartbeatInterval, this.recoveryProbeInterval, true);
		}

		public Settings {
			Objects.requireNonNull(keyPrefix, "keyPrefix must not be null");
			if (fallbackShare != null && !(fallbackShare > 0 && fallbackShare <= 1)) {
				throw new IllegalArgumentException("fallbackShare must be in (0, 1], was " + fallbackShare);
			}
		}

		/**
		 * The defaults: prefix {@code router:}, 200 ms command timeout, 2 min TTL, 1/N share,
		 * heartbeat every 2 s, probe every second.
		 * @return the settings
		 */
		public static Settings defaults() {
			return new Settings("router:", Duration.ofMillis(200), Duration.ofMinutes(2), null, Duration.ofSeconds(2),
					Duration.ofSeconds(1));
		}

	}

	/** Work for the background thread. */
	private sealed interface Pending permits Settlement, Calibration {

	}

	private record Settlement(Reservation reservation, long delta) implements Pending {
	}

	private record Calibration(Deployment deployment, long remainingRequests, long remainingTokens) implements Pending {
	}

	/**
	 * The keys and limit arguments of one group, computed once.
	 */
	private static final class GroupKeys {

		private final byte[][] usage;

		private final byte[][] cooldown;

		private final byte[][][] candidateArgs;

		GroupKeys(ModelGroup group, Settings settings) {
			int n = group.deployments().size();
			this.usage = new byte[n][];
			this.cooldown = new byte[n][];
			this.candidateArgs = new byte[n][][];
			for (int i = 0; i < n; i++) {
				Deployment deployment = group.deployments().get(i);
				this.usage[i] = bytes(usageKey(settings.keyPrefix(), deployment));
				this.cooldown[i] = bytes(cooldownKey(settings.keyPrefix(), deployment));
				Limits limits = deployment.limits();
				this.candidateArgs[i] = new byte[][] {
						bytes(Long.toString((limits.requestsPerMinute() != null) ? limits.requestsPerMinute() : -1)),
						bytes(Long.toString((limits.tokensPerMinute() != null) ? limits.tokensPerMinute() : -1)),
						bytes(Double.toString(group.shuffleWeight(i))), bytes(Integer.toString(deployment.order())) };
			}
		}

	}

	/**
	 * A group with every limit scaled to this instance's share, for the fallback store.
	 */
	private static final class FallbackGroup {

		private final ModelGroup source;

		private final double share;

		private final ModelGroup group;

		private final Set<String> unusable = new java.util.HashSet<>();

		FallbackGroup(ModelGroup source, double share) {
			this.source = source;
			this.share = share;
			List<Deployment> scaled = new ArrayList<>();
			for (Deployment deployment : source.deployments()) {
				Long rpm = scale(deployment.limits().requestsPerMinute(), share);
				Long tpm = scale(deployment.limits().tokensPerMinute(), share);
				if ((rpm != null && rpm == 0) || (tpm != null && tpm == 0)) {
					this.unusable.add(deployment.id());
					rpm = (rpm != null && rpm == 0) ? 1L : rpm;
					tpm = (tpm != null && tpm == 0) ? 1L : tpm;
				}
				scaled.add(deployment.withLimits(new Limits(rpm, tpm)));
			}
			this.group = new ModelGroup(source.name(), source.strategy(), scaled);
		}

		private static @Nullable Long scale(@Nullable Long limit, double share) {
			return (limit != null) ? (long) Math.floor(limit * share) : null;
		}

	}

}
