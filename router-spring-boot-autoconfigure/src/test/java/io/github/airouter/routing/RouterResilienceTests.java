package io.github.airouter.routing;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.WindowUsage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The router's resilience with fake deployment calls: retries on another deployment,
 * cooldowns (Retry-After, allowed fails), fallbacks to other models, priority tiers, the
 * least-busy and latency-based strategies, streams, and what listeners hear.
 */
class RouterResilienceTests {

	private static final long ESTIMATE = 100;

	private static final long REPORTED = 40;

	private final MutableClock clock = MutableClock.atSecond(10_000);

	private final InMemoryUsageStore store = new InMemoryUsageStore(this.clock, new Random(7));

	/** Ids of the deployments called, in order. */
	private final List<String> calls = new CopyOnWriteArrayList<>();

	/** Exceptions the fake deployments threw, in order. */
	private final List<RuntimeException> thrown = new CopyOnWriteArrayList<>();

	private final Recorder recorder = new Recorder();

	// ---- retries

	@Test
	void aServerErrorIsRetriedOnAnotherDeploymentAndKeepsItsEstimateAsTheProviderMayHaveCountedIt() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		String result = router.call(group(router, "gpt-4o"), ESTIMATE, failFirst(1, () -> new Status(500)),
				(response) -> REPORTED);
		assertThat(this.calls).hasSize(2).doesNotHaveDuplicates();
		assertThat(result).isEqualTo("served by " + this.calls.get(1));
		Deployment failed = byId(this.calls.get(0), a, b);
		Deployment served = byId(this.calls.get(1), a, b);
		// a 5xx may come after the provider accepted the prompt: its estimate stays counted
		assertThat(this.store.usage(failed)).isEqualTo(new WindowUsage(1, ESTIMATE));
		assertThat(this.store.usage(served)).isEqualTo(new WindowUsage(1, REPORTED));
		assertThat(this.store.cooldownRemaining(failed)).isZero();
	}

	@Test
	void aRateLimitedAttemptGivesItsTokensBackAsTheProviderRefusedIt() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		router.call(group(router, "gpt-4o"), ESTIMATE, failFirst(1, () -> new Status(429)), (response) -> REPORTED);
		Deployment refused = byId(this.calls.get(0), a, b);
		assertThat(this.store.usage(refused)).isEqualTo(new WindowUsage(1, 0));
	}

	@Test
	void aCallIsNeverRetriedOnTheDeploymentThatJustFailedAndNumRetriesBoundsTheAttempts() {
		Router router = router(policy(2), deployment("a", "gpt-4o"), deployment("b", "gpt-4o"),
				deployment("c", "gpt-4o"), deployment("d", "gpt-4o"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group(router, "gpt-4o"), ESTIMATE, failAll((id) -> new Status(500, id)),
					(response) -> REPORTED))
			.havingCause()
			.isSameAs(this.thrown.get(2));
		assertThat(this.calls).hasSize(3).doesNotHaveDuplicates();
		assertThat(this.thrown).hasSize(3);
	}

	@Test
	void whenEveryDeploymentFailsTheCallerGetsNoDeploymentAvailableWithEveryFailureAttached() {
		Router router = router(policy(2), deployment("a", "gpt-4o"), deployment("b", "gpt-4o"),
				deployment("c", "gpt-4o"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group(router, "gpt-4o"), ESTIMATE, failAll((id) -> new Status(503, id)),
					(response) -> REPORTED))
			.satisfies((ex) -> {
				assertThat(ex.getMessage()).isEqualTo("No deployment of model 'gpt-4o' can take this call: all 3 "
						+ "attempts failed (the last: server-error from " + this.calls.get(2) + ")");
				assertThat(ex.getCause()).isSameAs(this.thrown.get(2));
				assertThat(ex.getSuppressed()).containsExactly(this.thrown.get(0), this.thrown.get(1));
				assertThat(ex.getRetryAfter()).isEmpty();
				assertThat(ex.isEveryDeploymentMisconfigured()).isFalse();
			});
		assertThat(this.calls).containsExactlyInAnyOrder("a", "b", "c");
	}

	@Test
	void whenSomeDeploymentsFailAndTheRestAreFullTheCallerLearnsBothAndWhenCapacityFreesUp() {
		Deployment full = deployment("full", "gpt-4o", 1L).withOrder(1);
		Deployment failing = deployment("failing", "gpt-4o").withOrder(2);
		Router router = router(policy(2), full, failing);
		ModelGroup group = group(router, "gpt-4o");
		router.call(group, ESTIMATE, succeed(), (response) -> REPORTED);
		this.clock.advance(Duration.ofSeconds(10));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group, ESTIMATE, failAll((id) -> new Status(500, id)), (r) -> REPORTED))
			.satisfies((ex) -> {
				assertThat(ex.getMessage()).startsWith("No deployment of model 'gpt-4o' can take this call: its attempt "
						+ "failed (the last: server-error from failing); and all 1 deployments are at their rpm or tpm"
						+ " limit");
				assertThat(ex.getCause()).isSameAs(this.thrown.get(0));
				// the full deployment frees up when its call leaves the window
				assertThat(ex.getRetryAfter()).contains(Duration.ofSeconds(51));
			});
	}

	@Test
	void withNoRetriesAFailedCallIsTriedOnce() {
		Router router = router(policy(0), deployment("a", "gpt-4o"), deployment("b", "gpt-4o"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class).isThrownBy(() -> router.call(group(router, "gpt-4o"), ESTIMATE,
				failAll((id) -> new Status(500, id)), (response) -> REPORTED));
		assertThat(this.calls).hasSize(1);
	}

	@Test
	void aCallersErrorIsNotRetriedAndSurfacesAsTheSameException() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		assertThatExceptionOfType(Status.class)
			.isThrownBy(() -> router.call(group(router, "gpt-4o"), ESTIMATE, failFirst(1, () -> new Status(400)),
					(response) -> REPORTED))
			.isSameAs(this.thrown.get(0));
		assertThat(this.calls).hasSize(1);
		Deployment called = byId(this.calls.get(0), a, b);
		assertThat(this.store.usage(called)).isEqualTo(new WindowUsage(1, 0));
		assertThat(this.store.cooldownRemaining(called)).isZero();
		assertThat(this.recorder.events).noneMatch((event) -> event.startsWith("cooldown"));
	}

	// ---- cooldowns

	@Test
	void a429WithRetryAfterCoolsTheDeploymentDownForThatLong() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		ModelGroup group = group(router, "gpt-4o");
		router.call(group, ESTIMATE, failFirst(1, () -> new Status(429, Duration.ofSeconds(30))), (r) -> REPORTED);
		Deployment cooled = byId(this.calls.get(0), a, b);
		Deployment other = (cooled == a) ? b : a;
		assertThat(this.calls).containsExactly(cooled.id(), other.id());
		assertThat(this.store.cooldownRemaining(cooled)).isEqualTo(Duration.ofSeconds(30));
		this.calls.clear();
		for (int second = 1; second <= 29; second++) {
			this.clock.advance(Duration.ofSeconds(1));
			router.call(group, ESTIMATE, succeed(), (r) -> REPORTED);
		}
		assertThat(this.calls).hasSize(29).containsOnly(other.id());
		assertThat(this.store.cooldownRemaining(cooled)).isEqualTo(Duration.ofSeconds(1));
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.store.cooldownRemaining(cooled)).isZero();
		// back in routing, and the least used in the window
		String result = router.call(group, ESTIMATE, succeed(), (r) -> REPORTED);
		assertThat(result).isEqualTo("served by " + cooled.id());
	}

	@Test
	void a429WithoutRetryAfterCoolsTheDeploymentDownForTheCooldownTime() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(RouterPolicy.builder().numRetries(2).cooldownTime(Duration.ofSeconds(7)).allowedFails(3).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build(), a, b);
		router.call(group(router, "gpt-4o"), ESTIMATE, failFirst(1, () -> new Status(429)), (r) -> REPORTED);
		Deployment cooled = byId(this.calls.get(0), a, b);
		assertThat(this.store.cooldownRemaining(cooled)).isEqualTo(Duration.ofSeconds(7));
		assertThat(this.recorder.events).contains("cooldown " + cooled.id() + " 7000 ms (a 429)");
		this.clock.advance(Duration.ofMillis(6_999));
		assertThat(this.store.cooldownRemaining(cooled)).isEqualTo(Duration.ofMillis(1));
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.store.cooldownRemaining(cooled)).isZero();
	}

	@Test
	void allowedFailsWithinAMinuteCoolTheDeploymentDown() {
		Deployment a = deployment("a", "gpt-4o");
		Router router = router(RouterPolicy.builder().numRetries(0).cooldownTime(Duration.ofSeconds(10)).allowedFails(3).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build(), a);
		ModelGroup group = group(router, "gpt-4o");
		for (int i = 0; i < 3; i++) {
			if (i > 0) {
				this.clock.advance(Duration.ofSeconds(20));
			}
			assertThat(this.store.cooldownRemaining(a)).isZero();
			assertThatExceptionOfType(NoDeploymentAvailableException.class)
				.isThrownBy(() -> router.call(group, ESTIMATE, failAll((id) -> new Status(500)), (r) -> REPORTED));
		}
		assertThat(this.store.cooldownRemaining(a)).isEqualTo(Duration.ofSeconds(10));
		assertThat(this.recorder.events)
			.containsOnlyOnce("cooldown a 10000 ms (3 failures within a minute, the last: server-error)");
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group, ESTIMATE, succeed(), (r) -> REPORTED));
		assertThat(this.calls).hasSize(3);
	}

	@Test
	void allowedFailsSpreadOverMoreThanAMinuteDoNotCoolTheDeploymentDown() {
		Deployment a = deployment("a", "gpt-4o");
		Router router = router(RouterPolicy.builder().numRetries(0).cooldownTime(Duration.ofSeconds(10)).allowedFails(3).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build(), a);
		ModelGroup group = group(router, "gpt-4o");
		for (int i = 0; i < 3; i++) {
			if (i > 0) {
				this.clock.advance(Duration.ofSeconds(31));
			}
			assertThatExceptionOfType(NoDeploymentAvailableException.class)
				.isThrownBy(() -> router.call(group, ESTIMATE, failAll((id) -> new Status(500)), (r) -> REPORTED));
		}
		// failures at 0, 31 and 62 s: never three within one minute
		assertThat(this.store.cooldownRemaining(a)).isZero();
		assertThat(router.call(group, ESTIMATE, succeed(), (r) -> REPORTED)).isEqualTo("served by a");
		// one more at 70 s: 31, 62 and 70 s fall within a minute
		this.clock.advance(Duration.ofSeconds(8));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group, ESTIMATE, failAll((id) -> new Status(500)), (r) -> REPORTED));
		assertThat(this.store.cooldownRemaining(a)).isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void rateLimitsDoNotCountTowardsAllowedFails() {
		// allowed-fails counts failures other than 429 (RouterPolicy, router.allowed-fails)
		Deployment a = deployment("a", "gpt-4o");
		Router router = router(RouterPolicy.builder().numRetries(0).cooldownTime(Duration.ofSeconds(10)).allowedFails(2).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build(), a);
		ModelGroup group = group(router, "gpt-4o");
		assertThatExceptionOfType(NoDeploymentAvailableException.class).isThrownBy(() -> router.call(group, ESTIMATE,
				failAll((id) -> new Status(429, Duration.ofSeconds(1))), (r) -> REPORTED));
		this.clock.advance(Duration.ofSeconds(2));
		assertThat(this.store.cooldownRemaining(a)).isZero();
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group, ESTIMATE, failAll((id) -> new Status(500)), (r) -> REPORTED));
		// one failure other than 429 within the minute, allowed-fails is 2: no cooldown
		assertThat(this.store.cooldownRemaining(a)).isZero();
	}

	@Test
	void whenEveryDeploymentIsCoolingDownTheCallerLearnsWhenTheFirstComesBack() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		ModelGroup group = group(router, "gpt-4o");
		Function<String, RuntimeException> rateLimited = (id) -> new Status(429,
				Duration.ofSeconds(id.equals("a") ? 40 : 20), id);
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group, ESTIMATE, failAll(rateLimited), (r) -> REPORTED))
			.havingCause()
			.isSameAs(this.thrown.get(1));
		assertThat(this.store.cooldownRemaining(a)).isEqualTo(Duration.ofSeconds(40));
		assertThat(this.store.cooldownRemaining(b)).isEqualTo(Duration.ofSeconds(20));
		this.clock.advance(Duration.ofSeconds(5));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group, ESTIMATE, succeed(), (r) -> REPORTED))
			.satisfies((ex) -> {
				assertThat(ex.getModelName()).isEqualTo("gpt-4o");
				assertThat(ex.getRetryAfter()).contains(Duration.ofSeconds(15));
				assertThat(ex.getMessage()).contains("all 2 deployments are cooling down");
			});
		assertThat(this.calls).hasSize(2);
		this.clock.advance(Duration.ofSeconds(15));
		assertThat(router.call(group, ESTIMATE, succeed(), (r) -> REPORTED)).isEqualTo("served by b");
	}

	// ---- fallbacks

	@Test
	void anExhaustedModelFallsBackToItsFallbacksInOrder() {
		Router router = router(fallbacks(Map.of("A", List.of("B", "C"))), deployment("a1", "A", 1L),
				deployment("b1", "B", 1L), deployment("c1", "C"));
		ModelGroup a = group(router, "A");
		assertThat(router.call(a, ESTIMATE, succeed(), (r) -> REPORTED)).isEqualTo("served by a1");
		assertThat(router.call(a, ESTIMATE, succeed(), (r) -> REPORTED)).isEqualTo("served by b1");
		assertThat(router.call(a, ESTIMATE, succeed(), (r) -> REPORTED)).isEqualTo("served by c1");
		assertThat(this.calls).containsExactly("a1", "b1", "c1");
		assertThat(this.recorder.events).filteredOn((event) -> event.startsWith("fallback"))
			.containsExactly("fallback A -> B (no capacity)", "fallback A -> B (no capacity)",
					"fallback B -> C (no capacity)");
	}

	@Test
	void aModelFailingOnEveryDeploymentFallsBack() {
		Router router = router(fallbacks(Map.of("A", List.of("B"))), deployment("a1", "A"), deployment("a2", "A"),
				deployment("b1", "B"));
		String result = router.call(group(router, "A"), ESTIMATE,
				failWhere((id) -> id.startsWith("a") ? new Status(500, id) : null), (r) -> REPORTED);
		assertThat(result).isEqualTo("served by b1");
		assertThat(this.calls).hasSize(3).endsWith("b1");
		assertThat(this.calls.subList(0, 2)).containsExactlyInAnyOrder("a1", "a2");
		assertThat(this.recorder.fallbackCauses).containsExactly(this.thrown.get(1));
	}

	@Test
	void aFallbackChainThatLoopsVisitsEachModelOnce() {
		Router router = router(fallbacks(Map.of("A", List.of("B"), "B", List.of("A"))), deployment("a1", "A"),
				deployment("b1", "B"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> router.call(group(router, "A"), ESTIMATE, failAll((id) -> new Status(500, id)),
					(r) -> REPORTED))
			.havingCause()
			.isSameAs(this.thrown.get(1));
		assertThat(this.calls).containsExactly("a1", "b1");
	}

	@Test
	void fallbacksAreTransitive() {
		Router router = router(fallbacks(Map.of("A", List.of("B"), "B", List.of("C"))), deployment("a1", "A"),
				deployment("b1", "B"), deployment("c1", "C"));
		String result = router.call(group(router, "A"), ESTIMATE,
				failWhere((id) -> id.equals("c1") ? null : new Status(500, id)), (r) -> REPORTED);
		assertThat(result).isEqualTo("served by c1");
		assertThat(this.calls).containsExactly("a1", "b1", "c1");
	}

	@Test
	void maxFallbacksBoundsTheHops() {
		Map<String, List<String>> chain = Map.of("A", List.of("B"), "B", List.of("C"));
		Router oneHop = router(RouterPolicy.builder().numRetries(2).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).fallbacks(chain).maxFallbacks(1).misconfiguredCooldown(Duration.ofSeconds(60)).build(),
				deployment("a1", "A"), deployment("b1", "B"), deployment("c1", "C"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> oneHop.call(group(oneHop, "A"), ESTIMATE,
					failWhere((id) -> id.equals("c1") ? null : new Status(500, id)), (r) -> REPORTED))
			.havingCause()
			.isSameAs(this.thrown.get(1));
		assertThat(this.calls).containsExactly("a1", "b1");
		this.calls.clear();
		this.thrown.clear();
		Router noHop = router(RouterPolicy.builder().numRetries(2).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).fallbacks(chain).maxFallbacks(0).misconfiguredCooldown(Duration.ofSeconds(60)).build(),
				deployment("a1", "A"), deployment("b1", "B"), deployment("c1", "C"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> noHop.call(group(noHop, "A"), ESTIMATE,
					failWhere((id) -> id.equals("c1") ? null : new Status(500, id)), (r) -> REPORTED))
			.havingCause()
			.isSameAs(this.thrown.get(0));
		assertThat(this.calls).containsExactly("a1");
	}

	@Test
	void defaultFallbacksServeAModelWithoutFallbacksOfItsOwn() {
		Router router = router(
				RouterPolicy.builder().numRetries(2).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).fallbacks(Map.of("B", List.of("C"))).defaultFallbacks(List.of("D")).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build(),
				deployment("a1", "A"), deployment("b1", "B"), deployment("c1", "C"), deployment("d1", "D"));
		Function<Deployment, String> failingAOrB = failWhere(
				(id) -> (id.equals("a1") || id.equals("b1")) ? new Status(500, id) : null);
		assertThat(router.call(group(router, "A"), ESTIMATE, failingAOrB, (r) -> REPORTED))
			.isEqualTo("served by d1");
		assertThat(this.calls).containsExactly("a1", "d1");
		this.calls.clear();
		assertThat(router.call(group(router, "B"), ESTIMATE, failingAOrB, (r) -> REPORTED))
			.isEqualTo("served by c1");
		assertThat(this.calls).containsExactly("b1", "c1");
	}

	@Test
	void aPromptTooLongGoesToTheContextWindowFallbacksOnly() {
		Router router = router(
				RouterPolicy.builder().numRetries(2).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).fallbacks(Map.of("A", List.of("B"))).contextWindowFallbacks(Map.of("A", List.of("BIG"))).defaultFallbacks(List.of("B")).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build(),
				deployment("a1", "A"), deployment("a2", "A"), deployment("b1", "B"), deployment("big1", "BIG"));
		String result = router.call(group(router, "A"), ESTIMATE,
				failWhere((id) -> id.startsWith("a") ? new ContextTooLong() : null), (r) -> REPORTED);
		assertThat(result).isEqualTo("served by big1");
		assertThat(this.calls).hasSize(2).endsWith("big1");
		assertThat(this.calls.get(0)).isIn("a1", "a2");
		assertThat(this.recorder.events).contains("fallback A -> BIG after context window exceeded");
	}

	@Test
	void aPromptTooLongWithoutContextWindowFallbacksSurfacesUnchanged() {
		Router router = router(fallbacks(Map.of("A", List.of("B"))), deployment("a1", "A"), deployment("a2", "A"),
				deployment("b1", "B"));
		assertThatExceptionOfType(ContextTooLong.class)
			.isThrownBy(() -> router.call(group(router, "A"), ESTIMATE, failAll((id) -> new ContextTooLong()),
					(r) -> REPORTED))
			.isSameAs(this.thrown.get(0));
		assertThat(this.calls).hasSize(1);
	}

	@Test
	void eachFallbackHopGetsItsOwnRetries() {
		Router router = router(fallbacks(Map.of("A", List.of("B")), 1), deployment("a1", "A"), deployment("a2", "A"),
				deployment("a3", "A"), deployment("b1", "B"), deployment("b2", "B"), deployment("b3", "B"));
		AtomicInteger attemptsOnB = new AtomicInteger();
		String result = router.call(group(router, "A"), ESTIMATE, failWhere((id) -> {
			if (id.startsWith("a") || attemptsOnB.getAndIncrement() == 0) {
				return new Status(500, id);
			}
			return null;
		}), (r) -> REPORTED);
		assertThat(this.calls).hasSize(4);
		assertThat(this.calls.subList(0, 2)).allMatch((id) -> id.startsWith("a")).doesNotHaveDuplicates();
		assertThat(this.calls.subList(2, 4)).allMatch((id) -> id.startsWith("b")).doesNotHaveDuplicates();
		assertThat(result).isEqualTo("served by " + this.calls.get(3));
		assertThat(this.recorder.events).endsWith("completed A in 4 attempts");
	}

	// ---- priority tiers

	@Test
	void lowerOrdersTakeAllTrafficUntilFullAndUnorderedDeploymentsComeLast() {
		Deployment second = deployment("second", "gpt-4o", 2L).withOrder(2);
		Deployment last = deployment("last", "gpt-4o");
		Deployment first = deployment("first", "gpt-4o", 2L).withOrder(1);
		Router router = router(policy(2), second, last, first);
		ModelGroup group = group(router, "gpt-4o");
		for (int i = 0; i < 6; i++) {
			router.call(group, ESTIMATE, succeed(), (r) -> REPORTED);
		}
		assertThat(this.calls).containsExactly("first", "first", "second", "second", "last", "last");
	}

	@Test
	void aCoolingDownTierLetsTheNextOneTakeTraffic() {
		Deployment first = deployment("first", "gpt-4o").withOrder(1);
		Deployment second = deployment("second", "gpt-4o").withOrder(2);
		Router router = router(policy(2), first, second);
		ModelGroup group = group(router, "gpt-4o");
		router.call(group, ESTIMATE, failFirst(1, () -> new Status(429, Duration.ofSeconds(10))), (r) -> REPORTED);
		router.call(group, ESTIMATE, succeed(), (r) -> REPORTED);
		this.clock.advance(Duration.ofSeconds(10));
		router.call(group, ESTIMATE, succeed(), (r) -> REPORTED);
		assertThat(this.calls).containsExactly("first", "second", "second", "first");
	}

	// ---- strategies measured by the router

	@Test
	void leastBusySendsTheNextCallToTheDeploymentWithFewerCallsInFlight() throws Exception {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = Router.builder(List.of(a, b))
			.strategy(RoutingStrategy.LEAST_BUSY)
			.usageStore(this.store)
			.policy(policy(2))
			.failureClassifier(new TestClassifier())
			.clock(this.clock)
			.listener(this.recorder)
			.build();
		ModelGroup group = group(router, "gpt-4o");
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> held = CompletableFuture.supplyAsync(() -> router.call(group, 10, (deployment) -> {
			this.calls.add(deployment.id());
			started.countDown();
			await(release);
			return "held on " + deployment.id();
		}, (r) -> 10));
		try {
			assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
			Deployment busy = byId(this.calls.get(0), a, b);
			Deployment idle = (busy == a) ? b : a;
			assertThat(router.stats(busy).inFlight()).isEqualTo(1);
			// the idle deployment reports far more tokens: usage-based would now pick the busy one
			assertThat(router.call(group, 10, succeed(), (r) -> 5_000L)).isEqualTo("served by " + idle.id());
			assertThat(router.call(group, 10, succeed(), (r) -> 5_000L)).isEqualTo("served by " + idle.id());
			assertThat(this.store.usage(idle).tokens()).isGreaterThan(this.store.usage(busy).tokens());
			release.countDown();
			assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo("held on " + busy.id());
			assertThat(router.stats(busy).inFlight()).isZero();
			assertThat(router.stats(idle).inFlight()).isZero();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void latencyBasedSendsNewCallsToTheFasterDeployment() {
		Deployment slow = deployment("slow", "gpt-4o");
		Deployment fast = deployment("fast", "gpt-4o");
		Router router = Router.builder(List.of(slow, fast))
			.strategy(RoutingStrategy.LATENCY_BASED)
			.usageStore(this.store)
			.policy(policy(2))
			.failureClassifier(new TestClassifier())
			.clock(this.clock)
			.build();
		ModelGroup group = group(router, "gpt-4o");
		Function<Deployment, String> call = (deployment) -> {
			this.calls.add(deployment.id());
			if (deployment == slow) {
				sleep(25);
			}
			return "served by " + deployment.id();
		};
		assertThat(router.stats(slow).latencyNanos()).isEqualTo(-1);
		// a deployment not yet measured goes first: one call each
		router.call(group, ESTIMATE, call, (r) -> REPORTED);
		router.call(group, ESTIMATE, call, (r) -> REPORTED);
		assertThat(this.calls).containsExactlyInAnyOrder("slow", "fast");
		assertThat(router.stats(slow).latencyNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(25).toNanos());
		assertThat(router.stats(fast).latencyNanos()).isPositive().isLessThan(router.stats(slow).latencyNanos());
		this.calls.clear();
		for (int i = 0; i < 5; i++) {
			router.call(group, ESTIMATE, call, (r) -> REPORTED);
		}
		assertThat(this.calls).containsOnly("fast").hasSize(5);
	}

	// ---- streams

	@Test
	void aStreamFailingBeforeItsFirstElementIsRetriedOnAnotherDeployment() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		AtomicInteger attempts = new AtomicInteger();
		Flux<Long> stream = router.stream(group(router, "gpt-4o"), 400, (deployment) -> {
			this.calls.add(deployment.id());
			if (attempts.getAndIncrement() == 0) {
				return Flux.error(new CompletionException(new Status(500)));
			}
			return Flux.just(-1L, -1L, 250L);
		}, (element) -> element);
		StepVerifier.create(stream).expectNext(-1L, -1L, 250L).expectComplete().verify(Duration.ofSeconds(5));
		assertThat(this.calls).hasSize(2).doesNotHaveDuplicates();
		Deployment failed = byId(this.calls.get(0), a, b);
		Deployment served = byId(this.calls.get(1), a, b);
		assertThat(this.store.usage(failed)).isEqualTo(new WindowUsage(1, 400));
		assertThat(this.store.usage(served)).isEqualTo(new WindowUsage(1, 250));
		assertThat(this.recorder.events).contains("failure " + failed.id() + " server-error")
			.endsWith("completed gpt-4o in 2 attempts");
	}

	@Test
	void aStreamFailingAfterItsFirstElementIsNotReplayedAndKeepsItsUsage() {
		Deployment a = deployment("a", "gpt-4o");
		Deployment b = deployment("b", "gpt-4o");
		Router router = router(policy(2), a, b);
		ModelGroup group = group(router, "gpt-4o");
		Status cut = new Status(500);
		Flux<Long> stream = router.stream(group, 400, (deployment) -> {
			this.calls.add(deployment.id());
			return Flux.just(-1L).concatWith(Flux.error(new CompletionException(cut)));
		}, (element) -> element);
		StepVerifier.create(stream)
			.expectNext(-1L)
			.expectErrorSatisfies((ex) -> assertThat(ex).isSameAs(cut))
			.verify(Duration.ofSeconds(5));
		assertThat(this.calls).hasSize(1);
		Deployment called = byId(this.calls.get(0), a, b);
		assertThat(this.store.usage(called)).isEqualTo(new WindowUsage(1, 400));

		// with usage reported before the failure, the reported tokens stand
		this.calls.clear();
		Deployment other = (called == a) ? b : a;
		Flux<Long> reporting = router.stream(group, 400, (deployment) -> {
			this.calls.add(deployment.id());
			return Flux.just(-1L, 250L).concatWith(Flux.error(new CompletionException(new Status(502))));
		}, (element) -> element);
		StepVerifier.create(reporting).expectNext(-1L, 250L).expectError(Status.class).verify(Duration.ofSeconds(5));
		assertThat(this.calls).containsExactly(other.id());
		assertThat(this.store.usage(other)).isEqualTo(new WindowUsage(1, 250));
	}

	@Test
	void aStreamSilentPastItsStreamTimeoutIsRetriedElsewhere() {
		Deployment a = deployment("a", "gpt-4o").withTimeouts(Duration.ofSeconds(60), Duration.ofMillis(200));
		Deployment b = deployment("b", "gpt-4o").withTimeouts(Duration.ofSeconds(60), Duration.ofMillis(200));
		Router router = router(policy(2), a, b);
		AtomicInteger attempts = new AtomicInteger();
		Flux<Long> stream = router.stream(group(router, "gpt-4o"), 400, (deployment) -> {
			this.calls.add(deployment.id());
			return (attempts.getAndIncrement() == 0) ? Flux.never() : Flux.just(7L);
		}, (element) -> element);
		StepVerifier.create(stream).expectNext(7L).expectComplete().verify(Duration.ofSeconds(5));
		assertThat(this.calls).hasSize(2).doesNotHaveDuplicates();
		Deployment silent = byId(this.calls.get(0), a, b);
		// a timeout may come after the provider accepted the prompt: its estimate stays counted
		assertThat(this.store.usage(silent)).isEqualTo(new WindowUsage(1, 400));
		assertThat(this.recorder.events).contains("failure " + silent.id() + " timeout");
		assertThat(this.recorder.failures).hasSize(1).first().isInstanceOf(StreamTimeoutException.class);
		assertThat(router.stats(silent).inFlight()).isZero();
	}

	@Test
	void aStreamFallsBackWhenItsModelFails() {
		Router router = router(fallbacks(Map.of("A", List.of("B"))), deployment("a1", "A"), deployment("b1", "B"));
		Flux<Long> stream = router.stream(group(router, "A"), 400, (deployment) -> {
			this.calls.add(deployment.id());
			return deployment.id().equals("a1") ? Flux.error(new CompletionException(new Status(503)))
					: Flux.just(1L, 2L);
		}, (element) -> element);
		StepVerifier.create(stream).expectNext(1L, 2L).expectComplete().verify(Duration.ofSeconds(5));
		assertThat(this.calls).containsExactly("a1", "b1");
		assertThat(this.recorder.events).contains("fallback A -> B after 503");
	}

	// ---- listeners

	@Test
	void listenersHearAdmissionFailureCooldownFallbackAndCompletion() {
		Router router = router(fallbacks(Map.of("A", List.of("B")), 1), deployment("a1", "A"),
				deployment("b1", "B"));
		String result = router.call(group(router, "A"), ESTIMATE,
				failWhere((id) -> id.equals("a1") ? new Status(429, Duration.ofSeconds(30)) : null), (r) -> REPORTED);
		assertThat(result).isEqualTo("served by b1");
		assertThat(this.recorder.events).containsExactly("admitted a1", "failure a1 rate-limited",
				"cooldown a1 30000 ms (a 429 with Retry-After)", "fallback A -> B after 429",
				"admitted b1", "success b1", "completed A in 2 attempts");
		assertThat(this.recorder.failures).containsExactly(this.thrown.get(0));
		assertThat(this.recorder.fallbackCauses).containsExactly(this.thrown.get(0));
	}

	@Test
	void aFallbackFromAModelWithoutCapacityHasNoCauseEvenAfterAnEarlierModelFailed() {
		// RoutingListener#onFallback: the cause is null when the group had no capacity
		Router router = router(fallbacks(Map.of("A", List.of("B"), "B", List.of("C"))), deployment("a1", "A"),
				deployment("b1", "B", 1L), deployment("c1", "C"));
		router.call(group(router, "B"), ESTIMATE, succeed(), (r) -> REPORTED);
		this.calls.clear();
		this.recorder.clear();
		String result = router.call(group(router, "A"), ESTIMATE,
				failWhere((id) -> id.equals("a1") ? new Status(500) : null), (r) -> REPORTED);
		assertThat(result).isEqualTo("served by c1");
		assertThat(this.calls).containsExactly("a1", "c1");
		assertThat(this.recorder.events).filteredOn((event) -> event.startsWith("fallback"))
			.containsExactly("fallback A -> B after 500", "fallback B -> C (no capacity)");
	}

	// ---- helpers

	private Router router(RouterPolicy policy, Deployment... deployments) {
		return Router.builder(List.of(deployments))
			.strategy(RoutingStrategy.USAGE_BASED)
			.usageStore(this.store)
			.policy(policy)
			.failureClassifier(new TestClassifier())
			.clock(this.clock)
			.listener(this.recorder)
			.build();
	}

	private static RouterPolicy policy(int numRetries) {
		return RouterPolicy.builder().numRetries(numRetries).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build();
	}

	private static RouterPolicy fallbacks(Map<String, List<String>> fallbacks) {
		return fallbacks(fallbacks, 2);
	}

	private static RouterPolicy fallbacks(Map<String, List<String>> fallbacks, int numRetries) {
		return RouterPolicy.builder().numRetries(numRetries).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).fallbacks(fallbacks).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build();
	}

	private static ModelGroup group(Router router, String name) {
		return router.group(name, ModelMode.CHAT);
	}

	private static Deployment deployment(String id, String model) {
		return Deployment.of(id, model, Limits.UNLIMITED);
	}

	private static Deployment deployment(String id, String model, Long rpm) {
		return Deployment.of(id, model, new Limits(rpm, null));
	}

	private static Deployment byId(String id, Deployment... deployments) {
		return Arrays.stream(deployments)
			.filter((deployment) -> deployment.id().equals(id))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No deployment " + id));
	}

	/** A call that succeeds on every deployment. */
	private Function<Deployment, String> succeed() {
		return failWhere((id) -> null);
	}

	/** A call that fails on every deployment. */
	private Function<Deployment, String> failAll(Function<String, RuntimeException> failure) {
		return failWhere(failure);
	}

	/** A call whose first {@code attempts} attempts fail, wherever they go. */
	private Function<Deployment, String> failFirst(int attempts, Supplier<RuntimeException> failure) {
		AtomicInteger count = new AtomicInteger();
		return failWhere((id) -> (count.getAndIncrement() < attempts) ? failure.get() : null);
	}

	/** A call that fails with the exception given for the deployment's id, if any. */
	private Function<Deployment, String> failWhere(Function<String, @Nullable RuntimeException> failure) {
		return (deployment) -> {
			this.calls.add(deployment.id());
			RuntimeException ex = failure.apply(deployment.id());
			if (ex != null) {
				this.thrown.add(ex);
				throw ex;
			}
			return "served by " + deployment.id();
		};
	}

	private static void await(CountDownLatch latch) {
		try {
			if (!latch.await(5, TimeUnit.SECONDS)) {
				throw new IllegalStateException("never released");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** A provider's HTTP error, as a test stands for it. */
	static final class Status extends RuntimeException {

		final int code;

		final @Nullable Duration retryAfter;

		Status(int code) {
			this(code, null, "");
		}

		Status(int code, @Nullable Duration retryAfter) {
			this(code, retryAfter, "");
		}

		Status(int code, String deployment) {
			this(code, null, deployment);
		}

		Status(int code, @Nullable Duration retryAfter, String deployment) {
			super(deployment.isEmpty() ? String.valueOf(code) : code + " from " + deployment, null, false, false);
			this.code = code;
			this.retryAfter = retryAfter;
		}

	}

	/** A provider's rejection of a prompt longer than the model's context window. */
	static final class ContextTooLong extends RuntimeException {

		ContextTooLong() {
			super("context window exceeded", null, false, false);
		}

	}

	/** Reads the test exceptions as a provider classifier reads HTTP statuses. */
	static final class TestClassifier implements FailureClassifier {

		@Override
		public Failure classify(Throwable exception) {
			if (exception instanceof ContextTooLong) {
				return Failure.of(Failure.Kind.CONTEXT_WINDOW_EXCEEDED);
			}
			if (exception instanceof StreamTimeoutException) {
				return Failure.of(Failure.Kind.TIMEOUT);
			}
			if (exception instanceof Status status) {
				if (status.code == 429) {
					return new Failure(Failure.Kind.RATE_LIMITED, status.retryAfter);
				}
				if (status.code == 408) {
					return Failure.of(Failure.Kind.TIMEOUT);
				}
				if (status.code >= 500) {
					return Failure.of(Failure.Kind.SERVER_ERROR);
				}
			}
			return Failure.of(Failure.Kind.NOT_RETRYABLE);
		}

	}

	/** Writes down what the router tells its listeners. */
	static final class Recorder implements RoutingListener {

		final List<String> events = new CopyOnWriteArrayList<>();

		final List<Throwable> failures = new CopyOnWriteArrayList<>();

		final List<@Nullable Throwable> fallbackCauses = new CopyOnWriteArrayList<>();

		void clear() {
			this.events.clear();
			this.failures.clear();
			this.fallbackCauses.clear();
		}

		@Override
		public void onAdmitted(Deployment deployment, long decisionNanos) {
			this.events.add("admitted " + deployment.id());
		}

		@Override
		public void onRejected(ModelGroup group, NoDeploymentAvailableException exception) {
			this.events.add("rejected " + group.name());
		}

		@Override
		public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
			this.events.add("success " + deployment.id());
		}

		@Override
		public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
			this.events.add("failure " + deployment.id() + " " + failure.kind().tag());
			this.failures.add(exception);
		}

		@Override
		public void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
			this.events.add("cooldown " + deployment.id() + " " + duration.toMillis() + " ms (" + reason + ")");
		}

		@Override
		public void onFallback(ModelGroup from, ModelGroup to, @Nullable Throwable cause) {
			this.events.add("fallback " + from.name() + " -> " + to.name()
					+ ((cause != null) ? " after " + cause.getMessage() : " (no capacity)"));
			this.fallbackCauses.add(cause);
		}

		@Override
		public void onCallCompleted(ModelGroup group, int attempts) {
			this.events.add("completed " + group.name() + " in " + attempts + " attempts");
		}

	}

}
