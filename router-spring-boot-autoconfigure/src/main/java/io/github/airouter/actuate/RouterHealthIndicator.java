package io.github.airouter.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.Router;
import io.github.airouter.usage.Cooldown;

/**
 * The router's health, fit for a readiness probe: DOWN only when some model group cannot
 * serve and waiting will not change that, because every one of its deployments is
 * misconfigured (it answered 401, 403 or 404). A group whose deployments are all rate
 * limited, or cooling down after transient failures, stays UP: its cooldowns end by
 * themselves, and a shared 429 must not take every instance of an application out of a load
 * balancer's rotation at once. Details per group: the deployments that can take calls now,
 * those cooling down, and why each cools down.
 *
 * @author airouter
 */
public class RouterHealthIndicator extends AbstractHealthIndicator {

	private final Router router;

	/**
	 * Create the indicator.
	 * @param router the router to check
	 */
	public RouterHealthIndicator(Router router) {
		super("Router health check failed");
		this.router = router;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		boolean everyGroupCanServe = true;
		Map<String, Object> groups = new LinkedHashMap<>();
		for (ModelGroup group : this.router.groups()) {
			List<String> available = new ArrayList<>();
			List<String> coolingDown = new ArrayList<>();
			Map<String, String> reasons = new LinkedHashMap<>();
			boolean allMisconfigured = true;
			for (Deployment deployment : group.deployments()) {
				Cooldown cooldown = this.router.usageStore().cooldown(deployment);
				if (!cooldown.isActive()) {
					available.add(deployment.id());
					allMisconfigured = false;
					continue;
				}
				coolingDown.add(deployment.id());
				reasons.put(deployment.id(), cooldown.reason().name().toLowerCase(Locale.ROOT).replace('_', '-'));
				allMisconfigured &= cooldown.reason() == Cooldown.Reason.MISCONFIGURED;
			}
			everyGroupCanServe &= !allMisconfigured;
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("status", allMisconfigured ? "DOWN" : "UP");
			details.put("available", available);
			details.put("coolingDown", coolingDown);
			details.put("cooldownReasons", reasons);
			groups.put(group.name(), details);
		}
		(everyGroupCanServe ? builder.up() : builder.down()).withDetail("usageStore", this.router.usageStore().name())
			.withDetail("modelGroups", groups);
	}

}
