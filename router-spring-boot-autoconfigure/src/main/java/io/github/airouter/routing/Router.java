package io.github.airouter.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.ToLongFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.routing.AttemptPlan.Outcome;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.UsageStore;

/**
 * Spreads calls over the deployments of each model group, and keeps a failing deployment
 * from costing the caller anything while another can serve.
 * <p>
 * A call is a sequence of {@link Attempt attempts}, planned by an {@link AttemptPlan}: for
 * each, the {@link UsageStore} chooses a deployment that is under its limits and not cooling
 * down and reserves the call's estimated cost, in one atomic step; the router runs the call
 * there; the attempt settles its reservation exactly once (reconciled with the tokens the
 * provider reported, or released if it failed). A failure is classified by the
 * {@link FailureClassifier} and may cool the deployment down ({@link FailureTracker}); a
 * retryable one is retried on another deployment of the group, never on the one that just
 * failed, up to {@link RouterPolicy#numRetries()} times; then the group's fallbacks are
 * tried, each with its own retries. A caller's error surfaces unchanged. A stream runs the
 * same attempts and differs only in how it waits for the first result: it is retried like a
 * call until its first element reaches the caller, and never after.
 * <p>
 * The router knows nothing of Spring AI's types: the chat and embedding adapters hand it a
 * function "call this deployment" and a function that reads the tokens a result reports.
 * Listeners hear every step ({@link RoutingListener}); one that throws never affects a call.
 *
 * @author airouter
 */
public final class Router {

	private static final Log logger = LogFactory.getLog(Router.class);

	private final Map<String, ModelGroup> groups;

	private final UsageStore usageStore;

	private final RouterPolicy policy;

	private final RoutingListeners listeners;

