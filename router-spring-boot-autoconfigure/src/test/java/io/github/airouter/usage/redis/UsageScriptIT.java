package io.github.airouter.usage.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage Lua script alone, against a real Redis, with explicit timestamps.
 */
class UsageScriptIT {

	private static final String PREFIX = "test:";

	private static final long TTL = 120_000;

	private static TestRedis redis;

	private static LettuceConnectionFactory connectionFactory;

	private static UsageScript script;

	@BeforeAll
	static void startRedis() {
		redis = TestRedis.start();
		connectionFactory = redis.connectionFactory();
		script = new UsageScript(connectionFactory, Duration.ofSeconds(2));
	}

	@AfterAll
	static void stopRedis() {
		connectionFactory.destroy();
		redis.close();
	}

	@BeforeEach
	void flush() {
		redis.flushAll();
	}

	private static String usageKey(String id) {
		return PREFIX + "{gpt-4o}:usage:" + id;
	}

	private static String cooldownKey(String id) {
		return PREFIX + "{gpt-4o}:cooldown:" + id;
	}

	/** A candidate: id, rpm, tpm (-1 unlimited), weight, order, score. */
	private record Candidate(String id, long rpm, long tpm, double weight, int order, double score) {

		Candidate(String id, long rpm, long tpm, double weight) {
			this(id, rpm, tpm, weight, Integer.MAX_VALUE, 0);
		}

	}

	private static Candidate candidate(String id, long rpm, long tpm) {
		return new Candidate(id, rpm, tpm, 1);
	}

	private static List<Long> admit(long nowMillis, long tokens, String strategy, double point,
			Candidate... candidates) {
		int n = candidates.length;
		byte[][] keys = new byte[2 * n][];
		List<byte[]> args = new ArrayList<>(List.of(bytes("admit"), bytes(Long.toString(nowMillis)),
				bytes(Long.toString(TTL)), bytes(Long.toString(tokens)), bytes(strategy), bytes(Double.toString(point))));
		for (int i = 0; i < n; i++) {
			keys[i] = bytes(usageKey(candidates[i].id()));
			keys[n + i] = bytes(cooldownKey(candidates[i].id()));
			args.add(bytes(Long.toString(candidates[i].rpm())));
			args.add(bytes(Long.toString(candidates[i].tpm())));
			args.add(bytes(Double.toString(candidates[i].weight())));
			args.add(bytes(Integer.toString(candidates[i].order())));
			args.add(bytes(Double.toString(candidates[i].score())));
		}
		List<?> answer = (List<?>) script.run(true, keys, args.toArray(byte[][]::new));
		return answer.stream().map((value) -> ((Number) value).longValue()).toList();
	}

	private static long settle(long nowMillis, String id, long slotSecond, long delta) {
		return settle(nowMillis, id, slotSecond, delta, 0);
	}

	private static long settle(long nowMillis, String id, long slotSecond, long delta, long reserved) {
		return ((Number) script.run(false, new byte[][] { bytes(usageKey(id)) },
				new byte[][] { bytes("settle"), bytes(Long.toString(nowMillis)), bytes(Long.toString(TTL)),
						bytes(Long.toString(slotSecond)), bytes(Long.toString(delta)), bytes(Long.toString(reserved)) }))
			.longValue();
	}

	private static List<Long> usage(long nowMillis, String id) {
		List<?> answer = (List<?>) script.run(true, new byte[][] { bytes(usageKey(id)) },
				new byte[][] { bytes("usage"), bytes(Long.toString(nowMillis)), bytes(Long.toString(TTL)) });
		return answer.stream().map((value) -> ((Number) value).longValue()).toList();
	}

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	@Test
	void admissionReservesTheRequestAndTokensInTheCurrentSecondsSlot() {
		List<Long> answer = admit(1_000_500, 300, "usage", 0.0, candidate("a", 10, 1_000));
		assertThat(answer).containsExactly(1L, 1L, 1_000L);
		Map<String, String> hash = redis.commands((c) -> c.hgetall(usageKey("a")));
		long slot = 1_000 % 61;
		assertThat(hash).containsEntry("r" + slot, "1")
			.containsEntry("t" + slot, "300")
			.containsEntry("rq", "1")
			.containsEntry("tk", "300")
			.containsEntry("cur", "1000");
		assertThat(usage(1_000_900, "a")).containsExactly(1L, 300L);
	}

