package io.github.airouter.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.RoutingListener;
import io.github.airouter.routing.TokenUsage;
import io.github.airouter.usage.SharedUsageStore;
import io.github.airouter.usage.UsageStore;

/**
 * Micrometer metrics of the router. Tags are the model name ({@code model}), the deployment
 * id ({@code deployment}) and the provider ({@code provider}); never a key or a prompt.
 * <ul>
 * <li>{@code router.calls} (counter): attempts by {@code outcome}: success, rate-limited
 * (429), server-error (5xx), timeout, connection, misconfigured (401, 403, 404),
 * context-window-exceeded, client-error, cancelled (the caller was interrupted), and rejected
 * (no deployment could take the call; deployment and provider {@code none});</li>
 * <li>{@code router.tokens} (counter): tokens reported, by {@code type} prompt, completion or
 * total (when a response reports no split);</li>
 * <li>{@code router.decision} (timer): time of one routing decision;</li>
 * <li>{@code router.attempts} (summary): attempts per call;</li>
 * <li>{@code router.fallbacks} (counter): hops to a fallback model, tagged {@code model} and
 * {@code fallback};</li>
 * <li>{@code router.cooldowns} (counter): cooldowns entered, by {@code reason}
 * rate-limited, misconfigured or failures;</li>
 * <li>{@code router.window.requests}, {@code router.window.tokens} (gauges): usage in the
 * current 60 s window, next to {@code router.limit.requests} and
 * {@code router.limit.tokens};</li>
 * <li>{@code router.in.flight} (gauge): calls this instance has in flight;</li>
 * <li>{@code router.redis.fallbacks} (function counter): decisions made from memory while
 * Redis was unavailable (Redis store only).</li>
 * </ul>
 * Spring AI's own chat and embedding observations keep working beside these.
 *
 * @author airouter
 */
public class RouterMetrics implements RoutingListener {

	private final MeterRegistry registry;

	private final Map<String, Counter> counters = new ConcurrentHashMap<>();

	private final Map<String, Timer> decisionTimers = new ConcurrentHashMap<>();

	/**
	 * Create the listener.
	 * @param registry where the meters go
	 */
	public RouterMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	private static Tags tags(Deployment deployment) {
		return Tags.of("model", deployment.modelName(), "deployment", deployment.id(), "provider",
				deployment.provider().prefix());
	}

	private Counter counter(String name, Deployment deployment, String key, String value) {
		return this.counters.computeIfAbsent(name + '|' + deployment.id() + '|' + value,
				(cacheKey) -> Counter.builder(name).tags(tags(deployment)).tag(key, value).register(this.registry));
	}

	@Override
	public void onAdmitted(Deployment deployment, long decisionNanos) {
		this.decisionTimers
			.computeIfAbsent(deployment.modelName(),
					(model) -> Timer.builder("router.decision")
						.description("Time of one routing decision")
						.tag("model", model)
						.register(this.registry))
			.record(decisionNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void onRejected(ModelGroup group, NoDeploymentAvailableException exception) {
		this.counters
			.computeIfAbsent("router.calls|" + group.name() + "|rejected",
					(cacheKey) -> Counter.builder("router.calls")
						.tags("model", group.name(), "deployment", "none", "provider", "none", "outcome", "rejected")
						.register(this.registry))
			.increment();
	}

	@Override
	public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
		counter("router.calls", deployment, "outcome", "success").increment();
		if (usage == null) {
			return;
		}
		if (usage.isSplit()) {
			counter("router.tokens", deployment, "type", "prompt").increment(usage.promptTokens());
			counter("router.tokens", deployment, "type", "completion").increment(usage.completionTokens());
		}
		else {
			counter("router.tokens", deployment, "type", "total").increment(usage.total());
		}
	}

	@Override
	public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
		String outcome = (failure.kind() == Failure.Kind.NOT_RETRYABLE) ? "client-error" : failure.kind().tag();
		counter("router.calls", deployment, "outcome", outcome).increment();
	}

	@Override
	public void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
		String tag = switch (cause) {
			case RATE_LIMITED -> "rate-limited";
			case MISCONFIGURED -> "misconfigured";
			default -> "failures";
		};
		counter("router.cooldowns", deployment, "reason", tag).increment();
	}

	@Override
	public void onFallback(ModelGroup from, ModelGroup to, @Nullable Throwable cause) {
		this.counters
			.computeIfAbsent("router.fallbacks|" + from.name() + "|" + to.name(),
					(cacheKey) -> Counter.builder("router.fallbacks")
						.tags("model", from.name(), "fallback", to.name())
						.register(this.registry))
			.increment();
	}

	@Override
	public void onCallCompleted(ModelGroup group, int attempts) {
		DistributionSummary.builder("router.attempts")
			.description("Attempts one call took, over every model tried")
			.tag("model", group.name())
			.register(this.registry)
			.record(attempts);
	}

	/**
	 * The gauges of a router's deployments: window usage, limits, calls in flight, and the
	 * Redis store's fallback decisions.
	 * @param router the router
	 * @return a binder registering them
	 */
	public static MeterBinder gauges(Router router) {
		return (registry) -> {
			UsageStore store = router.usageStore();
			for (ModelGroup group : router.groups()) {
				for (Deployment deployment : group.deployments()) {
					Tags tags = tags(deployment);
					Gauge.builder("router.window.requests", () -> store.usage(deployment).requests())
						.description("Requests in the current 60 s window")
						.tags(tags)
						.register(registry);
					Gauge.builder("router.window.tokens", () -> store.usage(deployment).tokens())
						.description("Tokens in the current 60 s window")
						.tags(tags)
						.register(registry);
					if (deployment.limits().requestsPerMinute() != null) {
						Gauge.builder("router.limit.requests", deployment.limits()::rpm).tags(tags).register(registry);
					}
					if (deployment.limits().tokensPerMinute() != null) {
						Gauge.builder("router.limit.tokens", deployment.limits()::tpm).tags(tags).register(registry);
					}
					Gauge.builder("router.in.flight", () -> router.stats(deployment).inFlight())
						.description("Calls this instance has in flight")
						.tags(tags)
						.register(registry);
				}
			}
			if (store instanceof SharedUsageStore shared) {
				FunctionCounter.builder("router.redis.fallbacks", shared, SharedUsageStore::getFallbackDecisions)
					.description("Routing decisions made from memory while Redis was unavailable")
					.register(registry);
			}
		};
	}

}
