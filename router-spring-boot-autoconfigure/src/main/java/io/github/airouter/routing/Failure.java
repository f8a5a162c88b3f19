package io.github.airouter.routing;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What a failed call attempt means for routing.
 *
 * @param kind the kind of failure
 * @param retryAfter how long the provider asked to wait (for a 429), or {@code null}
 * @param status the provider's HTTP status, or 0 when there was none (an I/O failure, say)
 * @param details what the provider said about the failure that a caller may act on, e.g. a
 * content filter's categories and severities ({@code violence -> medium}); never a secret
 * @author airouter
 */
public record Failure(Kind kind, @Nullable Duration retryAfter, int status, Map<String, String> details) {

	public Failure {
		details = Map.copyOf(details);
	}

	/**
	 * A failure with an HTTP status and no details.
	 * @param kind the kind
	 * @param retryAfter how long the provider asked to wait, or {@code null}
	 * @param status the status, or 0
	 */
	public Failure(Kind kind, @Nullable Duration retryAfter, int status) {
		this(kind, retryAfter, status, Map.of());
	}

	/**
	 * A failure with no HTTP status.
	 * @param kind the kind
	 * @param retryAfter how long the provider asked to wait, or {@code null}
	 */
	public Failure(Kind kind, @Nullable Duration retryAfter) {
		this(kind, retryAfter, 0, Map.of());
	}

	/**
	 * A failure of the given kind, with no wait asked and no status.
	 * @param kind the kind
	 * @return the failure
	 */
	public static Failure of(Kind kind) {
		return new Failure(kind, null, 0, Map.of());
	}

	/**
	 * A failure of the given kind answered with an HTTP status.
	 * @param kind the kind
	 * @param status the status
	 * @return the failure
	 */
	public static Failure of(Kind kind, int status) {
		return new Failure(kind, null, status, Map.of());
	}

	/**
	 * Whether another deployment may be tried.
	 * @return whether the call is retried elsewhere
	 */
	public boolean isRetryable() {
		return this.kind.retryable;
	}

	/**
	 * Kinds of failure, and what each means for the call and for the deployment's usage.
	 * <p>
	 * A failed attempt's request always stays counted (the provider counts it). Its tokens are
	 * given back when the provider cannot have processed it (it refused it: 429, 4xx, or was
	 * never reached), and stay counted when it may have (a timeout or a 5xx can come after the
	 * provider accepted the prompt, and a provider counts what it accepted), so that a
	 * saturated deployment is not made to look idle by its own failures.
	 */
	public enum Kind {

		/** 429: retried elsewhere; the deployment cools down (for the provider's Retry-After, if any). */
		RATE_LIMITED(true, false),

		/** 5xx, or an answer that could not be read: retried elsewhere. */
		SERVER_ERROR(true, true),

		/** The attempt timed out (or the provider answered 408): retried elsewhere. */
		TIMEOUT(true, true),

		/** The provider could not be reached: retried elsewhere. */
		CONNECTION(true, false),

		/**
		 * The deployment is misconfigured (401, 403, 404: a wrong or rotated key, a missing role
		 * assignment, a deployment that does not exist): retried elsewhere; the deployment cools
		 * down for the misconfigured cooldown.
		 */
		MISCONFIGURED(true, false),

		/**
		 * A provider's content filter refused the prompt (Azure's {@code content_filter}): the
		 * group's other deployments would refuse it too, so it is not retried there (unless
		 * the retry policy says so) and cools nothing down; content-policy fallbacks apply,
		 * else the caller gets a {@link ContentFilteredException}.
		 */
		CONTENT_FILTERED(false, false),

		/** The prompt is longer than the model's context window: context-window fallbacks apply. */
		CONTEXT_WINDOW_EXCEEDED(false, false),

		/**
		 * The caller gave up (its thread was interrupted): not the deployment's failure, never
		 * retried; surfaces to the caller with its interrupt flag kept.
		 */
		CANCELLED(false, true),

		/** The caller's error (another 4xx) or a local one: surfaces unchanged. */
		NOT_RETRYABLE(false, false);

		private final boolean retryable;

		private final boolean mayHaveBeenProcessed;

		Kind(boolean retryable, boolean mayHaveBeenProcessed) {
			this.retryable = retryable;
			this.mayHaveBeenProcessed = mayHaveBeenProcessed;
		}

		/**
		 * Whether a failure of this kind is retried on another deployment of the group (as
		 * many times as the policy allows).
		 * @return whether it is
		 */
		public boolean isRetryable() {
			return this.retryable;
		}

		/**
		 * Whether the provider may have processed (and counted) the request's tokens: then
		 * the attempt's estimate stays in the window, else it is given back.
		 * @return whether it may have
		 */
		public boolean mayHaveBeenProcessed() {
			return this.mayHaveBeenProcessed;
		}

		/**
		 * Name for metrics and logs, e.g. {@code rate-limited}.
		 * @return the name
		 */
		public String tag() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

}
