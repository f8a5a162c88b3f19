package io.github.airouter.actuate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.DeploymentStats;
import io.github.airouter.routing.Router;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;

/**
 * The {@code router} actuator endpoint: every model group and deployment with its limits,
 * its usage in the current window, calls in flight, cooldown and recent latency, and the
 * usage store in use. No key appears, not even in part: deployments hold none.
 *
 * @author airouter
 */
@Endpoint(id = "router")
public class RouterEndpoint {

	private final Router router;

	/**
	 * Create the endpoint.
	 * @param router the router to describe
	 */
	public RouterEndpoint(Router router) {
		this.router = router;
	}

	/**
	 * Describe the router now.
	 * @return the description
	 */
	@ReadOperation
	public RouterDescriptor router() {
		UsageStore store = this.router.usageStore();
		List<ModelGroupDescriptor> groups = new ArrayList<>();
		for (ModelGroup group : this.router.groups()) {
			List<DeploymentDescriptor> deployments = new ArrayList<>();
			for (Deployment deployment : group.deployments()) {
				WindowUsage usage = store.usage(deployment);
				Cooldown cooldown = store.cooldown(deployment);
				DeploymentStats stats = this.router.stats(deployment);
				long latency = stats.latencyNanos();
				deployments.add(new DeploymentDescriptor(deployment.id(), deployment.provider().prefix(),
						deployment.target(), deployment.apiBaseHost(),
						(deployment.order() != Deployment.NO_ORDER) ? deployment.order() : null, deployment.weight(),
						new LimitsDescriptor(deployment.limits().requestsPerMinute(),
								deployment.limits().tokensPerMinute()),
						new UsageDescriptor(usage.requests(), usage.tokens()), stats.inFlight(),
						cooldown.remaining().toMillis(),
						(cooldown.reason() != null) ? lower(cooldown.reason().name()).replace('_', '-') : null,
						(latency >= 0) ? latency / 1e6 : null, stats.lastError()));
			}
			groups.add(new ModelGroupDescriptor(group.name(), lower(group.mode().name()),
					lower(group.strategy().name()).replace('_', '-'), deployments));
		}
		return new RouterDescriptor(new UsageStoreDescriptor(store.name(), store.details()), groups);
	}

	private static String lower(String name) {
		return name.toLowerCase(Locale.ROOT);
	}

	/**
	 * The router.
	 *
	 * @param usageStore the usage store in use
	 * @param modelGroups the model groups
	 */
	public record RouterDescriptor(UsageStoreDescriptor usageStore, List<ModelGroupDescriptor> modelGroups) {
	}

	/**
	 * The usage store.
	 *
	 * @param name {@code memory} or {@code redis}
	 * @param details its state, e.g. whether Redis answers
	 */
	public record UsageStoreDescriptor(String name, Map<String, Object> details) {
	}

	/**
	 * One model group.
	 *
	 * @param name the public model name
	 * @param mode chat or embedding
	 * @param strategy the routing strategy
	 * @param deployments its deployments
	 */
	public record ModelGroupDescriptor(String name, String mode, String strategy,
			List<DeploymentDescriptor> deployments) {
	}

	/**
	 * One deployment.
	 *
	 * @param id its id
	 * @param provider {@code azure} or {@code openai}
	 * @param target the Azure deployment or OpenAI model name
	 * @param apiBaseHost the endpoint's host
	 * @param order its priority tier, or {@code null}
	 * @param weight its shuffle weight, or {@code null}
	 * @param limits its limits
	 * @param usage its usage in the current 60-second window
	 * @param inFlight calls this instance has in flight on it
	 * @param cooldownRemainingMillis how long it still cools down, 0 when it does not
	 * @param cooldownReason why it cools down ({@code rate-limited}, {@code failures},
	 * {@code misconfigured}), or {@code null}
	 * @param latencyMillis its recent latency (time to first chunk for streams), or
	 * {@code null} before the first success
	 * @param lastError the last failure this instance saw, or {@code null}
	 */
	public record DeploymentDescriptor(String id, String provider, String target, String apiBaseHost,
			@Nullable Integer order, @Nullable Integer weight, LimitsDescriptor limits, UsageDescriptor usage,
			int inFlight, long cooldownRemainingMillis, @Nullable String cooldownReason, @Nullable Double latencyMillis,
			@Nullable String lastError) {
	}

	/**
	 * Limits over any 60-second window.
	 *
	 * @param rpm requests per minute, {@code null} for unlimited
	 * @param tpm tokens per minute, {@code null} for unlimited
	 */
	public record LimitsDescriptor(@Nullable Long rpm, @Nullable Long tpm) {
	}

	/**
	 * Usage in the current window, calls in flight included.
	 *
	 * @param requests requests
	 * @param tokens tokens
	 */
	public record UsageDescriptor(long requests, long tokens) {
	}

}
