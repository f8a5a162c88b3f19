package io.github.airouter.demo;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.RoutingListener;
import io.github.airouter.routing.TokenUsage;
import io.github.airouter.samples.fake.UsageLog;

/**
 * What the router did, as it tells its {@link RoutingListener}s (the router picks up every
 * {@code RoutingListener} bean): attempts, successes and tokens per deployment, 429s seen,
 * cooldowns entered, hops to fallback models, and calls that needed more than one attempt.
 * Works the same against the fakes and against real deployments.
 */
@Component
public class RoutingTally implements RoutingListener {

	private final Map<String, DeploymentTally> deployments = new ConcurrentHashMap<>();

	private final Map<String, AtomicLong> fallbacks = new ConcurrentHashMap<>();

	private final AtomicLong calls = new AtomicLong();

	private final AtomicLong retriedCalls = new AtomicLong();

	private DeploymentTally tally(Deployment deployment) {
		return this.deployments.computeIfAbsent(deployment.id(), (id) -> new DeploymentTally());
	}

	@Override
	public void onAdmitted(Deployment deployment, long decisionNanos) {
		DeploymentTally tally = tally(deployment);
		tally.attempts.incrementAndGet();
		tally.sent.add(System.currentTimeMillis(), 1, 0);
	}

	@Override
	public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
		DeploymentTally tally = tally(deployment);
		tally.served.incrementAndGet();
		if (usage != null) {
			tally.promptTokens.addAndGet(usage.isSplit() ? usage.promptTokens() : usage.total());
			tally.completionTokens.addAndGet(usage.isSplit() ? usage.completionTokens() : 0);
			tally.sent.add(System.currentTimeMillis(), 0, usage.total());
		}
	}

	@Override
	public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
		if (failure.kind() == Failure.Kind.RATE_LIMITED) {
			tally(deployment).rateLimited.incrementAndGet();
		}
		else {
			tally(deployment).otherFailures.incrementAndGet();
		}
	}

	@Override
	public void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
		tally(deployment).cooldowns.incrementAndGet();
	}

	@Override
	public void onFallback(ModelGroup from, ModelGroup to, @Nullable Throwable cause) {
		this.fallbacks.computeIfAbsent(from.name() + " -> " + to.name(), (hop) -> new AtomicLong()).incrementAndGet();
	}

	@Override
	public void onCallCompleted(ModelGroup group, int attempts) {
		this.calls.incrementAndGet();
		if (attempts > 1) {
			this.retriedCalls.incrementAndGet();
		}
	}

	/**
	 * What the router did with one deployment.
	 * @param deployment the deployment
	 * @return its tally, zero when it was never chosen
	 */
	public Snapshot of(Deployment deployment) {
		DeploymentTally tally = this.deployments.get(deployment.id());
		if (tally == null) {
			return new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0);
		}
		return new Snapshot(tally.attempts.get(), tally.served.get(), tally.promptTokens.get(),
				tally.completionTokens.get(), tally.rateLimited.get(), tally.otherFailures.get(), tally.cooldowns.get(),
				tally.sent.peakRequests(), tally.sent.peakTokens());
	}

	/**
	 * Hops to fallback models, by hop ({@code from -> to}).
	 * @return the counts
	 */
	public Map<String, Long> fallbacks() {
		Map<String, Long> hops = new java.util.TreeMap<>();
		this.fallbacks.forEach((hop, count) -> hops.put(hop, count.get()));
		return hops;
	}

	/**
	 * Calls that took more than one attempt: a deployment failed, another served (or the
	 * call failed in the end).
	 * @return the count
	 */
	public long retriedCalls() {
		return this.retriedCalls.get();
	}

	/**
	 * Calls the router completed, served or not.
	 * @return the count
	 */
	public long calls() {
		return this.calls.get();
	}

	/**
	 * What the router did with one deployment.
	 *
	 * @param attempts attempts sent to it
	 * @param served attempts it answered
	 * @param promptTokens prompt tokens it reported
	 * @param completionTokens completion tokens it reported
	 * @param rateLimited 429s it answered
	 * @param otherFailures other failures (5xx, timeouts, ...)
	 * @param cooldowns cooldowns it entered
	 * @param peakRequests the most attempts the router sent it in any 60-second window
	 * @param peakTokens the most tokens it reported in any 60-second window
	 */
	public record Snapshot(long attempts, long served, long promptTokens, long completionTokens, long rateLimited,
			long otherFailures, long cooldowns, long peakRequests, long peakTokens) {
	}

	private static final class DeploymentTally {

		private final AtomicLong attempts = new AtomicLong();

		private final AtomicLong served = new AtomicLong();

		private final AtomicLong promptTokens = new AtomicLong();

		private final AtomicLong completionTokens = new AtomicLong();

		private final AtomicLong rateLimited = new AtomicLong();

		private final AtomicLong otherFailures = new AtomicLong();

		private final AtomicLong cooldowns = new AtomicLong();

		private final UsageLog sent = new UsageLog();

	}

}
