package io.github.airouter.usage;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Everything a {@link UsageStore} promises, written once and run against every store:
 * admission under rpm and tpm over a sliding 60-second window, priority tiers, each
 * strategy's choice from one random point per admission, cooldowns and their reasons,
 * settlement, calibration, and refusals. Time comes from a clock the tests move and random
 * points from a script, so every store must reach the same decisions and the same numbers.
 */
public abstract class UsageStoreContractTests {

	protected final MutableClock clock = MutableClock.atSecond(1_000);

	protected final ScriptedRandom random = new ScriptedRandom();

	protected UsageStore store;

	/**
	 * The store under test, empty.
	 * @param clock the clock its windows and cooldowns must follow
	 * @param random the source of its random points
	 * @return the store
	 */
	protected abstract UsageStore createStore(Clock clock, RandomGenerator random);

	/**
	 * Wait until every settlement and calibration made so far is applied; for a store that
	 * applies them off the caller's path.
	 */
	protected void settled() {
	}

	@BeforeEach
	void createStore() {
		this.store = createStore(this.clock, this.random);
	}

	@AfterEach
	void closeStore() throws Exception {
		if (this.store instanceof AutoCloseable closeable) {
			closeable.close();
		}
	}

	// ---- helpers

	private static Deployment deployment(String id, Long rpm, Long tpm) {
		return Deployment.of(id, "gpt-4o", new Limits(rpm, tpm));
	}

	private static Deployment unlimited(String id) {
		return deployment(id, null, null);
	}

	private static ModelGroup group(RoutingStrategy strategy, Deployment... deployments) {
		return new ModelGroup("gpt-4o", strategy, List.of(deployments));
	}

	private static ModelGroup group(Deployment... deployments) {
		return group(RoutingStrategy.USAGE_BASED, deployments);
	}

	private Admission admit(ModelGroup group, long tokens) {
		return this.store.admit(group, tokens, Set.of());
	}

	/** The deployment a call goes to when the admission's random point is {@code point}. */
	private String chosen(ModelGroup group, long tokens, double point) {
		return chosen(group, tokens, point, null);
	}

	private String chosen(ModelGroup group, long tokens, double point, double[] scores) {
		this.random.next(point);
		return this.store.admit(group, tokens, Set.of(), scores).reservation().deployment().id();
	}

	private void reconcile(Reservation reservation, long tokens) {
		this.store.reconcile(reservation, tokens);
		settled();
	}

	private void release(Reservation reservation) {
		this.store.release(reservation);
		settled();
	}

	// ---- admission under rpm and tpm, over a sliding window

	@Test
	void admitsUpToTheRpmThenWaitsUntilTheOldestRequestLeavesTheWindow() {
		ModelGroup group = group(deployment("a", 2L, null));
		assertThat(admit(group, 10).isAdmitted()).isTrue();
		this.clock.setSecond(1_020);
		assertThat(admit(group, 10).isAdmitted()).isTrue();
		this.clock.setSecond(1_050);
		Admission third = admit(group, 10);
		assertThat(third.isAdmitted()).isFalse();
		// the first request (second 1000) leaves the window when second 1061 begins
		assertThat(third.retryAfter()).contains(Duration.ofSeconds(11));
		assertThat(third.reason())
			.isEqualTo("all 1 deployments are at their rpm or tpm limit in the current 60 s window");
	}

	@Test
	void tpmCountsReservedTokensAndACallMayUseItExactly() {
		ModelGroup group = group(deployment("a", null, 1_000L));
		assertThat(admit(group, 600).isAdmitted()).isTrue();
		assertThat(admit(group, 400).isAdmitted()).isTrue();
		this.clock.setSecond(1_000.25);
		Admission rejected = admit(group, 1);
		assertThat(rejected.isAdmitted()).isFalse();
		assertThat(rejected.retryAfter()).contains(Duration.ofMillis(60_750));
	}

	@Test
	void theWaitIsUntilEnoughOfTheWindowHasLeftItToTheMillisecond() {
		ModelGroup group = group(deployment("a", null, 1_000L));
		admit(group, 600);
		this.clock.setSecond(1_030);
		admit(group, 300);
		this.clock.setSecond(1_040.25);
		// 500 more need 400 freed: second 1000 (600 tokens) leaves at 1061
		assertThat(admit(group, 500).retryAfter()).contains(Duration.ofMillis(20_750));
		// 800 more need 700 freed: seconds 1000 and 1030, the later leaving at 1091
		assertThat(admit(group, 800).retryAfter()).contains(Duration.ofMillis(50_750));
	}

