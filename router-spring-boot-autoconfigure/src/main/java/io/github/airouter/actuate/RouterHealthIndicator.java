package io.github.airouter.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.Router;

/**
 * UP when every model group has at least one deployment out of cooldown; DOWN otherwise.
 * Details per group: the deployments that can take calls and those cooling down.
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
		boolean everyGroupServes = true;
		Map<String, Object> groups = new LinkedHashMap<>();
		for (ModelGroup group : this.router.groups()) {
			List<String> available = new ArrayList<>();
			List<String> coolingDown = new ArrayList<>();
			for (Deployment deployment : group.deployments()) {
				if (this.router.usageStore().cooldownRemaining(deployment).isZero()) {
					available.add(deployment.id());
				}
				else {
					coolingDown.add(deployment.id());
				}
			}
			everyGroupServes &= !available.isEmpty();
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("status", available.isEmpty() ? "DOWN" : "UP");
			details.put("available", available);
			details.put("coolingDown", coolingDown);
			groups.put(group.name(), details);
		}
		(everyGroupServes ? builder.up() : builder.down()).withDetail("usageStore", this.router.usageStore().name())
			.withDetail("modelGroups", groups);
	}

}
