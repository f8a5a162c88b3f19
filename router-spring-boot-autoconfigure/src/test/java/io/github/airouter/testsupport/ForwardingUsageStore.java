package io.github.airouter.testsupport;

import java.time.Duration;
import java.util.Set;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;

/**
 * A user-defined {@link UsageStore} for tests: forwards to an in-memory store under its own
 * name; subclasses observe what they need.
 */
public class ForwardingUsageStore implements UsageStore {

	private final UsageStore delegate = new InMemoryUsageStore();

	private final String name;

	public ForwardingUsageStore(String name) {
		this.name = name;
	}

	@Override
	public Admission admit(ModelGroup group, long tokens, Set<String> excluded, double[] scores) {
		return this.delegate.admit(group, tokens, excluded, scores);
	}

	@Override
	public void reconcile(Reservation reservation, long actualTokens) {
		this.delegate.reconcile(reservation, actualTokens);
	}

	@Override
	public void release(Reservation reservation) {
		this.delegate.release(reservation);
	}

	@Override
	public void coolDown(Deployment deployment, Duration duration, Cooldown.Reason reason) {
		this.delegate.coolDown(deployment, duration, reason);
	}

	@Override
	public Cooldown cooldown(Deployment deployment) {
		return this.delegate.cooldown(deployment);
	}

	@Override
	public WindowUsage usage(Deployment deployment) {
		return this.delegate.usage(deployment);
	}

	@Override
	public String name() {
		return this.name;
	}

}
