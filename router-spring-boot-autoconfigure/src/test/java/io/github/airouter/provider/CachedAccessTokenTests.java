package io.github.airouter.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.github.airouter.provider.CachedAccessToken.Token;
import io.github.airouter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * When {@link CachedAccessToken} asks its credential for a token, on an explicit clock: only
 * when the cached one is stale (half its lifetime left, at most five minutes before it
 * expires, or the credential's own refresh time), once for any number of waiting callers, and
 * never again while a failed refresh leaves a valid token.
 */
class CachedAccessTokenTests {

	private static final String CREDENTIAL = "the test credential (scope api://test/.default)";

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	private final Instant start = this.clock.instant();

	@Test
	void anHourLongTokenIsUsedUntilFiveMinutesBeforeItExpires() {
		Credential credential = new Credential(Duration.ofMinutes(60));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		assertThat(cache.get()).isEqualTo("token-1");
		at(Duration.ofMinutes(54).plusSeconds(59));
		assertThat(cache.get()).isEqualTo("token-1");
		assertThat(credential.asked.get()).isEqualTo(1);
		at(Duration.ofMinutes(55));
		assertThat(cache.get()).isEqualTo("token-2");
		assertThat(cache.get()).isEqualTo("token-2");
		assertThat(credential.asked.get()).isEqualTo(2);
	}

	@Test
	void aShortLivedTokenIsUsedForHalfItsLifetime() {
		Credential credential = new Credential(Duration.ofSeconds(10));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		assertThat(cache.get()).isEqualTo("token-1");
		at(Duration.ofMillis(4_999));
		assertThat(cache.get()).isEqualTo("token-1");
		at(Duration.ofSeconds(5));
		assertThat(cache.get()).isEqualTo("token-2");
	}

	@Test
	void theCredentialsOwnRefreshTimeWinsWhenItIsEarlier() {
		Credential credential = new Credential(Duration.ofMinutes(60)).refreshAfter(Duration.ofMinutes(30));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		cache.get();
		at(Duration.ofMinutes(29));
		assertThat(cache.get()).isEqualTo("token-1");
		at(Duration.ofMinutes(30));
		assertThat(cache.get()).isEqualTo("token-2");
	}

	@Test
	void aRefreshTimeLaterThanFiveMinutesBeforeExpiryIsNotWaitedFor() {
		Credential credential = new Credential(Duration.ofMinutes(60)).refreshAfter(Duration.ofMinutes(58));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		cache.get();
		at(Duration.ofMinutes(55));
		assertThat(cache.get()).isEqualTo("token-2");
	}

	@Test
	void callersThatFindTheTokenStaleTogetherWaitForOneRequest() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger asked = new AtomicInteger();
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, () -> {
			int n = asked.incrementAndGet();
			await(release);
			return new Token("token-" + n, this.clock.instant().plus(Duration.ofMinutes(60)), null);
		}, this.clock);
		int callers = 8;
		CyclicBarrier together = new CyclicBarrier(callers);
		ExecutorService threads = Executors.newFixedThreadPool(callers);
		try {
			List<Future<String>> tokens = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				tokens.add(threads.submit(() -> {
					together.await(5, TimeUnit.SECONDS);
					return cache.get();
				}));
			}
			Thread.sleep(200);
			release.countDown();
			for (Future<String> token : tokens) {
				assertThat(token.get(5, TimeUnit.SECONDS)).isEqualTo("token-1");
			}
		}
		finally {
			threads.shutdownNow();
		}
		assertThat(asked.get()).isEqualTo(1);
	}

	@Test
	void aFailedRefreshKeepsTheValidTokenAndTriesAgainTenSecondsLater() {
		Credential credential = new Credential(Duration.ofMinutes(10));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		cache.get();
		credential.failing = true;
		at(Duration.ofMinutes(6));
		assertThat(cache.get()).isEqualTo("token-1");
		assertThat(credential.asked.get()).isEqualTo(2);
		at(Duration.ofMinutes(6).plusSeconds(9));
		assertThat(cache.get()).isEqualTo("token-1");
		assertThat(credential.asked.get()).isEqualTo(2);
		credential.failing = false;
		at(Duration.ofMinutes(6).plusSeconds(10));
		assertThat(cache.get()).isEqualTo("token-3");
		assertThat(credential.asked.get()).isEqualTo(3);
	}

	@Test
	void nearExpiryAFailedRefreshIsTriedAgainAtHalfTheTimeLeft() {
		Credential credential = new Credential(Duration.ofSeconds(10));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		cache.get();
		credential.failing = true;
		at(Duration.ofSeconds(6));
		assertThat(cache.get()).isEqualTo("token-1");
		at(Duration.ofSeconds(7).plusMillis(999));
		assertThat(cache.get()).isEqualTo("token-1");
		assertThat(credential.asked.get()).isEqualTo(2);
		at(Duration.ofSeconds(8));
		assertThat(cache.get()).isEqualTo("token-1");
		assertThat(credential.asked.get()).isEqualTo(3);
	}

	@Test
	void noTokenAndAFailingCredentialFailNamingTheCredentialButNoToken() {
		Credential credential = new Credential(Duration.ofSeconds(10));
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, credential, this.clock);
		cache.get();
		credential.failing = true;
		at(Duration.ofSeconds(10));
		assertThatExceptionOfType(AccessTokenUnavailableException.class).isThrownBy(cache::get)
			.withMessage("No access token from " + CREDENTIAL + ": IllegalStateException: the endpoint refused")
			.withCauseInstanceOf(IllegalStateException.class)
			.satisfies((ex) -> assertThat(ex.toString()).doesNotContain("token-1"));
		// each caller asks again: there is no token to fall back on
		assertThatExceptionOfType(AccessTokenUnavailableException.class).isThrownBy(cache::get);
		assertThat(credential.asked.get()).isEqualTo(3);
	}

	@Test
	void anEmptyTokenIsAFailure() {
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL,
				() -> new Token(" ", this.clock.instant().plusSeconds(3600), null), this.clock);
		assertThatExceptionOfType(AccessTokenUnavailableException.class).isThrownBy(cache::get)
			.withMessageContaining("empty access token");
	}

	@Test
	void anAlreadyExpiredTokenIsUsedOnceAndAskedForAgain() {
		AtomicInteger asked = new AtomicInteger();
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL,
				() -> new Token("token-" + asked.incrementAndGet(), this.clock.instant(), null), this.clock);
		assertThat(cache.get()).isEqualTo("token-1");
		assertThat(cache.get()).isEqualTo("token-2");
	}

	@Test
	void noTokenAppearsInAnyToString() {
		Token token = new Token("token-SECRET-value", this.start.plusSeconds(60), null);
		assertThat(token.toString()).doesNotContain("SECRET").contains("redacted");
		CachedAccessToken cache = new CachedAccessToken(CREDENTIAL, () -> token, this.clock);
		cache.get();
		assertThat(cache.toString()).doesNotContain("SECRET").contains(CREDENTIAL);
	}

	private void at(Duration sinceStart) {
		this.clock.setSecond((this.start.toEpochMilli() + sinceStart.toMillis()) / 1000.0);
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Gives token-1, token-2, ... of a fixed lifetime, or fails while told to. */
	private final class Credential implements CachedAccessToken.Source {

		final AtomicInteger asked = new AtomicInteger();

		private final Duration lifetime;

		private Duration refreshAfter;

		volatile boolean failing;

		Credential(Duration lifetime) {
			this.lifetime = lifetime;
		}

		Credential refreshAfter(Duration refreshAfter) {
			this.refreshAfter = refreshAfter;
			return this;
		}

		@Override
		public Token fetch() {
			int n = this.asked.incrementAndGet();
			if (this.failing) {
				throw new IllegalStateException("the endpoint refused");
			}
			Instant now = CachedAccessTokenTests.this.clock.instant();
			return new Token("token-" + n, now.plus(this.lifetime),
					(this.refreshAfter != null) ? now.plus(this.refreshAfter) : null);
		}

	}

}
