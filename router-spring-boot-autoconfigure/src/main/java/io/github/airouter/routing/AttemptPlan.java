package io.github.airouter.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;

/**
 * Where one call may still go: the group it is on, the deployments of that group it must not
 * try again, how many attempts that group has left, and which group comes next when it is
 * exhausted or failing. Groups are visited once each, at most
 * {@link RouterPolicy#maxFallbacks()} hops from the group asked for: its fallbacks (or the
 * default fallbacks), breadth-first over every group visited, or its context-window fallbacks
 * after a prompt was too long, or its content-policy fallbacks after a content filter refused
 * the prompt. Decisions only: admitting and calling are the router's.
 * <p>
 * Not thread-safe: one call's attempts run one after another.
 *
 * @author airouter
 */
final class AttemptPlan {

	/**
	 * What a failed attempt leads to.
	 */
	enum Outcome {

		/** Try another deployment of the same group, if it has attempts left. */
		RETRY,

		/** Leave the group for a fallback. */
		FALL_BACK,

		/** Stop: the failure reaches the caller unchanged. */
		SURFACE

	}

	private final ModelGroup origin;

	private final TokenEstimate estimate;

	private final Map<String, ModelGroup> groups;

	private final RouterPolicy policy;

	private final Set<String> visited = new LinkedHashSet<>();

	private final Set<String> excluded = new HashSet<>();

	private final AtomicBoolean completed = new AtomicBoolean();

	private ModelGroup group;

	private int attemptsInGroup;

	private boolean groupDone;

	private boolean contextWindowExceeded;

	private boolean contentFiltered;

	private @Nullable RuntimeException groupFailure;

	private int attempts;

	private int hops;

	/** The provider failures of the call's attempts, in order. */
	private final List<RuntimeException> failures = new ArrayList<>();

	private @Nullable String lastFailure;

	private boolean onlyMisconfigured = true;

	/** A refusal that is the caller's to hear as it is: a content filter's, a prompt too long. */
	private @Nullable RuntimeException terminal;

	private @Nullable NoDeploymentAvailableException rejected;

	AttemptPlan(ModelGroup origin, TokenEstimate estimate, Map<String, ModelGroup> groups, RouterPolicy policy) {
		this.origin = origin;
		this.estimate = estimate;
		this.groups = groups;
		this.policy = policy;
		this.group = origin;
		this.visited.add(origin.name());
	}

	ModelGroup origin() {
		return this.origin;
	}

	/** The group the next attempt goes to. */
	ModelGroup group() {
		return this.group;
	}

	/** The tokens to reserve for each attempt. */
	long tokens() {
		return this.estimate.total();
	}

	/** What the call is expected to use, its prompt apart. */
	TokenEstimate estimate() {
		return this.estimate;
	}

	/** Ids of the group's deployments that failed this call. */
	Set<String> excluded() {
		return this.excluded;
	}

	/** Whether the current group may take another attempt. */
	boolean mayAttempt() {
		return !this.groupDone;
	}

	/** An attempt was admitted on the current group. */
	void attempted() {
		this.attemptsInGroup++;
		this.attempts++;
	}

	/** Attempts over every group visited so far. */
	int attempts() {
		return this.attempts;
	}

	/**
	 * The current group could not take an attempt; it is done.
	 * @param exception what the caller would learn if nothing else could serve
	 */
	void rejected(NoDeploymentAvailableException exception) {
		if (this.rejected == null) {
			this.rejected = exception;
		}
		this.groupDone = true;
	}

	/** Every deployment of the current group failed this call: the group is done. */
	void exhausted() {
		this.groupDone = true;
	}

	/**
	 * No deployment of the current group has a context window that holds the call's prompt:
	 * it goes to the group's context-window fallbacks, as if a provider had said so, without
	 * a call.
	 * @param exception what the caller learns if nothing else can serve
	 */
	void promptTooLong(NoDeploymentAvailableException exception) {
		rejected(exception);
		this.contextWindowExceeded = true;
	}

