package io.github.airouter.routing;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What a failed call attempt means for routing.
 *
 * @param kind the kind of failure
 * @param retryAfter how long the provider asked to wait (for a 429), or {@code null}
 * @author airouter
 */
public record Failure(Kind kind, @Nullable Duration retryAfter) {

	/**
	 * A failure of the given kind, with no wait asked.
	 * @param kind the kind
	 * @return the failure
	 */
	public static Failure of(Kind kind) {
		return new Failure(kind, null);
	}

	/**
	 * Whether another deployment may be tried.
	 * @return whether the call is retried elsewhere
	 */
	public boolean isRetryable() {
		return this.kind.retryable;
	}

	/**
	 * Kinds of failure.
	 */
	public enum Kind {

		/** 429: the deployment cools down (for the provider's Retry-After, if any). */
		RATE_LIMITED(true),

		/** 5xx, or an answer that could not be read. */
		SERVER_ERROR(true),

		/** The attempt timed out (or the provider answered 408). */
		TIMEOUT(true),

		/** The provider could not be reached. */
		CONNECTION(true),

		/** The prompt is longer than the model's context window: context-window fallbacks apply. */
		CONTEXT_WINDOW_EXCEEDED(false),

		/** The caller's error (4xx other than 408 and 429) or a local one: surfaces unchanged. */
		NOT_RETRYABLE(false);

		private final boolean retryable;

		Kind(boolean retryable) {
			this.retryable = retryable;
		}

		/**
		 * Name for metrics and logs, e.g. {@code rate-limited}.
		 * @return the name
		 */
		public String tag() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

}
