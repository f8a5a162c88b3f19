package io.github.airouter.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;

/**
 * Every {@link RoutingListener} of a router behind one: each event goes to each listener in
 * order, and a listener that throws never reaches the call. Its exception is logged, at WARN
 * at most once a minute per listener and event (the count of those not logged follows in the
 * next WARN), and the other listeners still hear the event. The router settles a call's
 * reservation before it tells the listeners, so a failing listener can change neither a
 * call's result nor its usage.
 *
 * @author airouter
 */
final class RoutingListeners implements RoutingListener {

	private static final Log logger = LogFactory.getLog(RoutingListeners.class);

	private static final long LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

	private final List<RoutingListener> listeners;

	private final Map<String, Throttle> throttles = new ConcurrentHashMap<>();

	RoutingListeners(List<? extends RoutingListener> listeners) {
		this.listeners = List.copyOf(listeners);
	}

	private void dispatch(String event, Consumer<RoutingListener> delivery) {
		for (RoutingListener listener : this.listeners) {
			try {
				delivery.accept(listener);
			}
			catch (VirtualMachineError ex) {
				throw ex;
			}
			catch (Throwable ex) {
				failed(listener, event, ex);
			}
		}
	}

	private void failed(RoutingListener listener, String event, Throwable ex) {
		String name = listener.getClass().getName();
		Throttle throttle = this.throttles.computeIfAbsent(name + '#' + event, (key) -> new Throttle());
		long suppressed = throttle.suppressedIfDue(System.nanoTime());
		if (suppressed >= 0) {
			logger.warn("Routing listener " + name + " failed in " + event + "; the call goes on unaffected"
					+ ((suppressed > 0) ? " (" + suppressed + " more such failures in the last minute not logged)" : ""),
					ex);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug("Routing listener " + name + " failed in " + event, ex);
		}
	}

	@Override
	public void onAdmitted(Deployment deployment, long decisionNanos) {
		dispatch("onAdmitted", (listener) -> listener.onAdmitted(deployment, decisionNanos));
	}

	@Override
	public void onRejected(ModelGroup group, NoDeploymentAvailableException exception) {
		dispatch("onRejected", (listener) -> listener.onRejected(group, exception));
	}

	@Override
	public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
		dispatch("onSuccess", (listener) -> listener.onSuccess(deployment, latencyNanos, usage));
	}

	@Override
	public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
		dispatch("onFailure", (listener) -> listener.onFailure(deployment, failure, exception));
	}

	@Override
	public void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
		dispatch("onCooldown", (listener) -> listener.onCooldown(deployment, duration, cause, reason));
	}

	@Override
	public void onFallback(ModelGroup from, ModelGroup to, @Nullable Throwable cause) {
		dispatch("onFallback", (listener) -> listener.onFallback(from, to, cause));
	}

	@Override
	public void onCallCompleted(ModelGroup group, int attempts) {
		dispatch("onCallCompleted", (listener) -> listener.onCallCompleted(group, attempts));
	}

	/**
	 * Whether a listener's failure is due for a WARN: one a minute, counting the rest.
	 */
	private static final class Throttle {

		private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);

		private final AtomicLong suppressed = new AtomicLong();

		/** The failures not logged since the last WARN, or -1 when this one is not logged either. */
		long suppressedIfDue(long now) {
			long last = this.lastLogged.get();
			if (last != Long.MIN_VALUE && now - last < LOG_INTERVAL_NANOS) {
				this.suppressed.incrementAndGet();
				return -1;
			}
			if (!this.lastLogged.compareAndSet(last, now)) {
				this.suppressed.incrementAndGet();
				return -1;
			}
			return this.suppressed.getAndSet(0);
		}

	}

}
