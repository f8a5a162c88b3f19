package io.github.airouter.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.UsageStore;

/**
 * Spreads calls over the deployments of each model group. For every call it asks the
 * {@link UsageStore} to choose a deployment that is under its limits and reserve the call's
 * estimated cost in one atomic step, runs the call on that deployment, then settles the
 * reservation: reconciled with the tokens the provider reported, or released if the call
 * failed. Every reservation is settled exactly once.
 * <p>
 * The router knows nothing of Spring AI's types: the chat and embedding adapters hand it a
 * function "call this deployment" and a function that reads the tokens a result reports.
 *
 * @author airouter
 */
public final class Router {

	private static final Log logger = LogFactory.getLog(Router.class);

	private final Map<String, ModelGroup> groups;

	private final UsageStore usageStore;

	/**
	 * Create a router.
	 * @param deployments the deployments, grouped by model name in the order given
	 * @param strategy how to choose within a group
	 * @param usageStore where usage is counted and calls admitted
	 */
	public Router(List<Deployment> deployments, RoutingStrategy strategy, UsageStore usageStore) {
		Map<String, List<Deployment>> byName = new LinkedHashMap<>();
		for (Deployment deployment : deployments) {
			byName.computeIfAbsent(deployment.modelName(), (name) -> new ArrayList<>()).add(deployment);
		}
		Map<String, ModelGroup> groups = new LinkedHashMap<>();
		byName.forEach((name, members) -> groups.put(name, new ModelGroup(name, strategy, members)));
		this.groups = Collections.unmodifiableMap(groups);
		this.usageStore = usageStore;
	}

	/**
	 * The model groups, in configuration order.
	 * @return the groups
	 */
	public Collection<ModelGroup> groups() {
		return this.groups.values();
	}

	/**
	 * The store that counts usage.
	 * @return the usage store
	 */
	public UsageStore usageStore() {
		return this.usageStore;
	}

	/**
	 * The names of the groups of one mode.
	 * @param mode chat or embedding
	 * @return the names, in configuration order
	 */
	public List<String> modelNames(ModelMode mode) {
		return this.groups.values().stream().filter((g) -> g.mode() == mode).map(ModelGroup::name).toList();
	}

	/**
	 * The group serving {@code modelName} in {@code mode}, if any.
	 * @param modelName the public model name
	 * @param mode the kind of call
	 * @return the group, or empty
	 */
	public Optional<ModelGroup> findGroup(String modelName, ModelMode mode) {
		ModelGroup group = this.groups.get(modelName);
		return (group != null && group.mode() == mode) ? Optional.of(group) : Optional.empty();
	}

	/**
	 * The group serving {@code modelName} in {@code mode}.
	 * @param modelName the public model name
	 * @param mode the kind of call
	 * @return the group
	 * @throws UnknownModelException if no group of that mode has that name
	 */
	public ModelGroup group(String modelName, ModelMode mode) {
		ModelGroup group = this.groups.get(modelName);
		if (group != null && group.mode() == mode) {
			return group;
		}
		String kind = mode.name().toLowerCase(Locale.ROOT);
		String detail = (group != null)
				? "for " + kind + ": it is an " + group.mode().name().toLowerCase(Locale.ROOT) + " model"
				: "for " + kind;
		throw new UnknownModelException(modelName, detail, modelNames(mode));
	}

	/**
	 * Run one call on a deployment of the group.
	 * @param <T> the result type
	 * @param group the model group
	 * @param estimatedTokens the tokens to reserve before the call
	 * @param call the call, given the deployment chosen
	 * @param reportedTokens the tokens a result reports, or a negative number when it
	 * reports none (the estimate then stands)
	 * @return the call's result
	 * @throws NoDeploymentAvailableException if no deployment can take the call now
	 */
	public <T> T call(ModelGroup group, long estimatedTokens, Function<Deployment, T> call,
			ToLongFunction<T> reportedTokens) {
		Reservation reservation = admit(group, estimatedTokens);
		T result;
		try {
			result = call.apply(reservation.deployment());
		}
		catch (RuntimeException | Error ex) {
			this.usageStore.release(reservation);
			throw ex;
		}
		settle(reservation, tokensOf(result, reportedTokens));
		return result;
	}

	/**
	 * Stream one call from a deployment of the group. The deployment is chosen when the
	 * stream is subscribed to; the reservation is reconciled with the last token count the
	 * stream reported when it ends (the estimate stands if it reported none, or was
	 * cancelled), and released if it fails before any element.
	 * @param <T> the element type
	 * @param group the model group
	 * @param estimatedTokens the tokens to reserve before the call
	 * @param call the call, given the deployment chosen
	 * @param reportedTokens the tokens an element reports, or a negative number when it
	 * reports none
	 * @return the stream, failing with {@link NoDeploymentAvailableException} if no
	 * deployment can take the call
	 */
	public <T> Flux<T> stream(ModelGroup group, long estimatedTokens, Function<Deployment, Flux<T>> call,
			ToLongFunction<T> reportedTokens) {
		return Flux.defer(() -> {
			Reservation reservation = admit(group, estimatedTokens);
			AtomicLong reported = new AtomicLong(-1);
			AtomicLong elements = new AtomicLong();
			// Settle before the terminal signal travels on, so a caller that has seen the
			// stream end also sees its usage counted.
			return Flux.defer(() -> call.apply(reservation.deployment())).doOnNext((element) -> {
				elements.incrementAndGet();
				long tokens = tokensOf(element, reportedTokens);
				if (tokens >= 0) {
					reported.set(tokens);
				}
			})
				.doOnComplete(() -> settle(reservation, reported.get()))
				.doOnCancel(() -> settle(reservation, reported.get()))
				.doOnError((ex) -> {
					if (elements.get() == 0) {
						this.usageStore.release(reservation);
					}
					else {
						settle(reservation, reported.get());
					}
				});
		});
	}

	private Reservation admit(ModelGroup group, long estimatedTokens) {
		Admission admission = this.usageStore.admit(group, Math.max(0, estimatedTokens), Set.of());
		if (!admission.isAdmitted()) {
			throw new NoDeploymentAvailableException(group.name(), admission.retryAfter().orElse(null),
					admission.reason());
		}
		Reservation reservation = admission.reservation();
		if (logger.isDebugEnabled()) {
			logger.debug("Routed a call of model '" + group.name() + "' (" + estimatedTokens + " tokens estimated) to "
					+ reservation.deployment().id());
		}
		return reservation;
	}

	private void settle(Reservation reservation, long reportedTokens) {
		this.usageStore.reconcile(reservation, (reportedTokens >= 0) ? reportedTokens : reservation.tokens());
	}

	private static <T> long tokensOf(T result, ToLongFunction<T> reportedTokens) {
		try {
			return reportedTokens.applyAsLong(result);
		}
		catch (RuntimeException ex) {
			// A result we cannot read usage from keeps its estimate: never lose the call.
			logger.debug("Could not read the usage of a result; keeping the estimate", ex);
			return -1;
		}
	}

	/**
	 * A one-line description of every group and deployment, without secrets.
	 * @return the description
	 */
	public String describe() {
		StringBuilder description = new StringBuilder();
		for (ModelGroup group : this.groups.values()) {
			if (description.length() > 0) {
				description.append("; ");
			}
			description.append(group);
		}
		return description.toString();
	}

}
