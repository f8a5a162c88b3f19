package io.github.airouter.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Reservation;
import io.github.airouter.usage.UsageStore;

/**
 * Spreads calls over the deployments of each model group, and keeps a failing deployment
 * from costing the caller anything while another can serve.
 * <p>
 * For every attempt the router asks the {@link UsageStore} to choose a deployment that is
 * under its limits and not cooling down and to reserve the call's estimated cost, in one
 * atomic step; runs the call there; and settles the reservation: reconciled with the tokens
 * the provider reported, or released if the attempt failed (every reservation exactly once).
 * <p>
 * A failed attempt is classified by the {@link FailureClassifier}: a 429 cools the
 * deployment down for the provider's Retry-After (else {@link RouterPolicy#cooldownTime()});
 * 5xx, timeouts and connection errors count towards {@link RouterPolicy#allowedFails()} per
 * minute; both are retried on another deployment of the group, never on the one that just
 * failed, up to {@link RouterPolicy#numRetries()} times. A caller's error surfaces unchanged.
 * When a group is exhausted or failing, its fallbacks are tried in order (each with its own
 * retries), transitively, without revisiting a group, at most
 * {@link RouterPolicy#maxFallbacks()} hops; a prompt too long for the model's context window
 * goes to its context-window fallbacks. A stream is retried like a call until its first
 * element reaches the caller, and never after.
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

	private final RouterPolicy policy;

	private final FailureClassifier classifier;

	private final Clock clock;

	private final List<RoutingListener> listeners;

	private final Map<String, DeploymentStats> stats;

	/**
	 * Create a router with {@link RouterPolicy#none() no retries, fallbacks or cooldowns}.
	 * @param deployments the deployments, grouped by model name in the order given
	 * @param strategy how to choose within a group
	 * @param usageStore where usage is counted and calls admitted
	 */
	public Router(List<Deployment> deployments, RoutingStrategy strategy, UsageStore usageStore) {
		this(builder(deployments).strategy(strategy).usageStore(usageStore));
	}

	private Router(Builder builder) {
		Map<String, List<Deployment>> byName = new LinkedHashMap<>();
		for (Deployment deployment : builder.deployments) {
			byName.computeIfAbsent(deployment.modelName(), (name) -> new ArrayList<>()).add(deployment);
		}
		Map<String, ModelGroup> groups = new LinkedHashMap<>();
		byName.forEach((name, members) -> groups.put(name, new ModelGroup(name, builder.strategy, members)));
		this.groups = Collections.unmodifiableMap(groups);
		this.usageStore = builder.usageStore;
		this.policy = builder.policy;
		this.classifier = builder.classifier;
		this.clock = builder.clock;
		this.listeners = List.copyOf(builder.listeners);
		Map<String, DeploymentStats> stats = new LinkedHashMap<>();
		for (Deployment deployment : builder.deployments) {
			stats.put(deployment.id(), new DeploymentStats(this.policy.allowedFails()));
		}
		this.stats = Collections.unmodifiableMap(stats);
		validateFallbacks();
	}

	/**
	 * Start building a router.
	 * @param deployments the deployments
	 * @return a builder
	 */
	public static Builder builder(List<Deployment> deployments) {
		return new Builder(deployments);
	}

	private void validateFallbacks() {
		List<Map.Entry<String, List<String>>> entries = new ArrayList<>();
		entries.addAll(this.policy.fallbacks().entrySet());
		entries.addAll(this.policy.contextWindowFallbacks().entrySet());
		entries.add(Map.entry("*", this.policy.defaultFallbacks()));
		for (Map.Entry<String, List<String>> entry : entries) {
			if (!entry.getKey().equals("*") && !this.groups.containsKey(entry.getKey())) {
				throw new IllegalArgumentException("Fallbacks are configured for unknown model '" + entry.getKey()
						+ "'; known: " + this.groups.keySet());
			}
			for (String target : entry.getValue()) {
				if (!this.groups.containsKey(target)) {
					throw new IllegalArgumentException("Fallback model '" + target + "' is unknown; known: "
							+ this.groups.keySet());
				}
			}
		}
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
	 * How the router retries and falls back.
	 * @return the policy
	 */
	public RouterPolicy policy() {
		return this.policy;
	}

	/**
	 * What this instance has seen of a deployment.
	 * @param deployment the deployment
	 * @return its statistics
	 */
	public DeploymentStats stats(Deployment deployment) {
		DeploymentStats found = this.stats.get(deployment.id());
		if (found == null) {
			throw new IllegalArgumentException("Unknown deployment " + deployment.id());
		}
		return found;
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
				? "for " + kind + ": it is " + article(group.mode()) + " model"
				: "for " + kind;
		throw new UnknownModelException(modelName, detail, modelNames(mode));
	}

	private static String article(ModelMode mode) {
		return (mode == ModelMode.EMBEDDING) ? "an embedding" : "a chat";
	}

	/**
	 * Run one call on a deployment of the group, retrying on others and falling back to
	 * other groups as the policy says.
	 * @param <T> the result type
	 * @param group the model group
	 * @param estimatedTokens the tokens to reserve before each attempt
	 * @param call the call, given the deployment chosen
	 * @param reportedTokens the tokens a result reports, or a negative number when it
	 * reports none (the estimate then stands)
	 * @return the call's result
	 * @throws NoDeploymentAvailableException if no deployment can take the call now
	 * @throws RuntimeException the provider's exception when the call failed everywhere, or
	 * when it is the caller's error
	 */
	public <T> T call(ModelGroup group, long estimatedTokens, Function<Deployment, T> call,
			ToLongFunction<T> reportedTokens) {
		Plan plan = new Plan(group);
		ModelGroup current = group;
		while (true) {
			try {
				T result = callGroup(current, estimatedTokens, call, reportedTokens, plan);
				completed(plan);
				return result;
			}
			catch (GroupFailed ex) {
				ModelGroup next = plan.next(current, ex);
				if (next == null) {
					completed(plan);
					throw plan.failure();
				}
				fallingBack(current, next, ex);
				current = next;
			}
			catch (RuntimeException | Error ex) {
				completed(plan);
				throw ex;
			}
		}
	}

	private <T> T callGroup(ModelGroup group, long tokens, Function<Deployment, T> call,
			ToLongFunction<T> reportedTokens, Plan plan) {
		Set<String> excluded = new HashSet<>();
		RuntimeException groupFailure = null;
		for (int attempt = 0; attempt <= this.policy.numRetries(); attempt++) {
			Reservation reservation = admit(group, tokens, excluded, plan, groupFailure);
			Deployment deployment = reservation.deployment();
			DeploymentStats stats = stats(deployment);
			plan.attempts++;
			stats.started();
			long started = System.nanoTime();
			T result;
			try {
				result = call.apply(deployment);
			}
			catch (RuntimeException ex) {
				stats.ended();
				this.usageStore.release(reservation);
				RuntimeException cause = unwrap(ex);
				Failure failure = failed(deployment, cause);
				if (failure.kind() == Failure.Kind.CONTEXT_WINDOW_EXCEEDED) {
					plan.providerFailure = cause;
					throw new GroupFailed(cause, true);
				}
				if (!failure.isRetryable()) {
					throw cause;
				}
				plan.providerFailure = cause;
				groupFailure = cause;
				excluded.add(deployment.id());
				continue;
			}
			catch (Error ex) {
				stats.ended();
				this.usageStore.release(reservation);
				throw ex;
			}
			stats.ended();
			long latency = System.nanoTime() - started;
			stats.latency(latency);
			TokenUsage usage = usageOf(result, reportedTokens);
			settle(reservation, (usage != null) ? usage.total() : -1);
			succeeded(deployment, latency, usage);
			return result;
		}
		throw new GroupFailed(groupFailure, false);
	}

	/**
	 * Stream one call from a deployment of the group. The deployment is chosen when the
	 * stream is subscribed to. Until the first element reaches the caller, a failure is
	 * retried and falls back like a call (with the deployment's stream timeout as the limit
	 * for the first element); after it, the failure reaches the caller and nothing is
	 * replayed. The reservation is reconciled with the last token count the stream reported
	 * (the estimate stands if it reported none or was cancelled), and released if an attempt
	 * fails before its first element.
	 * @param <T> the element type
	 * @param group the model group
	 * @param estimatedTokens the tokens to reserve before each attempt
	 * @param call the call, given the deployment chosen
	 * @param reportedTokens the tokens an element reports, or a negative number when it
	 * reports none
	 * @return the stream, failing with {@link NoDeploymentAvailableException} if no
	 * deployment can take the call
	 */
	public <T> Flux<T> stream(ModelGroup group, long estimatedTokens, Function<Deployment, Flux<T>> call,
			ToLongFunction<T> reportedTokens) {
		return Flux.defer(() -> {
			Plan plan = new Plan(group);
			return streamGroup(group, estimatedTokens, call, reportedTokens, plan)
				.doOnTerminate(() -> completed(plan))
				.doOnCancel(() -> completed(plan));
		});
	}

	private <T> Flux<T> streamGroup(ModelGroup group, long tokens, Function<Deployment, Flux<T>> call,
			ToLongFunction<T> reportedTokens, Plan plan) {
		return streamAttempt(group, tokens, call, reportedTokens, plan, new HashSet<>(), 0, null)
			.onErrorResume(GroupFailed.class, (ex) -> {
				ModelGroup next = plan.next(group, ex);
				if (next == null) {
					return Flux.error(plan.failure());
				}
				fallingBack(group, next, ex);
				return streamGroup(next, tokens, call, reportedTokens, plan);
			});
	}

	private <T> Flux<T> streamAttempt(ModelGroup group, long tokens, Function<Deployment, Flux<T>> call,
			ToLongFunction<T> reportedTokens, Plan plan, Set<String> excluded, int attempt,
			@Nullable RuntimeException groupFailure) {
		return Flux.defer(() -> {
			if (attempt > this.policy.numRetries()) {
				return Flux.error(new GroupFailed(groupFailure, false));
			}
			Reservation reservation;
			try {
				reservation = admit(group, tokens, excluded, plan, groupFailure);
			}
			catch (GroupFailed ex) {
				return Flux.error(ex);
			}
			Deployment deployment = reservation.deployment();
			DeploymentStats stats = stats(deployment);
			plan.attempts++;
			stats.started();
			AtomicReference<@Nullable TokenUsage> reported = new AtomicReference<>();
			AtomicLong elements = new AtomicLong();
			AtomicInteger ended = new AtomicInteger();
			long started = System.nanoTime();
			Runnable end = () -> {
				if (ended.getAndIncrement() == 0) {
					stats.ended();
				}
			};
			Flux<T> source = Flux.defer(() -> call.apply(deployment))
				.timeout(Mono.delay(deployment.streamTimeout()), (element) -> Mono.never());
			// settle before the terminal signal travels on, so a caller that has seen the
			// stream end also sees its usage counted
			return source.doOnNext((element) -> {
				if (elements.getAndIncrement() == 0) {
					long latency = System.nanoTime() - started;
					stats.latency(latency);
				}
				TokenUsage used = usageOf(element, reportedTokens);
				if (used != null) {
					reported.set(used);
				}
			}).doOnComplete(() -> {
				end.run();
				settle(reservation, total(reported.get()));
				succeeded(deployment, System.nanoTime() - started, reported.get());
			}).doOnCancel(() -> {
				end.run();
				settle(reservation, total(reported.get()));
			}).onErrorResume((ex) -> {
				end.run();
				RuntimeException cause = unwrap(ex);
				if (elements.get() > 0) {
					settle(reservation, total(reported.get()));
					failed(deployment, cause);
					return Flux.error(cause);
				}
				this.usageStore.release(reservation);
				Failure failure = failed(deployment, cause);
				if (failure.kind() == Failure.Kind.CONTEXT_WINDOW_EXCEEDED) {
					plan.providerFailure = cause;
					return Flux.error(new GroupFailed(cause, true));
				}
				if (!failure.isRetryable()) {
					return Flux.error(cause);
				}
				plan.providerFailure = cause;
				Set<String> next = new HashSet<>(excluded);
				next.add(deployment.id());
				return streamAttempt(group, tokens, call, reportedTokens, plan, next, attempt + 1, cause);
			});
		});
	}

	/**
	 * Admit an attempt, or end the group: with {@code groupFailure}, the provider failure
	 * that made earlier attempts of this group fail, or none when the group simply had no
	 * capacity.
	 */
	private Reservation admit(ModelGroup group, long estimatedTokens, Set<String> excluded, Plan plan,
			@Nullable RuntimeException groupFailure) {
		long started = System.nanoTime();
		Admission admission = this.usageStore.admit(group, Math.max(0, estimatedTokens), excluded, scores(group));
		long decision = System.nanoTime() - started;
		if (!admission.isAdmitted()) {
			NoDeploymentAvailableException rejected = new NoDeploymentAvailableException(group.name(),
					admission.retryAfter().orElse(null), admission.reason());
			for (RoutingListener listener : this.listeners) {
				listener.onRejected(group, rejected);
			}
			if (plan.rejected == null) {
				plan.rejected = rejected;
			}
			throw new GroupFailed(groupFailure, false);
		}
		Reservation reservation = admission.reservation();
		if (logger.isDebugEnabled()) {
			logger.debug("Routed a call of model '" + group.name() + "' (" + estimatedTokens + " tokens estimated) to "
					+ reservation.deployment().id());
		}
		for (RoutingListener listener : this.listeners) {
			listener.onAdmitted(reservation.deployment(), decision);
		}
		return reservation;
	}

	private double @Nullable [] scores(ModelGroup group) {
		RoutingStrategy strategy = group.strategy();
		if (!strategy.usesScores()) {
			return null;
		}
		List<Deployment> deployments = group.deployments();
		double[] scores = new double[deployments.size()];
		for (int i = 0; i < scores.length; i++) {
			DeploymentStats stats = stats(deployments.get(i));
			scores[i] = (strategy == RoutingStrategy.LEAST_BUSY) ? stats.inFlight() : Math.max(0, stats.latencyNanos());
		}
		return scores;
	}

	private Failure failed(Deployment deployment, Throwable cause) {
		Failure failure;
		try {
			failure = this.classifier.classify(cause);
		}
		catch (RuntimeException ex) {
			failure = Failure.of(Failure.Kind.NOT_RETRYABLE);
		}
		DeploymentStats stats = stats(deployment);
		for (RoutingListener listener : this.listeners) {
			listener.onFailure(deployment, failure, cause);
		}
		String description = failure.kind().tag() + ": " + cause.getClass().getSimpleName();
		if (failure.kind() == Failure.Kind.RATE_LIMITED) {
			Duration retryAfter = failure.retryAfter();
			boolean asked = retryAfter != null && !retryAfter.isNegative() && !retryAfter.isZero();
			stats.noted(description);
			coolDown(deployment, asked ? retryAfter : this.policy.cooldownTime(), failure.kind(),
					asked ? "a 429 with Retry-After" : "a 429");
		}
		else if (failure.isRetryable() && stats.failed(this.clock.millis(), description)) {
			stats.forgetFailures();
			coolDown(deployment, this.policy.cooldownTime(), failure.kind(),
					this.policy.allowedFails() + " failures within a minute, the last: " + failure.kind().tag());
		}
		return failure;
	}

	private void coolDown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
		if (duration.isZero() || duration.isNegative()) {
			return;
		}
		this.usageStore.coolDown(deployment, duration);
		logger.warn("Deployment " + deployment.id() + " of model '" + deployment.modelName() + "' cools down for "
				+ duration.toMillis() + " ms after " + reason);
		for (RoutingListener listener : this.listeners) {
			listener.onCooldown(deployment, duration, cause, reason);
		}
	}

	private void fallingBack(ModelGroup from, ModelGroup to, GroupFailed ex) {
		logger.debug("Model '" + from.name() + "' could not serve a call; falling back to '" + to.name() + "'");
		for (RoutingListener listener : this.listeners) {
			listener.onFallback(from, to, ex.cause);
		}
	}

	private void succeeded(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
		for (RoutingListener listener : this.listeners) {
			listener.onSuccess(deployment, latencyNanos, usage);
		}
	}

	private static long total(@Nullable TokenUsage usage) {
		return (usage != null) ? usage.total() : -1;
	}

	private void completed(Plan plan) {
		if (plan.completed) {
			return;
		}
		plan.completed = true;
		for (RoutingListener listener : this.listeners) {
			listener.onCallCompleted(plan.origin, plan.attempts);
		}
	}

	private void settle(Reservation reservation, long reportedTokens) {
		this.usageStore.reconcile(reservation, (reportedTokens >= 0) ? reportedTokens : reservation.tokens());
	}

	/**
	 * The usage a result reports: split when the reader is a {@link TokenUsageReader}, else
	 * the total only.
	 */
	private static <T> @Nullable TokenUsage usageOf(T result, ToLongFunction<T> reportedTokens) {
		try {
			if (reportedTokens instanceof TokenUsageReader<T> reader) {
				return reader.usage(result);
			}
			long total = reportedTokens.applyAsLong(result);
			return (total >= 0) ? TokenUsage.ofTotal(total) : null;
		}
		catch (RuntimeException ex) {
			// A result we cannot read usage from keeps its estimate: never lose the call.
			logger.debug("Could not read the usage of a result; keeping the estimate", ex);
			return null;
		}
	}

	/**
	 * The exception a provider meant: Spring AI signals stream errors wrapped in
	 * {@link CompletionException}; a stream's first-element timeout is a
	 * {@link TimeoutException}.
	 */
	private static RuntimeException unwrap(Throwable ex) {
		Throwable current = ex;
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = current.getCause();
		}
		if (current instanceof RuntimeException runtime) {
			return runtime;
		}
		if (current instanceof TimeoutException timeout) {
			return new StreamTimeoutException(timeout.getMessage(), timeout);
		}
		return new CompletionException(current);
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

	/**
	 * The groups one call may visit, in order: the group asked for, then fallbacks
	 * (transitively, each group once, at most {@code maxFallbacks} hops), or context-window
	 * fallbacks after a prompt was too long.
	 */
	private final class Plan {

		private final ModelGroup origin;

		private final Set<String> visited = new LinkedHashSet<>();

		private int hops;

		private int attempts;

		private boolean completed;

		private @Nullable RuntimeException providerFailure;

		private @Nullable NoDeploymentAvailableException rejected;

		Plan(ModelGroup origin) {
			this.origin = origin;
			this.visited.add(origin.name());
		}

		@Nullable ModelGroup next(ModelGroup current, GroupFailed failure) {
			if (this.hops >= Router.this.policy.maxFallbacks()) {
				return null;
			}
			List<String> candidates = new ArrayList<>();
			if (failure.contextWindow) {
				candidates.addAll(Router.this.policy.contextWindowFallbacks().getOrDefault(current.name(), List.of()));
			}
			else {
				// breadth-first over the fallbacks of every group visited, in visit order
				for (String visitedName : this.visited) {
					candidates.addAll(fallbacksOf(visitedName));
				}
			}
			for (String name : candidates) {
				ModelGroup candidate = Router.this.groups.get(name);
				if (candidate != null && candidate.mode() == this.origin.mode() && this.visited.add(name)) {
					this.hops++;
					return candidate;
				}
			}
			return null;
		}

		private List<String> fallbacksOf(String name) {
			List<String> own = Router.this.policy.fallbacks().get(name);
			return (own != null) ? own : Router.this.policy.defaultFallbacks();
		}

		/** What the caller learns when every group visited failed. */
		RuntimeException failure() {
			if (this.providerFailure != null) {
				return this.providerFailure;
			}
			if (this.rejected != null) {
				return this.rejected;
			}
			return new NoDeploymentAvailableException(this.origin.name(), null, "no deployment could serve it");
		}

	}

	/**
	 * A group could not serve the call; the plan decides where it goes next. Never reaches
	 * the caller.
	 */
	private static final class GroupFailed extends RuntimeException {

		private final @Nullable Throwable cause;

		private final boolean contextWindow;

		GroupFailed(@Nullable Throwable cause, boolean contextWindow) {
			super(null, null, false, false);
			this.cause = cause;
			this.contextWindow = contextWindow;
		}

	}

	/**
	 * Builds a {@link Router}.
	 */
	public static final class Builder {

		private final List<Deployment> deployments;

		private RoutingStrategy strategy = RoutingStrategy.USAGE_BASED;

		private @Nullable UsageStore usageStore;

		private RouterPolicy policy = RouterPolicy.none();

		private FailureClassifier classifier = FailureClassifier.NONE;

		private Clock clock = Clock.systemUTC();

		private final List<RoutingListener> listeners = new ArrayList<>();

		private Builder(List<Deployment> deployments) {
			this.deployments = List.copyOf(deployments);
		}

		public Builder strategy(RoutingStrategy strategy) {
			this.strategy = strategy;
			return this;
		}

		public Builder usageStore(UsageStore usageStore) {
			this.usageStore = usageStore;
			return this;
		}

		public Builder policy(RouterPolicy policy) {
			this.policy = policy;
			return this;
		}

		public Builder failureClassifier(FailureClassifier classifier) {
			this.classifier = classifier;
			return this;
		}

		/**
		 * The clock that times failures for {@link RouterPolicy#allowedFails()}.
		 * @param clock the clock
		 * @return this builder
		 */
		public Builder clock(Clock clock) {
			this.clock = clock;
			return this;
		}

		public Builder listener(RoutingListener listener) {
			this.listeners.add(listener);
			return this;
		}

		public Builder listeners(Collection<? extends RoutingListener> listeners) {
			this.listeners.addAll(listeners);
			return this;
		}

		public Router build() {
			if (this.usageStore == null) {
				throw new IllegalStateException("A usage store is required");
			}
			return new Router(this);
		}

	}

}
