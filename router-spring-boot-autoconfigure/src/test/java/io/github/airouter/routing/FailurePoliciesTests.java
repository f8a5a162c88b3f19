package io.github.airouter.routing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.InMemoryUsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Policies per failure kind (retries, allowed fails) and content filters, with fake calls
 * that fail by kind: how many deployments a call is tried on, where it falls back, and what
 * cools down.
 */
class FailurePoliciesTests {

	private static final long ESTIMATE = 100;

	private final MutableClock clock = MutableClock.atSecond(50_000);

	private final InMemoryUsageStore store = new InMemoryUsageStore(this.clock, new Random(5));

	private final List<String> calls = new CopyOnWriteArrayList<>();

	// ---- retry policy

	@Test
	void aRetryPolicyOfZeroForMisconfiguredFallsBackAtOnceWhileOtherKindsKeepNumRetries() {
		Router router = router(RouterPolicy.builder()
			.numRetries(2)
			.retries(Failure.Kind.MISCONFIGURED, 0)
			.fallbacks(Map.of("A", List.of("B")))
			.maxFallbacks(1)
			.misconfiguredCooldown(Duration.ofSeconds(60)), "a1", "a2", "a3", "b1");
		String result = router.call(router.group("A", ModelMode.CHAT), ESTIMATE,
				failing((id) -> id.startsWith("a") ? Failure.of(Failure.Kind.MISCONFIGURED, 401) : null), (r) -> 10);
		assertThat(result).isEqualTo("served by b1");
		assertThat(this.calls).hasSize(2).endsWith("b1");
	}

	@Test
	void aRetryPolicyForOneKindLeavesNumRetriesToTheOthers() {
		Router servers = router(RouterPolicy.builder()
			.numRetries(2)
			.retries(Failure.Kind.MISCONFIGURED, 0)
			.fallbacks(Map.of("A", List.of("B")))
			.maxFallbacks(1), "a1", "a2", "a3", "b1");
		servers.call(servers.group("A", ModelMode.CHAT), ESTIMATE,
				failing((id) -> id.startsWith("a") ? Failure.of(Failure.Kind.SERVER_ERROR, 500) : null), (r) -> 10);
		// num-retries still holds for server errors: all three of A, then B
		assertThat(this.calls).hasSize(4).endsWith("b1");
	}

	@Test
	void aRetryPolicyCanGiveAKindMoreRetriesThanNumRetries() {
		Router router = router(RouterPolicy.builder().numRetries(0).retries(Failure.Kind.TIMEOUT, 3), "a1", "a2",
				"a3", "a4");
		assertThat(router.call(router.group("A", ModelMode.CHAT), ESTIMATE,
				failing((id) -> id.equals("a4") ? null : Failure.of(Failure.Kind.TIMEOUT)), (r) -> 10))
			.isEqualTo("served by a4");
		assertThat(this.calls).hasSize(4);
	}

	// ---- content filters

	@Test
	void aContentFilterRefusalIsNotRetriedOnTheGroupAndReachesTheCallerWithItsCategories() {
		Router router = router(RouterPolicy.builder().numRetries(2).allowedFails(1).cooldownTime(Duration.ofSeconds(5))
			.fallbacks(Map.of("A", List.of("B")))
			.maxFallbacks(1), "a1", "a2", "b1");
		assertThatExceptionOfType(ContentFilteredException.class)
			.isThrownBy(() -> router.call(router.group("A", ModelMode.CHAT), ESTIMATE,
					failing((id) -> new Failure(Failure.Kind.CONTENT_FILTERED, null, 400,
							Map.of("violence", "medium", "jailbreak", "detected"))),
					(r) -> 10))
			.satisfies((ex) -> {
				assertThat(ex.getModelName()).isEqualTo("A");
				assertThat(ex.getCategories()).containsExactlyInAnyOrderEntriesOf(
						Map.of("violence", "medium", "jailbreak", "detected"));
				assertThat(ex.getMessage())
					.isEqualTo("The content filter of model 'A' refused the prompt (jailbreak detected, violence medium)");
			});
		// one deployment asked; the ordinary fallback is not for refused prompts
		assertThat(this.calls).hasSize(1);
		// no cooldown, not counted against allowed-fails (1 here)
		for (Deployment deployment : router.group("A", ModelMode.CHAT).deployments()) {
			assertThat(this.store.cooldown(deployment)).isEqualTo(Cooldown.NONE);
		}
	}

