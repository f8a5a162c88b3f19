package io.github.airouter.provider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The access token of one credential and scope, kept for every request that needs it and
 * refreshed before it expires: a token is used until half its lifetime is left, at most five
 * minutes before it expires (or until the credential's own refresh time, when earlier), so no
 * request goes out with a token about to expire. Only a caller that finds the token stale asks
 * the credential, and one at a time: callers arriving meanwhile wait for that one answer
 * instead of each asking.
 * <p>
 * When a refresh fails while the cached token is still valid, that token keeps being used and
 * the refresh is tried again a little later; when no valid token is left, the caller gets an
 * {@link AccessTokenUnavailableException}. Tokens are never logged, at any level, nor put in
 * an exception or a {@code toString()}.
 *
 * @author airouter
 */
public final class CachedAccessToken implements Supplier<String> {

	private static final Log logger = LogFactory.getLog(CachedAccessToken.class);

	/** The most a token is refreshed ahead of its expiry. */
	static final Duration MOST_REFRESH_AHEAD = Duration.ofMinutes(5);

	/** How long a failed refresh waits before the next try while the cached token is valid. */
	static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(10);

	private final String credential;

	private final Source source;

	private final Clock clock;

	private final ReentrantLock refreshing = new ReentrantLock();

	private volatile @Nullable Cached cached;

	/**
	 * Create a cache on the system clock.
	 * @param credential what the tokens come from, for log lines and messages (never a
	 * secret), e.g. {@code the default Azure credential (scope ...)}
	 * @param source asks the credential for a token
	 */
	public CachedAccessToken(String credential, Source source) {
		this(credential, source, Clock.systemUTC());
	}

	/**
	 * Create a cache.
	 * @param credential what the tokens come from, for log lines and messages
	 * @param source asks the credential for a token
	 * @param clock the clock expiry times are compared with
	 */
	public CachedAccessToken(String credential, Source source, Clock clock) {
		this.credential = credential;
		this.source = source;
		this.clock = clock;
	}

	/**
	 * The token to send now: the cached one while it is fresh, else a new one.
	 * @return the token
	 * @throws AccessTokenUnavailableException when the credential fails and no cached token is
	 * still valid
	 */
	@Override
	public String get() {
		Cached current = this.cached;
		if (current != null && this.clock.instant().isBefore(current.refreshAt())) {
			return current.value();
		}
		this.refreshing.lock();
		try {
			current = this.cached;
			Instant now = this.clock.instant();
			if (current != null && now.isBefore(current.refreshAt())) {
				return current.value(); // refreshed by the caller we waited for
			}
			return refresh(current, now);
		}
		finally {
			this.refreshing.unlock();
		}
	}

	private String refresh(@Nullable Cached current, Instant now) {
		Token token;
		try {
			token = this.source.fetch();
		}
		catch (RuntimeException ex) {
			if (current != null && now.isBefore(current.expiresAt())) {
				Instant retryAt = earlier(now.plus(RETRY_AFTER_FAILURE),
						now.plus(Duration.between(now, current.expiresAt()).dividedBy(2)));
				this.cached = new Cached(current.value(), current.expiresAt(), retryAt);
				if (logger.isWarnEnabled()) {
					logger.warn("Could not refresh the access token of " + this.credential + " (" + describe(ex)
							+ "); the cached one stays in use until it expires at " + current.expiresAt());
				}
				return current.value();
			}
			throw new AccessTokenUnavailableException("No access token from " + this.credential + ": " + describe(ex),
					ex);
		}
		Instant refreshAt = refreshAt(token, now);
		this.cached = new Cached(token.value(), token.expiresAt(), refreshAt);
		if (logger.isDebugEnabled()) {
			logger.debug("Got an access token from " + this.credential + ", valid until " + token.expiresAt()
					+ ", to be refreshed from " + refreshAt);
		}
		return token.value();
	}

	/**
	 * When a token fetched at {@code now} stops being used: half its lifetime ahead of its
	 * expiry, at most {@link #MOST_REFRESH_AHEAD}, or the credential's own refresh time when
	 * that is earlier (but still ahead).
	 */
	static Instant refreshAt(Token token, Instant now) {
		Duration lifetime = Duration.between(now, token.expiresAt());
		if (lifetime.isNegative() || lifetime.isZero()) {
			return now;
		}
		Duration ahead = lifetime.dividedBy(2);
		if (ahead.compareTo(MOST_REFRESH_AHEAD) > 0) {
			ahead = MOST_REFRESH_AHEAD;
		}
		Instant refreshAt = token.expiresAt().minus(ahead);
		Instant asked = token.refreshAt();
		return (asked != null && asked.isAfter(now)) ? earlier(asked, refreshAt) : refreshAt;
	}

	private static Instant earlier(Instant a, Instant b) {
		return a.isBefore(b) ? a : b;
	}

	/** A failure in one line: its type and message (a credential's messages carry no token). */
	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		return ex.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

	@Override
	public String toString() {
		return "CachedAccessToken[" + this.credential + "]";
	}

	/**
	 * Asks a credential for a token.
	 */
	@FunctionalInterface
	public interface Source {

		/**
		 * Ask for a new token.
		 * @return the token
		 * @throws RuntimeException when the credential cannot give one
		 */
		Token fetch();

	}

	/**
	 * A token a credential gave.
	 *
	 * @param value the token
	 * @param expiresAt when it expires
	 * @param refreshAt when the credential suggests refreshing it, or {@code null}
	 */
	public record Token(String value, Instant expiresAt, @Nullable Instant refreshAt) {

		public Token {
			Assert.hasText(value, "A credential gave an empty access token");
			Assert.notNull(expiresAt, "expiresAt must not be null");
		}

		@Override
		public String toString() {
			return "Token[(redacted), expiresAt=" + this.expiresAt + "]";
		}

	}

	private record Cached(String value, Instant expiresAt, Instant refreshAt) {

		@Override
		public String toString() {
			return "Cached[(redacted), expiresAt=" + this.expiresAt + "]";
		}

	}

}