	private final FailureTracker failures;

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
		Map<String, DeploymentStats> stats = new LinkedHashMap<>();
		for (Deployment deployment : builder.deployments) {
			byName.computeIfAbsent(deployment.modelName(), (name) -> new ArrayList<>()).add(deployment);
			if (stats.put(deployment.id(), new DeploymentStats()) != null) {
				throw new IllegalArgumentException("Two deployments have the id " + deployment.id());
			}
		}
		Map<String, ModelGroup> groups = new LinkedHashMap<>();
		byName.forEach((name, members) -> groups.put(name, new ModelGroup(name, builder.strategy, members)));
		this.groups = Collections.unmodifiableMap(groups);
		this.stats = Collections.unmodifiableMap(stats);
		this.usageStore = builder.usageStore;
		this.policy = builder.policy;
		this.listeners = new RoutingListeners(builder.listeners);
		this.failures = new FailureTracker(builder.classifier, this.policy, this.usageStore, builder.clock,
				this.listeners);
		requireKnownModels();
	}

	/**
	 * Start building a router.
	 * @param deployments the deployments
	 * @return a builder
	 */
	public static Builder builder(List<Deployment> deployments) {
		return new Builder(deployments);
	}

	/** The configuration validates fallbacks for users; here only what the core relies on. */
	private void requireKnownModels() {
		List<String> named = new ArrayList<>(this.policy.defaultFallbacks());
		for (Map<String, List<String>> fallbacks : List.of(this.policy.fallbacks(),
				this.policy.contextWindowFallbacks(), this.policy.contentPolicyFallbacks())) {
			named.addAll(fallbacks.keySet());
			fallbacks.values().forEach(named::addAll);
		}
		for (String name : named) {
			if (!this.groups.containsKey(name)) {
				throw new IllegalArgumentException(
						"Fallbacks name model '" + name + "', which has no deployment; models: " + this.groups.keySet());
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
				? "for " + kind + ": it is " + ((group.mode() == ModelMode.EMBEDDING) ? "an embedding" : "a chat")
						+ " model"
				: "for " + kind;
		throw new UnknownModelException(modelName, detail, modelNames(mode));
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
		return call(group, TokenEstimate.ofTotal(estimatedTokens), call, reportedTokens);
	}

	/**
	 * Run one call on a deployment of the group, as {@link #call(ModelGroup, long, Function,
	 * ToLongFunction)} does, skipping deployments whose context window cannot hold the
	 * estimated prompt (when none can, the call goes to the group's context-window fallbacks,
	 * else fails with {@link NoDeploymentAvailableException} without calling any provider).
	 * @param <T> the result type
	 * @param group the model group
	 * @param estimate the tokens the call is expected to use, its prompt apart
	 * @param call the call, given the deployment chosen
	 * @param reportedTokens the tokens a result reports, or a negative number when it
	 * reports none (the estimate then stands)
	 * @return the call's result
	 */
	public <T> T call(ModelGroup group, TokenEstimate estimate, Function<Deployment, T> call,
			ToLongFunction<T> reportedTokens) {
		AttemptPlan plan = new AttemptPlan(group, estimate, this.groups, this.policy);
		try {
			while (true) {
				Attempt attempt = nextAttempt(plan);
				if (attempt == null) {
					throw plan.failure();
				}
				T result;
				try {
					result = call.apply(attempt.deployment());
				}
				catch (RuntimeException ex) {
					RuntimeException cause = FailureTracker.cause(ex);
					if (attempt.failed(cause, null) == Outcome.SURFACE) {
						throw cause;
					}
					continue;
				}
				catch (Error ex) {
					attempt.abandoned();
					throw ex;
				}
				attempt.succeeded(Attempt.usageOf(result, reportedTokens));
				return result;
			}
		}
		finally {
			completed(plan);
		}
	}

	/**
	 * Stream one call from a deployment of the group. The deployment is chosen when the
	 * stream is subscribed to. Until the first element reaches the caller, a failure is
	 * retried and falls back like a call (with the deployment's stream timeout as the limit
	 * for the first element); after it, the failure reaches the caller and nothing is
	 * replayed. Once begun, a stream is held to the deployment's idle timeout between
	 * elements and to its maximum duration, if any, never to the timeout of a call. The reservation is reconciled with the last token count the stream reported
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
		return stream(group, TokenEstimate.ofTotal(estimatedTokens), call, reportedTokens);
	}

	/**
	 * Stream one call, as {@link #stream(ModelGroup, long, Function, ToLongFunction)} does,
	 * skipping deployments whose context window cannot hold the estimated prompt.
	 * @param <T> the element type
	 * @param group the model group
	 * @param estimate the tokens the call is expected to use, its prompt apart
	 * @param call the call, given the deployment chosen
	 * @param reportedTokens the tokens an element reports, or a negative number when it
	 * reports none
	 * @return the stream
	 */
	public <T> Flux<T> stream(ModelGroup group, TokenEstimate estimate, Function<Deployment, Flux<T>> call,
			ToLongFunction<T> reportedTokens) {
		return Flux.defer(() -> {
			AttemptPlan plan = new AttemptPlan(group, estimate, this.groups, this.policy);
			return streamAttempts(plan, call, reportedTokens).doOnTerminate(() -> completed(plan))
				.doOnCancel(() -> completed(plan));
		});
	}

	private <T> Flux<T> streamAttempts(AttemptPlan plan, Function<Deployment, Flux<T>> call,
			ToLongFunction<T> reportedTokens) {
		return Flux.defer(() -> {
			Attempt attempt = nextAttempt(plan);
			if (attempt == null) {
				return Flux.error(plan.failure());
			}
			Deployment deployment = attempt.deployment();
			AtomicReference<@Nullable TokenUsage> reported = new AtomicReference<>();
			Flux<T> source = limited(Flux.defer(() -> call.apply(deployment)), deployment);
			// the attempt settles before the terminal signal travels on, so a caller that has
			// seen the stream end also sees its usage counted
			return source.doOnNext((element) -> {
				attempt.delivered();
				TokenUsage used = Attempt.usageOf(element, reportedTokens);
				if (used != null) {
					reported.set(used);
				}
			})
				.doOnComplete(() -> attempt.succeeded(reported.get()))
				.doOnCancel(() -> attempt.cancelled(reported.get()))
				.onErrorResume((ex) -> {
					RuntimeException cause = FailureTracker.cause(ex);
					if (attempt.failed(cause, reported.get()) == Outcome.SURFACE) {
						return Flux.error(cause);
					}
					return streamAttempts(plan, call, reportedTokens);
				});
		});
	}

	/**
	 * A stream held to the deployment's time limits: its first element within the stream
	 * timeout, each next one within the idle timeout of the one before, and all of it within
	 * the maximum duration, when those are set; no limit on a stream that keeps sending
	 * otherwise. A stream the router gives up on is cancelled off the timer's thread, since a
	 * client may block while it closes its connection.
	 */
	private static <T> Flux<T> limited(Flux<T> stream, Deployment deployment) {
		Flux<T> source = stream.cancelOn(Schedulers.boundedElastic());
		Duration first = deployment.streamTimeout();
		Duration idle = deployment.streamIdleTimeout();
		if (first != null || idle != null) {
			source = source.timeout((first != null) ? Mono.delay(first) : Mono.never(),
					(element) -> (idle != null) ? Mono.delay(idle) : Mono.never());
		}
		Duration max = deployment.streamMaxDuration();
		if (max != null) {
			AtomicBoolean expired = new AtomicBoolean();
			source = source.takeUntilOther(Mono.delay(max).doOnNext((tick) -> expired.set(true)))
				.concatWith(Mono.defer(() -> expired.get()
						? Mono.error(new StreamTimeoutException("The stream took longer than its maximum duration of "
								+ max.toMillis() + " ms", null))
						: Mono.empty()));
		}
		return source;
	}

	/**
	 * The next attempt of a call: admitted on the plan's group if it has attempts left and a
	 * deployment can take it, else on the next group the plan falls back to; {@code null}
	 * when the call has nowhere left to go.
	 */
	private @Nullable Attempt nextAttempt(AttemptPlan plan) {
		while (true) {
			if (plan.mayAttempt() && plan.excluded().size() >= plan.group().deployments().size()) {
				// every deployment of the group failed this call: nothing to ask the store
				plan.exhausted();
			}
			if (plan.mayAttempt()) {
				ModelGroup group = plan.group();
				Set<String> excluded = withoutRoomForThePrompt(group, plan);
				if (excluded == null) {
					continue;
				}
				long started = System.nanoTime();
				Admission admission = this.usageStore.admit(group, plan.tokens(), excluded, scores(group));
				long decision = System.nanoTime() - started;
				if (admission.isAdmitted()) {
					Attempt attempt = new Attempt(admission.reservation(), stats(admission.reservation().deployment()),
							plan, this.usageStore, this.failures, this.listeners);
					plan.attempted();
					if (logger.isDebugEnabled()) {
						logger.debug("Routed a call of model '" + group.name() + "' (" + plan.tokens()
								+ " tokens estimated) to " + attempt.deployment().id());
					}
					this.listeners.onAdmitted(attempt.deployment(), decision);
					return attempt;
				}
				NoDeploymentAvailableException rejected = new NoDeploymentAvailableException(group.name(),
						admission.retryAfter().orElse(null), admission.reason(),
						admission.isEveryDeploymentMisconfigured());
				plan.rejected(rejected);
				this.listeners.onRejected(group, rejected);
			}
			ModelGroup from = plan.group();
			Throwable cause = plan.groupFailure();
			ModelGroup to = plan.fallBack();
			if (to == null) {
				return null;
			}
			logger.debug("Model '" + from.name() + "' could not serve a call; falling back to '" + to.name() + "'");
			this.listeners.onFallback(from, to, cause);
		}
	}

	/**
	 * The deployments the plan excludes, and those whose context window cannot hold the
	 * call's prompt; {@code null} when that is all of them (the plan is then told, and the
	 * call goes to the context-window fallbacks without a provider being called).
	 */
	private @Nullable Set<String> withoutRoomForThePrompt(ModelGroup group, AttemptPlan plan) {
		long prompt = plan.estimate().promptTokens();
		Set<String> excluded = plan.excluded();
		if (prompt < 0) {
			return excluded;
		}
		Set<String> tooSmall = null;
		long largest = 0;
		for (Deployment deployment : group.deployments()) {
			Long window = deployment.maxInputTokens();
			if (window != null && window < prompt) {
				if (tooSmall == null) {
					tooSmall = new HashSet<>(excluded);
				}
				tooSmall.add(deployment.id());
				largest = Math.max(largest, window);
			}
		}
		if (tooSmall == null) {
			return excluded;
		}
		if (tooSmall.size() < group.deployments().size()) {
			return tooSmall;
		}
		NoDeploymentAvailableException tooLong = new NoDeploymentAvailableException(group.name(), null,
				"the prompt's estimated " + prompt + " tokens exceed the context window of every deployment (the "
						+ "largest takes " + largest + ")");
		plan.promptTooLong(tooLong);
		this.listeners.onRejected(group, tooLong);
		return null;
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

	private void completed(AttemptPlan plan) {
		if (plan.complete()) {
			this.listeners.onCallCompleted(plan.origin(), plan.attempts());
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

	/**
	 * Builds a {@link Router}.
	 */
	public static final class Builder {

		private final List<Deployment> deployments;

		private @Nullable RoutingStrategy strategy;

		private @Nullable UsageStore usageStore;

		private RouterPolicy policy = RouterPolicy.none();

		private FailureClassifier classifier = FailureClassifier.NONE;

		private Clock clock = Clock.systemUTC();

		private final List<RoutingListener> listeners = new ArrayList<>();

		private Builder(List<Deployment> deployments) {
			this.deployments = List.copyOf(deployments);
		}

		/**
		 * How to choose among the deployments of a group; required.
		 * @param strategy the strategy
		 * @return this builder
		 */
		public Builder strategy(RoutingStrategy strategy) {
			this.strategy = strategy;
			return this;
		}

		/**
		 * Where usage is counted and calls admitted; required.
		 * @param usageStore the store
		 * @return this builder
		 */
		public Builder usageStore(UsageStore usageStore) {
			this.usageStore = usageStore;
			return this;
		}

		/**
		 * How to retry, cool down and fall back; {@link RouterPolicy#none()} if not set.
		 * @param policy the policy
		 * @return this builder
		 */
		public Builder policy(RouterPolicy policy) {
			this.policy = policy;
			return this;
		}

		/**
		 * What a provider's exception means; without one, nothing is retried.
		 * @param classifier the classifier
		 * @return this builder
		 */
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

		/**
		 * Add a listener.
		 * @param listener the listener
		 * @return this builder
		 */
		public Builder listener(RoutingListener listener) {
			this.listeners.add(listener);
			return this;
		}

		/**
		 * Add listeners, in order.
		 * @param listeners the listeners
		 * @return this builder
		 */
		public Builder listeners(Collection<? extends RoutingListener> listeners) {
			this.listeners.addAll(listeners);
			return this;
		}

		/**
		 * Build the router.
		 * @return the router
		 * @throws IllegalStateException without a strategy or a usage store
		 */
		public Router build() {
			if (this.strategy == null) {
				throw new IllegalStateException("A routing strategy is required");
			}
			if (this.usageStore == null) {
				throw new IllegalStateException("A usage store is required");
			}
			return new Router(this);
		}

	}

}