	/**
	 * An attempt before its first result failed. It is retried on another deployment of the
	 * group while the group has been retried fewer times than the policy allows after a
	 * failure of its kind ({@link RouterPolicy#retriesAfter}); then the group is left for its
	 * fallbacks: context-window fallbacks after a prompt too long, content-policy fallbacks
	 * after a content filter's refusal, else the ordinary ones.
	 * @param deployment where
	 * @param failure what it means
	 * @param cause the provider's exception
	 * @return what happens next
	 */
	Outcome failed(Deployment deployment, Failure failure, RuntimeException cause) {
		Failure.Kind kind = failure.kind();
		if (kind == Failure.Kind.CANCELLED || kind == Failure.Kind.NOT_RETRYABLE) {
			return Outcome.SURFACE;
		}
		this.failures.add(cause);
		this.lastFailure = kind.tag() + ((failure.status() > 0) ? " " + failure.status() : "") + " from "
				+ deployment.id();
		this.onlyMisconfigured &= (kind == Failure.Kind.MISCONFIGURED);
		this.groupFailure = cause;
		this.terminal = (kind == Failure.Kind.CONTENT_FILTERED)
				? new ContentFilteredException(this.group.name(), failure.details(), cause)
				: (kind == Failure.Kind.CONTEXT_WINDOW_EXCEEDED) ? cause : null;
		if (kind == Failure.Kind.CONTEXT_WINDOW_EXCEEDED) {
			this.contextWindowExceeded = true;
			this.groupDone = true;
			return Outcome.FALL_BACK;
		}
		if (this.attemptsInGroup - 1 < this.policy.retriesAfter(kind)) {
			this.excluded.add(deployment.id());
			return Outcome.RETRY;
		}
		this.contentFiltered = (kind == Failure.Kind.CONTENT_FILTERED);
		this.groupDone = true;
		return Outcome.FALL_BACK;
	}

	/**
	 * Why the current group is being left: the provider failure of its attempts, or
	 * {@code null} when it simply had no capacity.
	 */
	@Nullable Throwable groupFailure() {
		return this.groupFailure;
	}

	/**
	 * Move on to the next group, if the policy allows one.
	 * @return the group, or {@code null} when the call has nowhere left to go
	 */
	@Nullable ModelGroup fallBack() {
		if (this.hops >= this.policy.maxFallbacks()) {
			return null;
		}
		List<String> candidates = new ArrayList<>();
		if (this.contextWindowExceeded) {
			candidates.addAll(this.policy.contextWindowFallbacks().getOrDefault(this.group.name(), List.of()));
		}
		else if (this.contentFiltered) {
			candidates.addAll(this.policy.contentPolicyFallbacks().getOrDefault(this.group.name(), List.of()));
		}
		else {
			// breadth-first over the fallbacks of every group visited, in visit order
			for (String visitedName : this.visited) {
				candidates.addAll(fallbacksOf(visitedName));
			}
		}
		for (String name : candidates) {
			ModelGroup candidate = this.groups.get(name);
			if (candidate != null && candidate.mode() == this.origin.mode() && this.visited.add(name)) {
				this.hops++;
				this.group = candidate;
				this.excluded.clear();
				this.attemptsInGroup = 0;
				this.groupDone = false;
				this.contextWindowExceeded = false;
				this.contentFiltered = false;
				this.groupFailure = null;
				this.terminal = null;
				return candidate;
			}
		}
		return null;
	}

	private List<String> fallbacksOf(String name) {
		List<String> own = this.policy.fallbacks().get(name);
		return (own != null) ? own : this.policy.defaultFallbacks();
	}

	/**
	 * What the caller learns when the call ends without an answer. A refusal that is the
	 * caller's to hear reaches it as it is: a content filter's
	 * ({@link ContentFilteredException}), a prompt too long for every window the call could
	 * go to (the provider's own exception). Otherwise a {@link NoDeploymentAvailableException}:
	 * when attempts failed, it says how many and the last, carries the last failure as its
	 * cause and the earlier ones as suppressed, and the time until a deployment that was full
	 * or cooling frees up; when none could even be tried, why the first group refused.
	 */
	RuntimeException failure() {
		if (this.terminal != null) {
			return this.terminal;
		}
		if (this.failures.isEmpty()) {
			return (this.rejected != null) ? this.rejected
					: new NoDeploymentAvailableException(this.origin.name(), null, "no deployment could serve it");
		}
		int count = this.failures.size();
		String reason = ((count == 1) ? "its attempt failed" : "all " + count + " attempts failed") + " (the last: "
				+ this.lastFailure + ")"
				+ ((this.rejected != null) ? "; and " + lowerFirst(this.rejected.getReason()) : "");
		boolean misconfigured = this.onlyMisconfigured
				&& (this.rejected == null || this.rejected.isEveryDeploymentMisconfigured());
		NoDeploymentAvailableException exception = new NoDeploymentAvailableException(this.origin.name(),
				(this.rejected != null) ? this.rejected.getRetryAfter().orElse(null) : null, reason, misconfigured);
		exception.initCause(this.failures.get(count - 1));
		for (int i = 0; i < count - 1; i++) {
			exception.addSuppressed(this.failures.get(i));
		}
		return exception;
	}

	private static String lowerFirst(String text) {
		return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
	}

	/**
	 * Mark the call completed.
	 * @return {@code true} the first time only
	 */
	boolean complete() {
		return this.completed.compareAndSet(false, true);
	}

}
