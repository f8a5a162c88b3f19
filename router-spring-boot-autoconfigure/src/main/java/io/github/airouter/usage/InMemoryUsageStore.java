package io.github.airouter.usage;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;

/**
 * A {@link UsageStore} in this JVM's memory: exact for one application instance. Each model
 * group has its own lock, under which a decision reads the group's windows and cooldowns,
 * picks and reserves; a decision costs a few hundred nanoseconds and groups never contend.
 * The choice itself is {@link Selection}'s, the same as the Redis script's: each admission
 * draws exactly one random point.
 * <p>
 * Time comes from the given {@link Clock}; see {@link SlidingWindow} for the accuracy of
 * the 60-second window.
 *
 * @author airouter
 */
public final class InMemoryUsageStore implements UsageStore {

	private final Clock clock;

	private final @Nullable RandomGenerator random;

	private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

	/**
	 * Create a store on the system clock.
	 */
	public InMemoryUsageStore() {
		this(Clock.systemUTC(), null);
	}

	/**
	 * Create a store.
	 * @param clock the clock the windows follow
	 * @param random the source of the one random point each admission draws (for tie-breaks
	 * and shuffles), used by several threads; {@code null} for {@link ThreadLocalRandom}
	 */
	public InMemoryUsageStore(Clock clock, @Nullable RandomGenerator random) {
		this.clock = clock;
		this.random = random;
	}

	private RandomGenerator random() {
		return (this.random != null) ? this.random : ThreadLocalRandom.current();
	}

	@Override
	public Admission admit(ModelGroup group, long tokens, Set<String> excluded, double @Nullable [] scores) {
		double point = random().nextDouble();
		Lane lane = lane(group.name());
		List<Deployment> deployments = group.deployments();
		int n = deployments.size();
		synchronized (lane) {
			long nowMillis = this.clock.millis();
			long nowSecond = Math.floorDiv(nowMillis, 1000);
			boolean[] fits = new boolean[n];
			long[] windowTokens = new long[n];
			for (int i = 0; i < n; i++) {
				Deployment deployment = deployments.get(i);
				if (excluded.contains(deployment.id()) || lane.coolingUntil(deployment.id()) > nowMillis) {
					continue;
				}
				SlidingWindow window = lane.window(deployment.id(), nowSecond);
				fits[i] = window.fits(deployment.limits().rpm(), deployment.limits().tpm(), 1, tokens);
				windowTokens[i] = window.tokens();
			}
			int chosen = Selection.choose(group, fits, windowTokens, scores, point);
			if (chosen < 0) {
				return reject(lane, group, tokens, excluded, nowMillis, nowSecond);
			}
			Deployment deployment = deployments.get(chosen);
			long slot = lane.window(deployment.id(), nowSecond).reserve(tokens);
			return Admission.admitted(new Reservation(deployment, tokens, slot));
		}
	}

	private Admission reject(Lane lane, ModelGroup group, long tokens, Set<String> excluded, long nowMillis,
			long nowSecond) {
		long soonest = -1;
		int considered = 0;
		int cooling = 0;
		int misconfigured = 0;
		for (Deployment deployment : group.deployments()) {
			if (excluded.contains(deployment.id())) {
				continue;
			}
			considered++;
			long wait = lane.window(deployment.id(), nowSecond)
				.millisUntilFits(nowMillis, deployment.limits().rpm(), deployment.limits().tpm(), 1, tokens);
			long coolingFor = lane.coolingUntil(deployment.id()) - nowMillis;
			if (coolingFor > 0) {
				cooling++;
				if (lane.cooldowns.get(deployment.id()).reason() == Cooldown.Reason.MISCONFIGURED) {
					misconfigured++;
				}
				wait = (wait < 0) ? -1 : Math.max(wait, coolingFor);
			}
			if (wait >= 0 && (soonest < 0 || wait < soonest)) {
				soonest = wait;
			}
		}
		if (considered == 0) {
			return Admission.allExcluded();
		}
		if (soonest < 0) {
			return Admission.tooLarge(tokens);
		}
		return Admission.unavailable(considered, cooling, misconfigured, Duration.ofMillis(soonest));
	}

