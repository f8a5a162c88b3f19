package io.github.airouter.usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Admission against rpm and tpm over a sliding 60-second window, choice of the least-used
 * deployment, weighted shuffle, and settlement of reservations.
 */
class InMemoryUsageStoreTests {

	private final MutableClock clock = MutableClock.atSecond(1_000);

	private final InMemoryUsageStore store = new InMemoryUsageStore(this.clock, new Random(42));

	private static ModelGroup group(RoutingStrategy strategy, Deployment... deployments) {
		return new ModelGroup("gpt-4o", strategy, List.of(deployments));
	}

	private static Deployment deployment(String id, Long rpm, Long tpm) {
		return Deployment.of(id, "gpt-4o", new Limits(rpm, tpm));
	}

	private Admission admit(ModelGroup group, long tokens) {
		return this.store.admit(group, tokens, Set.of());
	}

	@Test
	void admitsUpToTheRpmLimitThenRejectsWithTheTimeUntilTheOldestRequestLeavesTheWindow() {
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", 2L, null));
		assertThat(admit(group, 10).isAdmitted()).isTrue();
		this.clock.advance(Duration.ofSeconds(20));
		assertThat(admit(group, 10).isAdmitted()).isTrue();
		this.clock.advance(Duration.ofSeconds(30));
		Admission third = admit(group, 10);
		assertThat(third.isAdmitted()).isFalse();
		// the first request (second 1000) leaves the window when second 1061 begins: 11 s from 1050
		assertThat(third.retryAfter()).contains(Duration.ofSeconds(11));
		assertThat(third.reason()).contains("rpm or tpm limit");
	}

	@Test
	void theWindowSlidesRatherThanResettingAtMinuteEdges() {
		// two calls late in one calendar minute, then calls just after the minute edge
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", 2L, null));
		this.clock.setSecond(1_079.5);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		// a fixed-minute counter resets at second 1080 and would admit two more here
		this.clock.setSecond(1_080.5);
		assertThat(admit(group, 1).isAdmitted()).isFalse();
		// 59.9 s after them, still inside their window
		this.clock.setSecond(1_139.4);
		assertThat(admit(group, 1).isAdmitted()).isFalse();
		// counted for at most 61 s: free again once second 1140 has ended
		this.clock.setSecond(1_140.0);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		assertThat(admit(group, 1).isAdmitted()).isFalse();
	}

	@Test
	void neverAdmitsMoreThanTheLimitInAnySixtySecondSpan() {
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", 10L, null));
		List<Long> admittedAt = new ArrayList<>();
		for (int step = 0; step < 3_000; step++) {
			this.clock.advance(Duration.ofMillis(97));
			if (admit(group, 1).isAdmitted()) {
				admittedAt.add(this.clock.millis());
			}
		}
		for (int i = 0; i + 10 < admittedAt.size(); i++) {
			// the 11th admission after any admission comes at least 60 s later
			assertThat(admittedAt.get(i + 10) - admittedAt.get(i)).isGreaterThanOrEqualTo(60_000);
		}
		// and the limit is used: over 290 s at most 10 per 61 s
		assertThat(admittedAt).hasSizeGreaterThanOrEqualTo(40);
	}

	@Test
	void tpmCountsReservedTokensAndRejectsACallThatWouldExceedIt() {
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", null, 1_000L));
		assertThat(admit(group, 600).isAdmitted()).isTrue();
		assertThat(admit(group, 400).isAdmitted()).isTrue();
		Admission rejected = admit(group, 1);
		assertThat(rejected.isAdmitted()).isFalse();
		assertThat(rejected.retryAfter()).contains(Duration.ofSeconds(61));
	}

