package io.github.airouter.usage.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.WindowUsage;

/**
 * Routing while Redis is unavailable: from an in-memory store in which this instance uses
 * only its share of each limit (the configured share, else 1/N for the N instances last seen
 * through heartbeats). The store mirrors this instance's Redis admissions, so an outage starts
 * from what the instance already used in the window: each instance's own total stays within
 * {@code max(its usage before the outage, its share)} per deployment.
 * <p>
 * The store is not calibrated from providers' headers. They count what the whole fleet (and
 * any other application on the same quota) used, while this store counts this instance alone
 * against its share of the limit; raised by the fleet's usage, it refused calls its share
 * still allowed (with rpm 40, a share of 0.5 and 5 calls of its own, headers saying 20 remain
 * left it none of its 15). Scaling the headers to the share would not cure that: it charges
 * this instance the share of the fleet's usage, as if every instance had used the same, and
 * still refuses calls within its share whenever it used less than the others (10 of the 15
 * here). The shares add up to at most the limit, so the instances together keep within it
 * without the headers; traffic the router cannot see, which the headers would reveal, meets
 * the provider's 429s during an outage, and those cool the deployment down here as always.
 *
 * @author airouter
 */
final class OutageFallback implements RedisAvailability.OutageListener {

	private final InMemoryUsageStore memory;

	private final @Nullable Double configuredShare;

	private final IntSupplier liveInstances;

	private final Map<String, ScaledGroup> groups = new ConcurrentHashMap<>();

	private final Set<Reservation> reservations = ConcurrentHashMap.newKeySet();

	private final AtomicLong decisions = new AtomicLong();

	private final AtomicLong outageDecisions = new AtomicLong();

	/**
	 * The fallback of one store.
	 * @param configuredShare the share of each limit, or {@code null} for 1/N
	 * @param clock the clock of the in-memory windows
	 * @param random the source of the in-memory decisions' random points, or {@code null}
	 * @param liveInstances the instances last seen through heartbeats
	 */
	OutageFallback(@Nullable Double configuredShare, Clock clock, @Nullable RandomGenerator random,
			IntSupplier liveInstances) {
		this.memory = new InMemoryUsageStore(clock, random);
		this.configuredShare = configuredShare;
		this.liveInstances = liveInstances;
	}

	/**
	 * The share of each limit this instance uses while Redis is unavailable.
	 * @return the share, in (0, 1]
	 */
	double share() {
		if (this.configuredShare != null) {
			return this.configuredShare;
		}
		int instances = this.liveInstances.getAsInt();
		return (instances > 1) ? 1.0 / instances : 1.0;
	}

	/**
	 * Routing decisions made from memory since start-up.
	 * @return the count
	 */
	long decisions() {
		return this.decisions.get();
	}

	/**
	 * Admit a call from memory, within this instance's share.
	 * @param group the model group
	 * @param tokens the estimated tokens
	 * @param excluded ids not to choose
	 * @param scores the group's scores, or {@code null}
	 * @return the admission
	 */
	Admission admit(ModelGroup group, long tokens, Set<String> excluded, double @Nullable [] scores) {
		this.decisions.incrementAndGet();
		this.outageDecisions.incrementAndGet();
		double share = share();
		ScaledGroup scaled = this.groups.compute(group.name(),
				(name, previous) -> (previous != null && previous.share == share && previous.source == group) ? previous
						: new ScaledGroup(group, share));
		Set<String> exclude = excluded;
		if (!scaled.unusable.isEmpty()) {
			exclude = new HashSet<>(excluded);
			exclude.addAll(scaled.unusable);
		}
		Admission admission = this.memory.admit(scaled.group, tokens, exclude, scores);
		if (admission.isAdmitted()) {
			this.reservations.add(admission.reservation());
		}
		return admission;
	}

	/**
	 * Count a call Redis admitted, so an outage starts from this instance's usage.
	 * @param deployment the deployment
	 * @param tokens the tokens reserved
	 */
	void record(Deployment deployment, long tokens) {
		this.memory.record(deployment, tokens);
	}

	/**
	 * Settle a reservation made from memory.
	 * @param reservation the reservation
	 * @param release whether to release it rather than reconcile it
	 * @param actualTokens the tokens used, when reconciled
	 * @return whether the reservation was made here (else it belongs to Redis)
	 */
	boolean settle(Reservation reservation, boolean release, long actualTokens) {
		if (!this.reservations.remove(reservation)) {
			return false;
		}
		if (release) {
			this.memory.release(reservation);
		}
		else {
			this.memory.reconcile(reservation, actualTokens);
		}
		return true;
	}

	void coolDown(Deployment deployment, Duration duration, Cooldown.Reason reason) {
		this.memory.coolDown(deployment, duration, reason);
	}

	Cooldown cooldown(Deployment deployment) {
		return this.memory.cooldown(deployment);
	}

	WindowUsage usage(Deployment deployment) {
		return this.memory.usage(deployment);
	}

	@Override
	public String outageStarted() {
		this.outageDecisions.set(0);
		return "routing from memory, this instance using " + Math.round(share() * 1000) / 10.0
				+ "% of every limit";
	}

	@Override
	public String outageEnded() {
		this.groups.clear();
		return this.outageDecisions.get() + " routing decisions were made from memory meanwhile";
	}

	/**
	 * A group with every limit scaled to this instance's share.
	 */
	private static final class ScaledGroup {

		private final ModelGroup source;

		private final double share;

		private final ModelGroup group;

		/** Deployments whose share of a limit rounds down to nothing. */
		private final Set<String> unusable = new HashSet<>();

		ScaledGroup(ModelGroup source, double share) {
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