	@Override
	public void coolDown(Deployment deployment, Duration duration, Cooldown.Reason reason) {
		if (duration.isNegative() || duration.isZero()) {
			return;
		}
		Lane lane = lane(deployment.modelName());
		synchronized (lane) {
			Cooling cooling = new Cooling(this.clock.millis() + duration.toMillis(), reason);
			lane.cooldowns.merge(deployment.id(), cooling,
					(running, next) -> (next.until() > running.until()) ? next : running);
		}
	}

	@Override
	public Cooldown cooldown(Deployment deployment) {
		Lane lane = lane(deployment.modelName());
		synchronized (lane) {
			Cooling cooling = lane.cooldowns.get(deployment.id());
			return (cooling != null)
					? Cooldown.of(Duration.ofMillis(cooling.until() - this.clock.millis()), cooling.reason())
					: Cooldown.NONE;
		}
	}

	/**
	 * Count a call that another store admitted, so that this store's windows know this
	 * instance's recent usage: the Redis store mirrors its admissions here, and an outage then
	 * starts from what this instance already used.
	 * @param deployment the deployment the call went to
	 * @param tokens the tokens reserved
	 */
	public void record(Deployment deployment, long tokens) {
		Lane lane = lane(deployment.modelName());
		synchronized (lane) {
			lane.window(deployment.id(), Math.floorDiv(this.clock.millis(), 1000)).add(1, tokens);
		}
	}

	@Override
	public void calibrate(Deployment deployment, @Nullable Long remainingRequests, @Nullable Long remainingTokens) {
		Lane lane = lane(deployment.modelName());
		synchronized (lane) {
			SlidingWindow window = lane.window(deployment.id(), Math.floorDiv(this.clock.millis(), 1000));
			Long rpm = deployment.limits().requestsPerMinute();
			Long tpm = deployment.limits().tokensPerMinute();
			long requests = (rpm != null && remainingRequests != null)
					? Math.max(0, rpm - remainingRequests - window.requests()) : 0;
			// against settled usage: in-flight estimates get replaced by what the calls report,
			// which the provider's count may already include
			long tokens = (tpm != null && remainingTokens != null)
					? Math.max(0, tpm - remainingTokens - window.settledTokens()) : 0;
			if (requests > 0 || tokens > 0) {
				window.add(requests, tokens);
			}
		}
	}

	@Override
	public void reconcile(Reservation reservation, long actualTokens) {
		if (reservation.markSettled()) {
			settle(reservation, actualTokens - reservation.tokens());
		}
	}

	@Override
	public void release(Reservation reservation) {
		if (reservation.markSettled()) {
			settle(reservation, -reservation.tokens());
		}
	}

	private void settle(Reservation reservation, long delta) {
		Deployment deployment = reservation.deployment();
		Lane lane = lane(deployment.modelName());
		synchronized (lane) {
			lane.window(deployment.id(), Math.floorDiv(this.clock.millis(), 1000))
				.settle(reservation.slot(), reservation.tokens(), delta);
		}
	}

	@Override
	public WindowUsage usage(Deployment deployment) {
		Lane lane = lane(deployment.modelName());
		synchronized (lane) {
			SlidingWindow window = lane.window(deployment.id(), Math.floorDiv(this.clock.millis(), 1000));
			return new WindowUsage(window.requests(), window.tokens(), window.pendingTokens());
		}
	}

	@Override
	public String name() {
		return "memory";
	}

	private Lane lane(String group) {
		return this.lanes.computeIfAbsent(group, (name) -> new Lane());
	}

	/**
	 * The windows of one model group's deployments, guarded by the lane's monitor.
	 */
	private static final class Lane {

		private final Map<String, SlidingWindow> windows = new HashMap<>();

		private final Map<String, Cooling> cooldowns = new HashMap<>();

		long coolingUntil(String deploymentId) {
			Cooling cooling = this.cooldowns.get(deploymentId);
			return (cooling != null) ? cooling.until() : 0;
		}

		SlidingWindow window(String deploymentId, long nowSecond) {
			SlidingWindow window = this.windows.computeIfAbsent(deploymentId, (id) -> new SlidingWindow());
			window.advance(nowSecond);
			return window;
		}

	}

	/**
	 * When a deployment's cooldown ends (ms on the store's clock), and why it started.
	 */
	private record Cooling(long until, Cooldown.Reason reason) {
	}

}
