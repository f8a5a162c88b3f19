package io.github.airouter.usage.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.SharedUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;
import io.github.airouter.usage.redis.UsageScript.AdmitResult;

/**
 * A {@link UsageStore} in Redis, shared by every instance of an application so that all of
 * them together never exceed a deployment's limits.
 * <p>
 * <b>One round trip per decision.</b> A Lua script ({@link UsageScript}) reads the window and
 * cooldown of every candidate deployment, drops those cooling down or over a limit, picks per
 * the strategy (the same steps and the same one random point per decision as the in-memory
 * store) and reserves the call, atomically; time comes from Redis {@code TIME} unless the
 * settings ask for the store's clock. Settlements and calibrations happen off the caller's
 * path ({@link SettlementSender}).
 * <p>
 * <b>Keys</b> ({@link RedisUsageKeys}): {@code <prefix>{<model>}:usage:<deployment id>} and
 * {@code <prefix>{<model>}:cooldown:<deployment id>}, one Redis Cluster slot per group; every
 * key has a TTL; nothing secret is written.
 * <p>
 * <b>When Redis fails</b> (no answer within the command timeout, or an error;
 * {@link RedisAvailability}), the call is routed from memory within this instance's share of
 * each limit ({@link OutageFallback}). No call fails because Redis is down; the outage is
 * logged once, fallback decisions are counted, and a background probe switches back to Redis
 * as soon as it answers.
 *
 * @author airouter
 */
public final class RedisUsageStore implements SharedUsageStore, AutoCloseable {

	private final Settings settings;

	private final @Nullable RandomGenerator random;

	private final RedisUsageKeys keys;

	private final UsageScript script;

	private final OutageFallback fallback;

	private final RedisAvailability availability;

	private final SettlementSender settlements;

	/**
	 * Create a store and start its background work (heartbeats, recovery probes,
	 * settlements).
	 * @param connectionFactory the application's Redis connection factory
	 * @param settings key prefix, timeouts and fallback share
	 * @param clock the clock of the in-memory fallback, and of the windows when the settings
	 * ask for a {@link Settings#clientClock() client clock}
	 * @param random source of the one random point each decision draws (tie-breaks and
	 * shuffles), {@code null} for {@link ThreadLocalRandom}
	 */
	public RedisUsageStore(RedisConnectionFactory connectionFactory, Settings settings, Clock clock,
			@Nullable RandomGenerator random) {
		this.settings = settings;
		this.random = random;
		this.keys = new RedisUsageKeys(settings.keyPrefix());
		this.script = new UsageScript(connectionFactory, this.keys, settings.commandTimeout(), settings.keyTtl(),
				settings.clientClock() ? clock : null);
		this.fallback = new OutageFallback(settings.fallbackShare(), clock, random, this::getLiveInstances);
		this.availability = new RedisAvailability(this.script, settings.heartbeatInterval(),
				settings.recoveryProbeInterval(), settings.keyTtl(), this.fallback);
		this.settlements = new SettlementSender(this.script, this.availability);
		this.availability.start();
	}