	@Test
	void everyKeyWrittenHasATtl() {
		admit(1_000_000, 10, "usage", 0.0, candidate("a", 10, -1));
		settle(1_000_100, "a", 1_000, 5);
		long ttl = redis.commands((c) -> c.pttl(usageKey("a")));
		assertThat(ttl).isPositive().isLessThanOrEqualTo(TTL);
		List<String> keys = redis.commands((c) -> c.keys("*"));
		assertThat(keys).isNotEmpty();
		for (String key : keys) {
			long keyTtl = redis.commands((c) -> c.pttl(key));
			assertThat(keyTtl).as(key).isPositive();
		}
	}

	@Test
	void rpmHoldsOverASlidingWindowAndTheWaitIsUntilTheOldestSecondLeavesIt() {
		Candidate a = candidate("a", 2, -1);
		assertThat(admit(1_000_500, 1, "usage", 0, a).get(0)).isEqualTo(1);
		assertThat(admit(1_030_000, 1, "usage", 0, a).get(0)).isEqualTo(1);
		// second 1000 is counted until second 1061 begins
		assertThat(admit(1_060_900, 1, "usage", 0, a)).containsExactly(0L, 100L, 0L);
		assertThat(admit(1_061_000, 1, "usage", 0, a)).containsExactly(1L, 1L, 1_061L);
		assertThat(admit(1_061_001, 1, "usage", 0, a)).containsExactly(0L, 29_999L, 0L);
		assertThat(usage(1_061_002, "a")).containsExactly(2L, 2L);
	}

	@Test
	void aLongIdleGapEmptiesTheWindow() {
		Candidate a = candidate("a", 2, -1);
		admit(1_000_000, 7, "usage", 0, a);
		admit(1_000_000, 7, "usage", 0, a);
		assertThat(admit(1_500_000, 3, "usage", 0, a).get(0)).isEqualTo(1);
		assertThat(usage(1_500_000, "a")).containsExactly(1L, 3L);
	}

	@Test
	void tpmCountsReservedTokensAndACallLargerThanEveryLimitNeverFits() {
		Candidate a = candidate("a", -1, 1_000);
		Candidate b = candidate("b", -1, 500);
		assertThat(admit(1_000_000, 600, "usage", 0, a, b)).containsExactly(1L, 1L, 1_000L);
		assertThat(admit(1_000_000, 450, "usage", 0, a, b)).containsExactly(1L, 2L, 1_000L);
		assertThat(admit(1_005_000, 450, "usage", 0, a, b)).containsExactly(0L, 56_000L, 0L);
		assertThat(admit(1_005_000, 1_001, "usage", 0, a, b)).containsExactly(0L, -1L, 0L);
	}

	@Test
	void theLeastUsedDeploymentIsChosenAndTiesFollowTheRandomPoint() {
		Candidate a = candidate("a", -1, -1);
		Candidate b = candidate("b", -1, -1);
		Candidate c = candidate("c", -1, -1);
		// all tied at zero: the point picks among them
		assertThat(admit(1_000_000, 0, "usage", 0.0, a, b, c).get(1)).isEqualTo(1);
		assertThat(admit(1_000_000, 0, "usage", 0.5, a, b, c).get(1)).isEqualTo(2);
		assertThat(admit(1_000_000, 0, "usage", 0.99, a, b, c).get(1)).isEqualTo(3);
		// a used 500, b 100, c 300: b is chosen whatever the point
		settle(1_000_000, "a", 1_000, 500);
		settle(1_000_000, "b", 1_000, 100);
		settle(1_000_000, "c", 1_000, 300);
		assertThat(admit(1_000_100, 10, "usage", 0.0, a, b, c).get(1)).isEqualTo(2);
		assertThat(admit(1_000_100, 10, "usage", 0.99, a, b, c).get(1)).isEqualTo(2);
	}