	@Test
	void aCallLargerThanEveryTpmLimitIsRejectedWithNoRetryTime() {
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", null, 1_000L),
				deployment("b", null, 2_000L));
		Admission rejected = admit(group, 2_001);
		assertThat(rejected.isAdmitted()).isFalse();
		assertThat(rejected.retryAfter()).isEmpty();
		assertThat(rejected.reason()).contains("2001 tokens exceed the tpm limit of every deployment");
	}

	@Test
	void choosesTheDeploymentThatHasUsedTheFewestTokens() {
		Deployment a = deployment("a", null, null);
		Deployment b = deployment("b", null, null);
		Deployment c = deployment("c", null, null);
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, a, b, c);
		// give each a known usage through reconciliation
		Map<String, Long> usage = Map.of("a", 500L, "b", 100L, "c", 300L);
		Set<String> seen = new java.util.HashSet<>();
		while (seen.size() < 3) {
			Reservation r = admit(group, 0).reservation();
			if (seen.add(r.deployment().id())) {
				this.store.reconcile(r, usage.get(r.deployment().id()));
			}
			else {
				this.store.release(r);
			}
		}
		for (int i = 0; i < 5; i++) {
			Reservation next = admit(group, 10).reservation();
			assertThat(next.deployment().id()).isEqualTo("b");
			this.store.release(next);
		}
		// once b has used more than c, c is next
		Reservation heavy = admit(group, 250).reservation();
		assertThat(heavy.deployment().id()).isEqualTo("b");
		assertThat(admit(group, 10).reservation().deployment().id()).isEqualTo("c");
	}

	@Test
	void breaksTiesAtRandom() {
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", null, null),
				deployment("b", null, null), deployment("c", null, null));
		Map<String, Integer> firstChoices = new HashMap<>();
		for (int i = 0; i < 300; i++) {
			// a released call gives its tokens back: all three stay tied at zero tokens
			Reservation r = admit(group, 10).reservation();
			firstChoices.merge(r.deployment().id(), 1, Integer::sum);
			this.store.release(r);
		}
		assertThat(firstChoices).containsOnlyKeys("a", "b", "c");
		assertThat(firstChoices.values()).allSatisfy((count) -> assertThat(count).isBetween(70, 130));
	}

	@Test
	void skipsDeploymentsOverTheirLimitsAndExcludedOnes() {
		Deployment small = deployment("small", null, 100L);
		Deployment large = deployment("large", null, 10_000L);
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, small, large);
		assertThat(admit(group, 500).reservation().deployment()).isEqualTo(large);
		Admission excluded = this.store.admit(group, 10, Set.of("small", "large"));
		assertThat(excluded.isAdmitted()).isFalse();
		assertThat(excluded.reason()).isEqualTo("every deployment was excluded");
		assertThat(this.store.admit(group, 10, Set.of("small")).reservation().deployment()).isEqualTo(large);
	}

	@Test
	void simpleShuffleFollowsTheWeights() {
		ModelGroup group = group(RoutingStrategy.SIMPLE_SHUFFLE, deployment("a", null, null).withWeight(1),
				deployment("b", null, null).withWeight(3));
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 8_000; i++) {
			Reservation r = admit(group, 1).reservation();
			counts.merge(r.deployment().id(), 1, Integer::sum);
			this.store.release(r);
		}
		assertThat(counts.get("b") / (double) counts.get("a")).isCloseTo(3.0, within(0.25));
	}

	@Test
	void simpleShuffleWeighsByRpmWhenNoWeightIsSetAndStillHonoursLimits() {
		ModelGroup group = group(RoutingStrategy.SIMPLE_SHUFFLE, deployment("a", 1_000L, null),
				deployment("b", 4_000L, null));
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 2_500; i++) {
			counts.merge(admit(group, 1).reservation().deployment().id(), 1, Integer::sum);
		}
		assertThat(counts.get("b") / (double) counts.get("a")).isCloseTo(4.0, within(0.5));
		// fill the group: every further admission respects each rpm
		int admitted = 0;
		while (admit(group, 1).isAdmitted()) {
			admitted++;
		}
		assertThat(2_500 + admitted).isEqualTo(5_000);
		assertThat(this.store.usage(group.deployments().get(0)).requests()).isEqualTo(1_000);
		assertThat(this.store.usage(group.deployments().get(1)).requests()).isEqualTo(4_000);
	}

	@Test
	void reconciliationCorrectsAnOverEstimate() {
		Deployment a = deployment("a", null, 1_500L);
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, a);
		Reservation first = admit(group, 1_000).reservation();
		// unreconciled, a second 1000-token call would not fit
		assertThat(admit(group, 1_000).isAdmitted()).isFalse();
		this.store.reconcile(first, 100);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 100));
		Reservation second = admit(group, 1_000).reservation();
		this.store.reconcile(second, 100);
		assertThat(admit(group, 1_000).isAdmitted()).isTrue();
	}

	@Test
	void reconciliationCorrectsAnUnderEstimate() {
		Deployment a = deployment("a", null, 1_500L);
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, a);
		this.store.reconcile(admit(group, 100).reservation(), 1_200);
		assertThat(this.store.usage(a).tokens()).isEqualTo(1_200);
		assertThat(admit(group, 600).isAdmitted()).isFalse();
		assertThat(admit(group, 300).isAdmitted()).isTrue();
	}

	@Test
	void aReservationIsSettledOnlyOnce() {
		Deployment a = deployment("a", null, null);
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, a);
		Reservation r = admit(group, 500).reservation();
		this.store.release(r);
		this.store.release(r);
		this.store.reconcile(r, 9_999);
		assertThat(r.isSettled()).isTrue();
		// the request stays counted (the provider counted it), the tokens are given back once
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 0));
	}

	@Test
	void settlingAfterTheSlotLeftTheWindowChangesNothing() {
		Deployment a = deployment("a", null, null);
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, a);
		Reservation old = admit(group, 500).reservation();
		this.clock.advance(Duration.ofSeconds(70));
		Reservation recent = admit(group, 40).reservation();
		this.store.reconcile(old, 100_000);
		// the recent call is still in flight: its 40 tokens are an estimate
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 40, 40));
		this.store.reconcile(recent, 60);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 60));
	}

	@Test
	void concurrentCallersNeverOverAdmit() throws Exception {
		ModelGroup group = group(RoutingStrategy.USAGE_BASED, deployment("a", 50L, 10_000L),
				deployment("b", 50L, 10_000L), deployment("c", 50L, 10_000L));
		int threads = 8;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		CountDownLatch start = new CountDownLatch(1);
		AtomicInteger admitted = new AtomicInteger();
		try {
			for (int t = 0; t < threads; t++) {
				pool.execute(() -> {
					try {
						start.await();
						for (int i = 0; i < 200; i++) {
							if (this.store.admit(group, 70, Set.of()).isAdmitted()) {
								admitted.incrementAndGet();
							}
						}
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				});
			}
			start.countDown();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		// tpm allows 142 calls of 70 tokens per deployment, rpm 50: rpm binds
		assertThat(admitted.get()).isEqualTo(150);
		for (Deployment deployment : group.deployments()) {
			// none of them settled: every token counted is still an estimate
			assertThat(this.store.usage(deployment)).isEqualTo(new WindowUsage(50, 3_500, 3_500));
		}
	}

}