	private RandomGenerator random() {
		return (this.random != null) ? this.random : ThreadLocalRandom.current();
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Draws one random point and runs the script once. When Redis fails, the in-memory
	 * fallback decides (and draws its own point).
	 */
	@Override
	public Admission admit(ModelGroup group, long tokens, Set<String> excluded, double @Nullable [] scores) {
		if (!this.availability.isAvailable()) {
			return this.fallback.admit(group, tokens, excluded, scores);
		}
		double point = random().nextDouble();
		int[] candidates = candidates(group.deployments(), excluded);
		if (candidates.length == 0) {
			return Admission.allExcluded();
		}
		AdmitResult result;
		try {
			result = this.script.admit(group, candidates, tokens, scores, point);
		}
		catch (RedisUnavailableException ex) {
			this.availability.failed(String.valueOf(ex.getMessage()));
			return this.fallback.admit(group, tokens, excluded, scores);
		}
		if (result instanceof AdmitResult.Admitted admitted) {
			this.fallback.record(admitted.deployment(), tokens);
			return Admission.admitted(new Reservation(admitted.deployment(), tokens, admitted.slot()));
		}
		AdmitResult.Refused refused = (AdmitResult.Refused) result;
		return (refused.waitMillis() < 0) ? Admission.tooLarge(tokens)
				: Admission.unavailable(refused.candidates(), refused.cooling(), refused.misconfigured(),
						Duration.ofMillis(refused.waitMillis()));
	}

	private static int[] candidates(List<Deployment> deployments, Set<String> excluded) {
		int[] candidates = new int[deployments.size()];
		int n = 0;
		for (int i = 0; i < deployments.size(); i++) {
			if (!excluded.contains(deployments.get(i).id())) {
				candidates[n++] = i;
			}
		}
		return (n == candidates.length) ? candidates : Arrays.copyOf(candidates, n);
	}

	@Override
	public void reconcile(Reservation reservation, long actualTokens) {
		if (!this.fallback.settle(reservation, false, actualTokens) && reservation.markSettled()) {
			this.settlements.settle(reservation, actualTokens - reservation.tokens());
		}
	}

	@Override
	public void release(Reservation reservation) {
		if (!this.fallback.settle(reservation, true, 0) && reservation.markSettled()) {
			this.settlements.settle(reservation, -reservation.tokens());
		}
	}

	/**
	 * Cool the deployment down in Redis, for every instance, and in this instance's fallback
	 * store, so the cooldown also holds during an outage. The reason is stored with the
	 * cooldown (as one digit of the cooldown key's value, see the script), so every instance
	 * reads it.
	 */
	@Override
	public void coolDown(Deployment deployment, Duration duration, Cooldown.Reason reason) {
		if (duration.isNegative() || duration.isZero()) {
			return;
		}
		this.fallback.coolDown(deployment, duration, reason);
		if (this.availability.isAvailable()) {
			try {
				this.script.coolDown(deployment, duration.toMillis(), reason);
			}
			catch (RedisUnavailableException ex) {
				this.availability.failed(String.valueOf(ex.getMessage()));
			}
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * One round trip to Redis, as for the time left alone; this instance's fallback store
	 * answers during an outage.
	 */
	@Override
	public Cooldown cooldown(Deployment deployment) {
		if (this.availability.isAvailable()) {
			try {
				return this.script.cooldown(deployment);
			}
			catch (RedisUnavailableException ex) {
				this.availability.failed(String.valueOf(ex.getMessage()));
			}
		}
		return this.fallback.cooldown(deployment);
	}

	/**
	 * Queue the correction for the background thread (off the caller's path). The in-memory
	 * copy used during an outage is not calibrated: see {@link OutageFallback}.
	 */
	@Override
	public void calibrate(Deployment deployment, @Nullable Long remainingRequests, @Nullable Long remainingTokens) {
		this.settlements.calibrate(deployment, remainingRequests, remainingTokens);
	}

	@Override
	public WindowUsage usage(Deployment deployment) {
		if (this.availability.isAvailable()) {
			try {
				return this.script.usage(deployment);
			}
			catch (RedisUnavailableException ex) {
				this.availability.failed(String.valueOf(ex.getMessage()));
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
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("redisAvailable", isAvailable());
		details.put("liveInstances", getLiveInstances());
		details.put("fallbackShare", getFallbackShare());
		details.put("fallbackDecisions", getFallbackDecisions());
		details.put("droppedSettlements", getDroppedSettlements());
		details.put("keyPrefix", this.settings.keyPrefix());
		return details;
	}

	@Override
	public boolean isAvailable() {
		return this.availability.isAvailable();
	}

	@Override
	public long getFallbackDecisions() {
		return this.fallback.decisions();
	}

	@Override
	public int getLiveInstances() {
		return this.availability.liveInstances();
	}

	@Override
	public double getFallbackShare() {
		return this.fallback.share();
	}

	@Override
	public long getDroppedSettlements() {
		return this.settlements.dropped();
	}

	/**
	 * The Redis key holding a deployment's usage.
	 * @param deployment the deployment
	 * @return the key
	 */
	public String usageKey(Deployment deployment) {
		return this.keys.usage(deployment);
	}

	/**
	 * The Redis key holding when a deployment's cooldown ends.
	 * @param deployment the deployment
	 * @return the key
	 */
	public String cooldownKey(Deployment deployment) {
		return this.keys.cooldown(deployment);
	}

	/**
	 * Wait until every settlement and calibration queued so far has been sent; for tests and
	 * shutdown.
	 * @param timeout how long to wait at most
	 * @return whether the queue drained in time
	 */
	public boolean flush(Duration timeout) {
		return this.settlements.flush(timeout);
	}

	/**
	 * Send what is queued (for at most 2 s), then stop the background work.
	 */
	@Override
	public void close() {
		this.settlements.close(Duration.ofSeconds(2));
		this.availability.close();
	}

	/**
	 * Settings of the Redis usage store; their defaults live in the configuration properties
	 * ({@code router.redis.*}).
	 *
	 * @param keyPrefix prefix of every key
	 * @param commandTimeout how long a routing decision waits for Redis before falling
	 * back to memory
	 * @param keyTtl TTL of usage and instance keys
	 * @param fallbackShare share of each limit this instance uses while Redis is down, in
	 * (0, 1]; {@code null} for 1/N over the N live instances
	 * @param heartbeatInterval how often this instance announces itself
	 * @param recoveryProbeInterval how often Redis is probed during an outage
	 * @param clientClock whether windows and cooldowns follow the store's clock instead of
	 * Redis {@code TIME}: for simulations in virtual time and tests only; every instance must
	 * then share one clock
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

		public Settings {
			Objects.requireNonNull(keyPrefix, "keyPrefix must not be null");
			Objects.requireNonNull(commandTimeout, "commandTimeout must not be null");
			Objects.requireNonNull(keyTtl, "keyTtl must not be null");
			Objects.requireNonNull(heartbeatInterval, "heartbeatInterval must not be null");
			Objects.requireNonNull(recoveryProbeInterval, "recoveryProbeInterval must not be null");
			// the configuration reports it with the property's name; this guards direct use
			if (fallbackShare != null && !(fallbackShare > 0 && fallbackShare <= 1)) {
				throw new IllegalArgumentException("fallbackShare " + fallbackShare + " is not in (0, 1]");
			}
		}

		/**
		 * These settings with windows and cooldowns on the store's clock instead of Redis
		 * {@code TIME}.
		 * @return the settings
		 */
		public Settings withClientClock() {
			return new Settings(this.keyPrefix, this.commandTimeout, this.keyTtl, this.fallbackShare,
					this.heartbeatInterval, this.recoveryProbeInterval, true);
		}

	}

}