	@Test
	void shuffleFollowsTheWeightsAmongDeploymentsThatFit() {
		Candidate light = new Candidate("light", -1, -1, 1);
		Candidate heavy = new Candidate("heavy", 1, -1, 3);
		assertThat(admit(1_000_000, 1, "shuffle", 0.2, light, heavy).get(1)).isEqualTo(1);
		assertThat(admit(1_000_000, 1, "shuffle", 0.3, light, heavy).get(1)).isEqualTo(2);
		// heavy is now at its rpm: every point lands on light
		assertThat(admit(1_000_000, 1, "shuffle", 0.9, light, heavy).get(1)).isEqualTo(1);
	}

	@Test
	void aDeploymentWhoseCooldownKeyExistsIsSkipped() {
		redis.commands((c) -> c.psetex(cooldownKey("a"), 30_000, "1"));
		Candidate a = candidate("a", -1, -1);
		Candidate b = candidate("b", -1, -1);
		for (int i = 0; i < 5; i++) {
			assertThat(admit(1_000_000, 10, "usage", 0.0, a, b).get(1)).isEqualTo(2);
		}
	}

	@Test
	void whenEveryDeploymentIsCoolingDownTheWaitIsUntilTheFirstComesBack() {
		Candidate a = candidate("a", -1, -1);
		Candidate b = candidate("b", -1, -1);
		cool("a", 30_000);
		cool("b", 12_000);
		List<Long> answer = admit(1_000_000, 10, "usage", 0, a, b);
		assertThat(answer.get(0)).isZero();
		assertThat(answer.get(1)).isBetween(11_000L, 12_000L);
		assertThat(answer.get(2)).isEqualTo(2);
	}

	@Test
	void aCooldownIsNeverShortenedByALaterOne() {
		cool("a", 30_000);
		cool("a", 1_000);
		long left = redis.commands((c) -> c.pttl(cooldownKey("a")));
		assertThat(left).isGreaterThan(29_000);
		cool("a", 60_000);
		left = redis.commands((c) -> c.pttl(cooldownKey("a")));
		assertThat(left).isGreaterThan(59_000);
	}

	@Test
	void aHigherTierTakesTrafficOnlyWhenEveryLowerOneIsFull() {
		Candidate ptu = new Candidate("ptu", 2, -1, 1, 1, 0);
		Candidate payg = new Candidate("payg", -1, -1, 1, 2, 0);
		Candidate unordered = new Candidate("other", -1, -1, 1, Integer.MAX_VALUE, 0);
		assertThat(admit(1_000_000, 1, "usage", 0.99, payg, unordered, ptu).get(1)).isEqualTo(3);
		assertThat(admit(1_000_000, 1, "usage", 0.99, payg, unordered, ptu).get(1)).isEqualTo(3);
		// the provisioned tier is full: pay-as-you-go, never the unordered one
		for (int i = 0; i < 5; i++) {
			assertThat(admit(1_000_000, 1, "usage", 0.99, payg, unordered, ptu).get(1)).isEqualTo(1);
		}
	}

	@Test
	void theScoreStrategyPicksTheLowestScore() {
		Candidate busy = new Candidate("busy", -1, -1, 1, Integer.MAX_VALUE, 4);
		Candidate idle = new Candidate("idle", -1, -1, 1, Integer.MAX_VALUE, 1);
		assertThat(admit(1_000_000, 1, "score", 0.0, busy, idle).get(1)).isEqualTo(2);
		assertThat(admit(1_000_000, 1, "score", 0.99, busy, idle).get(1)).isEqualTo(2);
	}

	private static void cool(String id, long millis) {
		script.run(false, new byte[][] { bytes(cooldownKey(id)) }, new byte[][] { bytes("cool"), bytes("1000000"),
				bytes(Long.toString(TTL)), bytes(Long.toString(millis)) });
	}

	@Test
	void settlementReconcilesTheReservedSlotAndNeverGoesBelowZero() {
		Candidate a = candidate("a", -1, 1_000);
		admit(1_000_000, 900, "usage", 0, a);
		assertThat(admit(1_000_200, 200, "usage", 0, a).get(0)).isZero();
		assertThat(settle(1_000_300, "a", 1_000, -800)).isEqualTo(1);
		assertThat(usage(1_000_400, "a")).containsExactly(1L, 100L);
		assertThat(admit(1_000_500, 200, "usage", 0, a).get(0)).isEqualTo(1);
		settle(1_000_600, "a", 1_000, -10_000);
		assertThat(usage(1_000_700, "a")).containsExactly(2L, 0L);
	}