	@Test
	void aCallCountsForSixtyToSixtyOneSeconds() {
		ModelGroup group = group(deployment("a", 1L, null));
		this.clock.setSecond(1_000.999);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		// 60 s later it still counts, for 1 ms more
		this.clock.setSecond(1_060.999);
		assertThat(admit(group, 1).retryAfter()).contains(Duration.ofMillis(1));
		this.clock.setSecond(1_061);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		// made at the very start of second 1061, it counts until 1122 begins: 61 s
		this.clock.setSecond(1_061.001);
		assertThat(admit(group, 1).retryAfter()).contains(Duration.ofMillis(60_999));
		this.clock.setSecond(1_121.999);
		assertThat(admit(group, 1).retryAfter()).contains(Duration.ofMillis(1));
		this.clock.setSecond(1_122);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
	}

	@Test
	void theWindowSlidesRatherThanResettingAtMinuteEdges() {
		// two calls late in one calendar minute, then calls just after the minute edge
		ModelGroup group = group(deployment("a", 2L, null));
		this.clock.setSecond(1_079.5);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		// a fixed-minute counter resets at second 1080 and would admit two more here
		this.clock.setSecond(1_080.5);
		assertThat(admit(group, 1).isAdmitted()).isFalse();
		// 59.9 s after them, still inside their window
		this.clock.setSecond(1_139.4);
		assertThat(admit(group, 1).isAdmitted()).isFalse();
		// free again once second 1140 begins
		this.clock.setSecond(1_140);
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		assertThat(admit(group, 1).isAdmitted()).isTrue();
		assertThat(admit(group, 1).isAdmitted()).isFalse();
	}

	@Test
	void neverAdmitsMoreThanTheLimitInAnySixtySecondSpan() {
		ModelGroup group = group(deployment("a", 10L, null));
		List<Long> admittedAt = new ArrayList<>();
		for (int step = 0; step < 1_500; step++) {
			this.clock.advance(Duration.ofMillis(97));
			if (admit(group, 1).isAdmitted()) {
				admittedAt.add(this.clock.millis());
			}
		}
		for (int i = 0; i + 10 < admittedAt.size(); i++) {
			// the 11th admission after any admission comes at least 60 s later
			assertThat(admittedAt.get(i + 10) - admittedAt.get(i)).isGreaterThanOrEqualTo(60_000);
		}
		// 145.5 s: ten right away, ten when second 1000 has left (1061), ten at 1122
		assertThat(admittedAt).hasSize(30);
	}