	@Test
	void aContentFilterRefusalGoesToTheContentPolicyFallbacks() {
		Router router = router(RouterPolicy.builder().numRetries(2)
			.fallbacks(Map.of("A", List.of("B")))
			.contentPolicyFallbacks(Map.of("A", List.of("C")))
			.maxFallbacks(2), "a1", "a2", "b1", "c1");
		String result = router.call(router.group("A", ModelMode.CHAT), ESTIMATE,
				failing((id) -> id.startsWith("a") ? new Failure(Failure.Kind.CONTENT_FILTERED, null, 400, Map.of())
						: null),
				(r) -> 10);
		assertThat(result).isEqualTo("served by c1");
		assertThat(this.calls).hasSize(2).endsWith("c1");
	}

	@Test
	void aRetryPolicyMayRetryAContentFilterRefusalOnTheGroup() {
		Router router = router(RouterPolicy.builder().numRetries(0).retries(Failure.Kind.CONTENT_FILTERED, 1), "a1",
				"a2");
		assertThat(router.call(router.group("A", ModelMode.CHAT), ESTIMATE, failing((id) -> (this.calls.size() == 1)
				? new Failure(Failure.Kind.CONTENT_FILTERED, null, 400, Map.of()) : null), (r) -> 10))
			.startsWith("served by a");
		assertThat(this.calls).hasSize(2).doesNotHaveDuplicates();
	}

	// ---- allowed fails policy

	@Test
	void anAllowedFailsPolicyCountsItsKindApart() {
		Router router = router(RouterPolicy.builder()
			.allowedFails(2)
			.allowedFails(Failure.Kind.TIMEOUT, 4)
			.cooldownTime(Duration.ofSeconds(9)), "a1");
		Deployment a1 = router.group("A", ModelMode.CHAT).deployments().get(0);
		for (int i = 0; i < 3; i++) {
			callFailing(router, Failure.of(Failure.Kind.TIMEOUT));
		}
		// three timeouts: under their own allowance of 4, and not counted with server errors
		assertThat(this.store.cooldown(a1)).isEqualTo(Cooldown.NONE);
		callFailing(router, Failure.of(Failure.Kind.SERVER_ERROR, 500));
		assertThat(this.store.cooldown(a1)).isEqualTo(Cooldown.NONE);
		callFailing(router, Failure.of(Failure.Kind.TIMEOUT));
		assertThat(this.store.cooldown(a1)).isEqualTo(Cooldown.of(Duration.ofSeconds(9), Cooldown.Reason.FAILURES));
	}

	@Test
	void anAllowedFailsPolicyForMisconfiguredLetsAFewThroughBeforeTheCooldown() {
		Router router = router(RouterPolicy.builder()
			.allowedFails(Failure.Kind.MISCONFIGURED, 2)
			.misconfiguredCooldown(Duration.ofSeconds(60)), "a1");
		Deployment a1 = router.group("A", ModelMode.CHAT).deployments().get(0);
		callFailing(router, Failure.of(Failure.Kind.MISCONFIGURED, 401));
		assertThat(this.store.cooldown(a1)).isEqualTo(Cooldown.NONE);
		callFailing(router, Failure.of(Failure.Kind.MISCONFIGURED, 401));
		assertThat(this.store.cooldown(a1))
			.isEqualTo(Cooldown.of(Duration.ofSeconds(60), Cooldown.Reason.MISCONFIGURED));
	}

	// ---- helpers

	private void callFailing(Router router, Failure failure) {
		assertThatExceptionOfType(NoDeploymentAvailableException.class).isThrownBy(() -> router.call(router.group("A", ModelMode.CHAT),
				ESTIMATE, failing((id) -> failure), (r) -> 10));
	}

	/** Deployments named a..., b..., c... serve models A, B, C. */
	private Router router(RouterPolicy.Builder policy, String... ids) {
		List<Deployment> deployments = java.util.Arrays.stream(ids)
			.map((id) -> Deployment.of(id, id.substring(0, 1).toUpperCase(java.util.Locale.ROOT), Limits.UNLIMITED))
			.toList();
		return Router.builder(deployments)
			.strategy(RoutingStrategy.USAGE_BASED)
			.usageStore(this.store)
			.policy(policy.build())
			.failureClassifier((ex) -> ((Classified) ex).failure)
			.clock(this.clock)
			.build();
	}

	/** A call that fails on a deployment with the failure given for its id, if any. */
	private Function<Deployment, String> failing(Function<String, @Nullable Failure> failures) {
		return (deployment) -> {
			this.calls.add(deployment.id());
			Failure failure = failures.apply(deployment.id());
			if (failure != null) {
				throw new Classified(failure);
			}
			return "served by " + deployment.id();
		};
	}

	/** An exception that says how to classify it. */
	static final class Classified extends RuntimeException {

		final Failure failure;

		Classified(Failure failure) {
			super(failure.kind().tag(), null, false, false);
			this.failure = failure;
		}

	}

}