	@Test
	void calibrationFromProviderHeadersHoldsAfterTheCallIsSettled() {
		Candidate a = candidate("a", 100, 10_000);
		admit(1_000_000, 264, "usage", 0, a);
		// the provider says 300 tokens and 90 requests remain while the call is in flight
		script.run(false, new byte[][] { bytes(usageKey("a")) }, new byte[][] { bytes("calibrate"),
				bytes("1000100"), bytes(Long.toString(TTL)), bytes("100"), bytes("10000"), bytes("90"), bytes("300") });
		// the call reports 15 tokens: the estimate's 264 are replaced
		settle(1_000_200, "a", 1_000, 15 - 264, 264);
		List<Long> usage = usage(1_000_300, "a");
		assertThat(usage.get(0)).isEqualTo(10);
		// no more than the provider's 300 remain; the call's own 15 counted once more at most
		assertThat(10_000 - usage.get(1)).isBetween(285L, 300L);
		// a high remaining count never lowers the window
		script.run(false, new byte[][] { bytes(usageKey("a")) }, new byte[][] { bytes("calibrate"),
				bytes("1000400"), bytes(Long.toString(TTL)), bytes("100"), bytes("10000"), bytes("99"), bytes("9999") });
		assertThat(usage(1_000_500, "a")).isEqualTo(usage);
	}

	@Test
	void settlingASlotThatLeftTheWindowChangesNothing() {
		Candidate a = candidate("a", -1, -1);
		admit(1_000_000, 500, "usage", 0, a);
		admit(1_050_000, 40, "usage", 0, a);
		assertThat(settle(1_061_000, "a", 1_000, 5_000)).isZero();
		assertThat(usage(1_061_000, "a")).containsExactly(1L, 40L);
		assertThat(settle(1_061_000, "a", 1_050, 20)).isEqualTo(1);
		assertThat(usage(1_061_000, "a")).containsExactly(1L, 60L);
	}

	@Test
	void withoutAnExplicitTimeTheScriptReadsRedisTime() {
		byte[][] keys = { bytes(usageKey("a")), bytes(cooldownKey("a")) };
		byte[][] args = { bytes("admit"), new byte[0], bytes(Long.toString(TTL)), bytes("5"), bytes("usage"),
				bytes("0.0"), bytes("-1"), bytes("-1"), bytes("1.0"), bytes("1"), bytes("0") };
		List<?> answer = (List<?>) script.run(true, keys, args);
		long redisSecond = redis.commands((c) -> Long.parseLong(c.time().get(0)));
		assertThat(((Number) answer.get(0)).longValue()).isEqualTo(1);
		assertThat(((Number) answer.get(2)).longValue()).isBetween(redisSecond - 2, redisSecond);
	}

	@Test
	void aDecisionsKeysShareOneClusterSlotAndHoldNoSecret() {
		RedisUsageStore.Settings settings = RedisUsageStore.Settings.defaults();
		List<Deployment> deployments = List.of(Deployment.of("azure:eu.openai.azure.com/chat-eu", "gpt-4o", Limits.UNLIMITED),
				Deployment.of("openai:api.openai.com/gpt-4o", "gpt-4o", Limits.UNLIMITED));
		List<String> keys = new ArrayList<>();
		for (Deployment deployment : deployments) {
			keys.add(RedisUsageStore.usageKey(settings.keyPrefix(), deployment));
			keys.add(RedisUsageStore.cooldownKey(settings.keyPrefix(), deployment));
		}
		assertThat(keys).allSatisfy((key) -> assertThat(key).startsWith("router:{gpt-4o}:"));
		int slot = SlotHash.getSlot(keys.get(0));
		assertThat(keys).allSatisfy((key) -> assertThat(SlotHash.getSlot(key)).isEqualTo(slot));
	}

}