	@Test
	void aLongIdleGapEmptiesTheWindow() {
		Deployment a = deployment("a", 2L, null);
		ModelGroup group = group(a);
		admit(group, 7);
		admit(group, 7);
		this.clock.setSecond(1_500);
		assertThat(admit(group, 3).isAdmitted()).isTrue();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 3, 3));
	}

	@Test
	void aDeploymentNeverUsedHasNoUsage() {
		assertThat(this.store.usage(unlimited("a"))).isEqualTo(WindowUsage.NONE);
	}

	// ---- priority tiers

	@Test
	void aHigherTierTakesTrafficOnlyWhenEveryLowerOneIsFull() {
		Deployment payg = unlimited("payg").withOrder(2);
		Deployment unordered = unlimited("other");
		Deployment ptu = deployment("ptu", 2L, null).withOrder(1);
		ModelGroup group = group(payg, unordered, ptu);
		assertThat(chosen(group, 1, 0.99)).isEqualTo("ptu");
		assertThat(chosen(group, 1, 0.0)).isEqualTo("ptu");
		// the provisioned tier is full: pay-as-you-go, never the unordered one
		for (double point : new double[] { 0.0, 0.5, 0.99 }) {
			assertThat(chosen(group, 1, point)).isEqualTo("payg");
		}
	}

	@Test
	void aTierCoolingDownPassesItsTrafficToTheNextUntilItComesBack() {
		Deployment first = unlimited("first").withOrder(1);
		Deployment second = unlimited("second").withOrder(2);
		ModelGroup group = group(second, first);
		this.store.coolDown(first, Duration.ofSeconds(5), Cooldown.Reason.RATE_LIMITED);
		assertThat(chosen(group, 1, 0.0)).isEqualTo("second");
		this.clock.setSecond(1_005);
		assertThat(chosen(group, 1, 0.99)).isEqualTo("first");
	}

	// ---- each strategy's choice, from the admission's one random point

	@Test
	void usageBasedBreaksATieByThePointOverTheTiedInGroupOrder() {
		ModelGroup group = group(unlimited("a"), unlimited("b"), unlimited("c"));
		// calls of no tokens leave all three tied at zero
		assertThat(chosen(group, 0, 0.0)).isEqualTo("a");
		assertThat(chosen(group, 0, 0.33)).isEqualTo("a");
		assertThat(chosen(group, 0, 0.34)).isEqualTo("b");
		assertThat(chosen(group, 0, 0.67)).isEqualTo("c");
		assertThat(chosen(group, 0, 0.99)).isEqualTo("c");
		// b takes 100 tokens: a and c stay tied, the point chooses over the two of them
		assertThat(chosen(group, 100, 0.5)).isEqualTo("b");
		assertThat(chosen(group, 0, 0.49)).isEqualTo("a");
		assertThat(chosen(group, 0, 0.5)).isEqualTo("c");
	}

	@Test
	void usageBasedTakesTheFewestTokensWhateverThePoint() {
		Deployment a = unlimited("a");
		Deployment b = unlimited("b");
		Deployment c = unlimited("c");
		ModelGroup group = group(a, b, c);
		this.random.next(0.0);
		reconcile(admit(group, 0).reservation(), 500);
		this.random.next(0.0);
		reconcile(admit(group, 0).reservation(), 100);
		this.random.next(0.0);
		reconcile(admit(group, 0).reservation(), 300);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 500, 0));
		assertThat(this.store.usage(b)).isEqualTo(new WindowUsage(1, 100, 0));
		assertThat(this.store.usage(c)).isEqualTo(new WindowUsage(1, 300, 0));
		for (double point : new double[] { 0.0, 0.99 }) {
			this.random.next(point);
			Reservation next = admit(group, 10).reservation();
			assertThat(next.deployment()).isEqualTo(b);
			release(next);
		}
		// once b has 350 tokens, counting a call in flight, c has the fewest
		assertThat(chosen(group, 250, 0.0)).isEqualTo("b");
		assertThat(chosen(group, 10, 0.0)).isEqualTo("c");
	}

	@Test
	void scoreStrategiesTakeTheLowestScoreAndBreakTiesByThePoint() {
		ModelGroup leastBusy = group(RoutingStrategy.LEAST_BUSY, unlimited("x"), unlimited("y"), unlimited("z"));
		double[] scores = { 4, 1, 1 };
		assertThat(chosen(leastBusy, 1, 0.0, scores)).isEqualTo("y");
		assertThat(chosen(leastBusy, 1, 0.49, scores)).isEqualTo("y");
		assertThat(chosen(leastBusy, 1, 0.5, scores)).isEqualTo("z");
		// tokens do not count: y has used the most
		assertThat(chosen(leastBusy, 1_000, 0.0, scores)).isEqualTo("y");
		assertThat(chosen(leastBusy, 1, 0.0, scores)).isEqualTo("y");
		ModelGroup latency = group(RoutingStrategy.LATENCY_BASED, unlimited("x"), unlimited("y"), unlimited("z"));
		double[] latencies = { 3.5, 0.25, 7 };
		assertThat(chosen(latency, 1, 0.0, latencies)).isEqualTo("y");
		assertThat(chosen(latency, 1, 0.99, latencies)).isEqualTo("y");
	}

	@Test
	void aScoreStrategyWithoutScoresTakesTheFewestTokens() {
		ModelGroup group = group(RoutingStrategy.LEAST_BUSY, unlimited("x"), unlimited("y"), unlimited("z"));
		assertThat(chosen(group, 100, 0.0)).isEqualTo("x");
		assertThat(chosen(group, 1, 0.0)).isEqualTo("y");
		assertThat(chosen(group, 1, 0.99)).isEqualTo("z");
	}

	@Test
	void simpleShuffleWalksTheWeightsWithThePoint() {
		ModelGroup group = group(RoutingStrategy.SIMPLE_SHUFFLE, unlimited("a").withWeight(1),
				unlimited("b").withWeight(3));
		// the point times the sum of weights (4): [0, 1) is a, [1, 4) is b
		assertThat(chosen(group, 1, 0.0)).isEqualTo("a");
		assertThat(chosen(group, 1, 0.2)).isEqualTo("a");
		assertThat(chosen(group, 1, 0.25)).isEqualTo("b");
		assertThat(chosen(group, 1, 0.99)).isEqualTo("b");
	}

	@Test
	void simpleShuffleWalksOnlyTheDeploymentsThatFit() {
		ModelGroup group = group(RoutingStrategy.SIMPLE_SHUFFLE, unlimited("light").withWeight(1),
				deployment("heavy", 1L, null).withWeight(3));
		assertThat(chosen(group, 1, 0.3)).isEqualTo("heavy");
		// heavy is at its rpm: every point lands on light
		assertThat(chosen(group, 1, 0.3)).isEqualTo("light");
		assertThat(chosen(group, 1, 0.99)).isEqualTo("light");
	}

	@Test
	void simpleShuffleWeighsByRpmWhenNoWeightIsSetAndStillHonoursLimits() {
		Deployment a = deployment("a", 10L, null);
		Deployment b = deployment("b", 40L, null);
		ModelGroup group = group(RoutingStrategy.SIMPLE_SHUFFLE, a, b);
		// weights 10 and 40: [0, 0.2) is a
		assertThat(chosen(group, 1, 0.19)).isEqualTo("a");
		assertThat(chosen(group, 1, 0.2)).isEqualTo("b");
		int admitted = 2;
		while (admit(group, 1).isAdmitted()) {
			admitted++;
		}
		assertThat(admitted).isEqualTo(50);
		assertThat(this.store.usage(a).requests()).isEqualTo(10);
		assertThat(this.store.usage(b).requests()).isEqualTo(40);
	}

	@Test
	void everyAdmissionDrawsExactlyOnePoint() {
		ModelGroup group = group(deployment("a", 1L, 100L), deployment("b", 1L, 100L));
		admit(group, 10);
		admit(group, 10);
		admit(group, 10);
		admit(group, 1_000);
		this.store.admit(group, 10, Set.of("a", "b"));
		assertThat(this.random.draws()).isEqualTo(5);
	}

	// ---- cooldowns

	@Test
	void aDeploymentCoolingDownIsSkipped() {
		Deployment a = unlimited("a");
		ModelGroup group = group(a, unlimited("b"));
		this.store.coolDown(a, Duration.ofSeconds(30), Cooldown.Reason.FAILURES);
		for (double point : new double[] { 0.0, 0.5, 0.99 }) {
			assertThat(chosen(group, 10, point)).isEqualTo("b");
		}
		assertThat(this.store.cooldownRemaining(a)).isEqualTo(Duration.ofSeconds(30));
		assertThat(this.store.cooldownRemaining(group.deployments().get(1))).isZero();
	}

	@Test
	void aCooldownSaysHowLongItLastsAndWhy() {
		Deployment limited = unlimited("limited");
		Deployment failing = unlimited("failing");
		Deployment misconfigured = unlimited("misconfigured");
		Deployment healthy = unlimited("healthy");
		this.store.coolDown(limited, Duration.ofSeconds(30), Cooldown.Reason.RATE_LIMITED);
		this.store.coolDown(failing, Duration.ofSeconds(5), Cooldown.Reason.FAILURES);
		this.store.coolDown(misconfigured, Duration.ofMinutes(10), Cooldown.Reason.MISCONFIGURED);
		this.clock.setSecond(1_000.25);
		assertThat(this.store.cooldown(limited))
			.isEqualTo(new Cooldown(Duration.ofMillis(29_750), Cooldown.Reason.RATE_LIMITED));
		assertThat(this.store.cooldown(failing))
			.isEqualTo(new Cooldown(Duration.ofMillis(4_750), Cooldown.Reason.FAILURES));
		assertThat(this.store.cooldown(misconfigured))
			.isEqualTo(new Cooldown(Duration.ofMillis(599_750), Cooldown.Reason.MISCONFIGURED));
		assertThat(this.store.cooldown(healthy)).isEqualTo(Cooldown.NONE);
		// over, the reason goes with it
		this.clock.setSecond(1_005);
		assertThat(this.store.cooldown(failing)).isEqualTo(Cooldown.NONE);
		assertThat(this.store.cooldown(failing).isActive()).isFalse();
		assertThat(this.store.cooldownRemaining(failing)).isZero();
		assertThat(this.store.cooldown(limited).reason()).isEqualTo(Cooldown.Reason.RATE_LIMITED);
	}

	@Test
	void whenEveryDeploymentIsCoolingDownTheWaitIsUntilTheFirstComesBack() {
		Deployment a = unlimited("a");
		Deployment b = unlimited("b");
		ModelGroup group = group(a, b);
		this.store.coolDown(a, Duration.ofSeconds(30), Cooldown.Reason.RATE_LIMITED);
		this.store.coolDown(b, Duration.ofSeconds(12), Cooldown.Reason.FAILURES);
		this.clock.setSecond(1_000.5);
		Admission rejected = admit(group, 10);
		assertThat(rejected.isAdmitted()).isFalse();
		assertThat(rejected.retryAfter()).contains(Duration.ofMillis(11_500));
		assertThat(rejected.reason()).isEqualTo("all 2 deployments are cooling down after failures");
		this.clock.setSecond(1_012);
		assertThat(chosen(group, 10, 0.0)).isEqualTo("b");
	}

	@Test
	void someAtTheirLimitsAndSomeCoolingDownWaitForTheFirstThatCanTakeTheCall() {
		Deployment full = deployment("full", 1L, null);
		Deployment cooling = unlimited("cooling");
		ModelGroup group = group(full, cooling);
		assertThat(chosen(group, 1, 0.0)).isEqualTo("full");
		this.store.coolDown(cooling, Duration.ofSeconds(30), Cooldown.Reason.FAILURES);
		this.clock.setSecond(1_010);
		Admission rejected = admit(group, 1);
		// full frees up at 1061, cooling at 1030
		assertThat(rejected.retryAfter()).contains(Duration.ofSeconds(20));
		assertThat(rejected.reason()).isEqualTo("1 deployment is at the rpm or tpm limit of the current 60 s window"
				+ " and 1 is cooling down after failures");
	}

	@Test
	void whenEveryDeploymentIsMisconfiguredTheRefusalSaysSo() {
		Deployment a = unlimited("a");
		Deployment b = unlimited("b");
		ModelGroup group = group(a, b);
		this.store.coolDown(a, Duration.ofSeconds(60), Cooldown.Reason.MISCONFIGURED);
		this.store.coolDown(b, Duration.ofSeconds(30), Cooldown.Reason.MISCONFIGURED);
		Admission rejected = admit(group, 10);
		assertThat(rejected.isEveryDeploymentMisconfigured()).isTrue();
		assertThat(rejected.retryAfter()).contains(Duration.ofSeconds(30));
		assertThat(rejected.reason()).isEqualTo("all 2 deployments are misconfigured (they answered 401, 403 or 404: "
				+ "a wrong key, a missing role assignment or a deployment that does not exist)");
	}

	@Test
	void aMisconfiguredDeploymentBesideOthersAtTheirLimitsIsNamedInTheRefusal() {
		Deployment full = deployment("full", 1L, null);
		Deployment broken = unlimited("broken");
		Deployment failing = unlimited("failing");
		ModelGroup group = group(full, broken, failing);
		this.store.coolDown(broken, Duration.ofSeconds(60), Cooldown.Reason.MISCONFIGURED);
		this.store.coolDown(failing, Duration.ofSeconds(5), Cooldown.Reason.FAILURES);
		assertThat(chosen(group, 1, 0.0)).isEqualTo("full");
		Admission rejected = admit(group, 1);
		assertThat(rejected.isEveryDeploymentMisconfigured()).isFalse();
		assertThat(rejected.retryAfter()).contains(Duration.ofSeconds(5));
		assertThat(rejected.reason()).isEqualTo("of 3 deployments, 1 at the rpm or tpm limit of the current 60 s "
				+ "window, 1 cooling down after failures, 1 misconfigured (they answered 401, 403 or 404)");
	}

	@Test
	void aDeploymentAtItsLimitAndCoolingDownWaitsForBoth() {
		Deployment a = deployment("a", 1L, null);
		ModelGroup group = group(a);
		admit(group, 1);
		this.store.coolDown(a, Duration.ofSeconds(70), Cooldown.Reason.RATE_LIMITED);
		Admission rejected = admit(group, 1);
		assertThat(rejected.retryAfter()).contains(Duration.ofSeconds(70));
		assertThat(rejected.reason()).isEqualTo("all 1 deployments are cooling down after failures");
	}

	@Test
	void aCooldownIsNeverShortenedByALaterShorterOneWhichKeepsItsReason() {
		Deployment a = unlimited("a");
		ModelGroup group = group(a);
		this.store.coolDown(a, Duration.ofSeconds(30), Cooldown.Reason.MISCONFIGURED);
		this.store.coolDown(a, Duration.ofSeconds(1), Cooldown.Reason.RATE_LIMITED);
		assertThat(this.store.cooldown(a))
			.isEqualTo(new Cooldown(Duration.ofSeconds(30), Cooldown.Reason.MISCONFIGURED));
		// one that ends at the same time changes nothing either
		this.clock.setSecond(1_010);
		this.store.coolDown(a, Duration.ofSeconds(20), Cooldown.Reason.FAILURES);
		assertThat(this.store.cooldown(a))
			.isEqualTo(new Cooldown(Duration.ofSeconds(20), Cooldown.Reason.MISCONFIGURED));
		// a longer one wins, with its reason
		this.store.coolDown(a, Duration.ofSeconds(60), Cooldown.Reason.RATE_LIMITED);
		assertThat(this.store.cooldown(a))
			.isEqualTo(new Cooldown(Duration.ofSeconds(60), Cooldown.Reason.RATE_LIMITED));
		this.clock.setSecond(1_069.999);
		assertThat(this.store.cooldown(a))
			.isEqualTo(new Cooldown(Duration.ofMillis(1), Cooldown.Reason.RATE_LIMITED));
		assertThat(admit(group, 1).isAdmitted()).isFalse();
		this.clock.setSecond(1_070);
		assertThat(this.store.cooldownRemaining(a)).isZero();
		assertThat(admit(group, 1).isAdmitted()).isTrue();
	}

	@Test
	void aZeroOrNegativeCooldownChangesNothing() {
		Deployment a = unlimited("a");
		Deployment b = unlimited("b");
		ModelGroup group = group(a, b);
		this.store.coolDown(a, Duration.ZERO, Cooldown.Reason.RATE_LIMITED);
		this.store.coolDown(a, Duration.ofSeconds(-5), Cooldown.Reason.FAILURES);
		assertThat(this.store.cooldown(a)).isEqualTo(Cooldown.NONE);
		assertThat(chosen(group, 1, 0.0)).isEqualTo("a");
		this.store.coolDown(b, Duration.ofSeconds(30), Cooldown.Reason.FAILURES);
		this.store.coolDown(b, Duration.ZERO, Cooldown.Reason.MISCONFIGURED);
		this.store.coolDown(b, Duration.ofMillis(-1), Cooldown.Reason.RATE_LIMITED);
		assertThat(this.store.cooldown(b)).isEqualTo(new Cooldown(Duration.ofSeconds(30), Cooldown.Reason.FAILURES));
	}

	// ---- settlement

	@Test
	void reconciliationCorrectsAnOverEstimate() {
		Deployment a = deployment("a", null, 1_500L);
		ModelGroup group = group(a);
		Reservation first = admit(group, 1_000).reservation();
		assertThat(admit(group, 1_000).isAdmitted()).isFalse();
		reconcile(first, 100);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 100, 0));
		assertThat(admit(group, 1_000).isAdmitted()).isTrue();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(2, 1_100, 1_000));
	}

	@Test
	void reconciliationCorrectsAnUnderEstimate() {
		Deployment a = deployment("a", null, 1_500L);
		ModelGroup group = group(a);
		reconcile(admit(group, 100).reservation(), 1_200);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 1_200, 0));
		assertThat(admit(group, 301).isAdmitted()).isFalse();
		assertThat(admit(group, 300).isAdmitted()).isTrue();
	}

	@Test
	void aReleaseGivesTheTokensBackButKeepsTheRequest() {
		Deployment a = deployment("a", 1L, null);
		ModelGroup group = group(a);
		release(admit(group, 500).reservation());
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 0, 0));
		assertThat(admit(group, 1).isAdmitted()).isFalse();
	}

	@Test
	void aReservationIsSettledOnlyOnce() {
		Deployment a = unlimited("a");
		ModelGroup group = group(a);
		Reservation reservation = admit(group, 500).reservation();
		release(reservation);
		release(reservation);
		reconcile(reservation, 9_999);
		assertThat(reservation.isSettled()).isTrue();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 0, 0));
	}

	@Test
	void aReservationIsCorrectedInItsOwnSlotWhichLeavesTheWindowWithIt() {
		Deployment a = unlimited("a");
		ModelGroup group = group(a);
		Reservation early = admit(group, 100).reservation();
		this.clock.setSecond(1_030);
		Reservation late = admit(group, 50).reservation();
		reconcile(early, 10);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(2, 60, 50));
		this.clock.setSecond(1_061);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 50, 50));
		reconcile(late, 20);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 20, 0));
	}

	@Test
	void settlingAfterTheSlotLeftTheWindowChangesNoUsage() {
		Deployment a = unlimited("a");
		ModelGroup group = group(a);
		Reservation old = admit(group, 500).reservation();
		this.clock.setSecond(1_070);
		Reservation recent = admit(group, 40).reservation();
		// the old call's estimate left the window with its slot; the recent one's is pending
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 40, 40));
		reconcile(old, 100_000);
		// nor what is pending: the old call's estimate left with its slot, the recent one's stays
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 40, 40));
		reconcile(recent, 60);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 60, 0));
	}

	@Test
	void nothingIsPendingOnceEveryReservationIsSettled() {
		Deployment a = unlimited("a");
		ModelGroup group = group(a);
		Reservation first = admit(group, 100).reservation();
		this.clock.setSecond(1_001);
		Reservation second = admit(group, 100).reservation();
		Reservation third = admit(group, 100).reservation();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(3, 300, 300));
		reconcile(second, 30);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(3, 230, 200));
		release(first);
		reconcile(third, 170);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(3, 200, 0));
	}

	@Test
	void aReservationNeverSettledStopsBeingPendingWhenItsSlotLeavesTheWindow() {
		Deployment a = deployment("a", null, 100_000L);
		ModelGroup group = group(a);
		// never settled: its settlement was lost, or its instance stopped before the call ended
		admit(group, 30_000);
		this.clock.setSecond(1_030);
		reconcile(admit(group, 1_000).reservation(), 1_000);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(2, 31_000, 30_000));
		this.clock.setSecond(1_061);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 1_000, 0));
		// the provider counts the same 1,000 tokens: calibration has nothing to add
		this.store.calibrate(a, null, 99_000L);
		settled();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 1_000, 0));
	}

	// ---- calibration from provider headers

	@Test
	void calibrationRaisesTheWindowToWhatTheProviderSaysRemainsCountingSettledUsage() {
		Deployment a = deployment("a", 100L, 10_000L);
		ModelGroup group = group(a);
		Reservation call = admit(group, 264).reservation();
		// while the call is in flight the provider says 90 requests and 300 tokens remain;
		// its 264 estimated tokens are not what the provider counted yet
		this.clock.setSecond(1_000.1);
		this.store.calibrate(a, 90L, 300L);
		settled();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(10, 9_964, 264));
		reconcile(call, 15);
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(10, 9_715, 0));
		assertThat(admit(group, 286).isAdmitted()).isFalse();
		assertThat(admit(group, 285).isAdmitted()).isTrue();
	}

	@Test
	void aLostReservationInflatesCalibrationOnlyWhileItsSlotIsInTheWindow() {
		Deployment a = deployment("a", null, 100_000L);
		ModelGroup group = group(a);
		// a reservation of 30,000 tokens whose settlement is lost
		admit(group, 30_000);
		this.clock.setSecond(1_030);
		reconcile(admit(group, 30_000).reservation(), 30_000);
		// the lost reservation has left the window; the provider counts the call of second
		// 1030 and 6,100 tokens of other applications
		this.clock.setSecond(1_061);
		this.store.calibrate(a, null, 63_900L);
		settled();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 36_100, 0));
		// the call has left both windows: the provider counts the 6,100 tokens alone, and so
		// does the window (not 36,100: the lost 30,000 held as pending under it for good)
		this.clock.setSecond(1_091);
		this.store.calibrate(a, null, 93_900L);
		settled();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(0, 6_100, 0));
		assertThat(admit(group, 93_900).isAdmitted()).isTrue();
	}

	@Test
	void calibrationNeverLowersTheWindow() {
		Deployment a = deployment("a", 100L, 10_000L);
		ModelGroup group = group(a);
		reconcile(admit(group, 100).reservation(), 400);
		this.store.calibrate(a, 99L, 9_999L);
		this.store.calibrate(a, 100L, 10_000L);
		settled();
		assertThat(this.store.usage(a)).isEqualTo(new WindowUsage(1, 400, 0));
	}

	@Test
	void calibrationHasNoEffectOnALimitNotConfiguredOrACountNotReported() {
		Deployment rpmOnly = deployment("rpm-only", 100L, null);
		Deployment tpmOnly = deployment("tpm-only", null, 1_000L);
		this.store.calibrate(rpmOnly, 40L, 10L);
		this.store.calibrate(tpmOnly, 0L, null);
		settled();
		assertThat(this.store.usage(rpmOnly)).isEqualTo(new WindowUsage(60, 0, 0));
		assertThat(this.store.usage(tpmOnly)).isEqualTo(WindowUsage.NONE);
		this.store.calibrate(tpmOnly, null, 250L);
		settled();
		assertThat(this.store.usage(tpmOnly)).isEqualTo(new WindowUsage(0, 750, 0));
	}

	// ---- refusals

	@Test
	void aCallLargerThanEveryTpmLimitIsRefusedWithNoRetryTime() {
		ModelGroup group = group(deployment("a", null, 1_000L), deployment("b", null, 2_000L));
		Admission rejected = admit(group, 2_001);
		assertThat(rejected.isAdmitted()).isFalse();
		assertThat(rejected.retryAfter()).isEmpty();
		assertThat(rejected.reason())
			.isEqualTo("the call's estimated 2001 tokens exceed the tpm limit of every deployment");
		assertThat(chosen(group, 1_500, 0.0)).isEqualTo("b");
	}

	@Test
	void excludedDeploymentsAreNeverChosen() {
		Deployment a = unlimited("a");
		Deployment b = unlimited("b");
		ModelGroup group = group(a, b);
		this.random.next(0.0);
		assertThat(this.store.admit(group, 10, Set.of("a")).reservation().deployment()).isEqualTo(b);
		Admission excluded = this.store.admit(group, 10, Set.of("a", "b"));
		assertThat(excluded.isAdmitted()).isFalse();
		assertThat(excluded.retryAfter()).isEmpty();
		assertThat(excluded.reason()).isEqualTo("every deployment was excluded");
		assertThat(this.store.usage(a)).isEqualTo(WindowUsage.NONE);
	}

	@Test
	void concurrentCallersNeverOverAdmit() throws Exception {
		ModelGroup group = group(deployment("a", 50L, 10_000L), deployment("b", 50L, 10_000L),
				deployment("c", 50L, 10_000L));
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
			assertThat(pool.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
		}
		// tpm allows 142 calls of 70 tokens per deployment, rpm 50: rpm binds
		assertThat(admitted.get()).isEqualTo(150);
		for (Deployment deployment : group.deployments()) {
			assertThat(this.store.usage(deployment)).isEqualTo(new WindowUsage(50, 3_500, 3_500));
		}
		assertThat(this.random.draws()).isEqualTo(1_600);
	}

	/**
	 * Random points the test chooses, one per {@link #nextDouble()}, then 0.5; any other use
	 * fails, so a store that draws anything else is caught.
	 */
	protected static final class ScriptedRandom implements RandomGenerator {

		private final Queue<Double> points = new ArrayDeque<>();

		private int draws;

		/**
		 * The point of the next admission.
		 * @param point in [0, 1)
		 */
		public synchronized void next(double point) {
			this.points.add(point);
		}

		/**
		 * Points drawn so far.
		 * @return the count
		 */
		public synchronized int draws() {
			return this.draws;
		}

		@Override
		public synchronized double nextDouble() {
			this.draws++;
			Double point = this.points.poll();
			return (point != null) ? point : 0.5;
		}

		@Override
		public long nextLong() {
			throw new UnsupportedOperationException("a store draws one point per admission with nextDouble()");
		}

	}

}
