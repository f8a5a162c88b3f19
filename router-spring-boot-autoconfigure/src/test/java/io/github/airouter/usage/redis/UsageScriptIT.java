package io.github.airouter.usage.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.autoconfigure.RouterAutoConfiguration;
import io.github.airouter.autoconfigure.RouterModelList;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.testsupport.TestRedis;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.WindowUsage;
import io.github.airouter.usage.redis.UsageScript.AdmitResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What only the Lua script and its Java owner do, against a real Redis: the layout of the
 * keys and values it writes, their TTLs and hash tags, Redis {@code TIME}, NOSCRIPT reloads,
 * and that nothing secret reaches Redis. What every store does is in
 * {@link RedisUsageStoreContractIT}.
 */
class UsageScriptIT {

	private static final long TTL = 120_000;

	private static TestRedis redis;

	private static LettuceConnectionFactory connectionFactory;

	private final MutableClock clock = MutableClock.atSecond(1_000);

	private final RedisUsageKeys keys = new RedisUsageKeys("test:");

	private final UsageScript script = new UsageScript(connectionFactory, this.keys, Duration.ofSeconds(5),
			Duration.ofMillis(TTL), this.clock);

	private final Deployment a = Deployment.of("a", "gpt-4o", new Limits(10L, 1_000L));

	private final Deployment b = Deployment.of("b", "gpt-4o", Limits.UNLIMITED);

	private final ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED, List.of(this.a, this.b));

	private final FakeProvider provider = new FakeProvider();

	@BeforeAll
	static void startRedis() {
		redis = TestRedis.start();
		connectionFactory = redis.connectionFactory();
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

	@AfterEach
	void closeProvider() throws IOException {
		this.provider.close();
	}

	private AdmitResult admit(long tokens, Deployment... candidates) {
		int[] indexes = new int[candidates.length];
		for (int i = 0; i < candidates.length; i++) {
			indexes[i] = this.group.deployments().indexOf(candidates[i]);
		}
		return this.script.admit(this.group, indexes, tokens, null, 0.0);
	}

	@Test
	void anAdmissionCountsTheCallInTheSlotOfItsSecond() {
		this.clock.setSecond(1_000.5);
		assertThat(admit(300, this.a)).isEqualTo(new AdmitResult.Admitted(this.a, 1_000));
		Map<String, String> hash = redis.commands((c) -> c.hgetall("test:{gpt-4o}:usage:a"));
		// slot = second mod 61: requests, tokens and the tokens pending; the running totals and
		// the newest second beside them
		assertThat(hash).containsOnly(Map.entry("r24", "1"), Map.entry("t24", "300"), Map.entry("p24", "300"),
				Map.entry("rq", "1"), Map.entry("tk", "300"), Map.entry("cur", "1000"));
		assertThat(this.script.usage(this.a)).isEqualTo(new WindowUsage(1, 300, 300));
	}

	@Test
	void aSlotKeepsAPendingFieldOnlyWhileSomethingInItIsPending() {
		AdmitResult.Admitted first = (AdmitResult.Admitted) admit(300, this.a);
		admit(200, this.a);
		// an earlier version's running total of pending tokens
		redis.commands((c) -> c.hset("test:{gpt-4o}:usage:a", "pt", "90000"));
		UsageScript.Batch batch = this.script.batch();
		batch.settle(this.script.now(), this.a, first.slot(), -100, 300);
		this.script.send(batch);
		assertThat(hash()).containsEntry("t24", "400").containsEntry("p24", "200");
		batch = this.script.batch();
		batch.settle(this.script.now(), this.a, first.slot(), 0, 200);
		this.script.send(batch);
		assertThat(hash()).containsEntry("t24", "400").doesNotContainKey("p24");
		assertThat(this.script.usage(this.a)).isEqualTo(new WindowUsage(2, 400, 0));
		// moving the window drops the old total with the seconds it passes
		this.clock.setSecond(1_001);
		assertThat(this.script.usage(this.a)).isEqualTo(new WindowUsage(2, 400, 0));
		assertThat(hash()).containsOnlyKeys("r24", "t24", "rq", "tk", "cur");
	}

	@Test
	void aRefusalSaysWhenAndHowManyCandidatesCoolDown() {
		this.script.coolDown(this.b, 30_000, Cooldown.Reason.FAILURES);
		assertThat(admit(1_001, this.a, this.b)).isEqualTo(new AdmitResult.Refused(30_000, 1, 0, 2));
		assertThat(admit(1_001, this.a)).isEqualTo(new AdmitResult.Refused(-1, 0, 0, 1));
		this.script.coolDown(this.a, 60_000, Cooldown.Reason.MISCONFIGURED);
		assertThat(admit(1_001, this.a, this.b)).isEqualTo(new AdmitResult.Refused(30_000, 2, 1, 2));
	}

	@Test
	void aCooldownKeyHoldsWhenItEndsAndWhyAndExpiresATtlLater() {
		assertThat(this.script.coolDown(this.a, 30_000, Cooldown.Reason.RATE_LIMITED)).isEqualTo(30_000);
		// the end in ms, and the reason as its one decimal
		assertThat(value("test:{gpt-4o}:cooldown:a")).isEqualTo("1030000.1");
		assertThat(pttl("test:{gpt-4o}:cooldown:a")).isGreaterThan(TTL)
			.isLessThanOrEqualTo(30_000 + TTL);
		// a shorter cooldown changes neither the end nor the reason
		assertThat(this.script.coolDown(this.a, 10_000, Cooldown.Reason.MISCONFIGURED)).isEqualTo(30_000);
		assertThat(value("test:{gpt-4o}:cooldown:a")).isEqualTo("1030000.1");
		// the store's clock decides, not the key's expiry; the decimal adds no time
		this.clock.setSecond(1_029.999);
		assertThat(this.script.cooldown(this.a))
			.isEqualTo(new Cooldown(Duration.ofMillis(1), Cooldown.Reason.RATE_LIMITED));
		assertThat(admit(1, this.a)).isEqualTo(new AdmitResult.Refused(1, 1, 0, 1));
		this.clock.setSecond(1_030);
		assertThat(this.script.cooldown(this.a)).isEqualTo(Cooldown.NONE);
		assertThat(exists("test:{gpt-4o}:cooldown:a")).isOne();
		assertThat(admit(1, this.a)).isEqualTo(new AdmitResult.Admitted(this.a, 1_030));
	}

	@Test
	void eachReasonIsOneDigitOfTheCooldownKeysValueAndAnEarlierVersionsValueMeansFailures() {
		Deployment c = Deployment.of("c", "gpt-4o", Limits.UNLIMITED);
		this.script.coolDown(this.a, 1_000, Cooldown.Reason.RATE_LIMITED);
		this.script.coolDown(this.b, 2_000, Cooldown.Reason.FAILURES);
		this.script.coolDown(c, 3_000, Cooldown.Reason.MISCONFIGURED);
		assertThat(value("test:{gpt-4o}:cooldown:a")).isEqualTo("1001000.1");
		assertThat(value("test:{gpt-4o}:cooldown:b")).isEqualTo("1002000.2");
		assertThat(value("test:{gpt-4o}:cooldown:c")).isEqualTo("1003000.3");
		for (Cooldown.Reason reason : Cooldown.Reason.values()) {
			assertThat(UsageScript.reason(UsageScript.code(reason))).isEqualTo(reason);
		}
		// an earlier version wrote the end alone
		redis.commands((commands) -> commands.set("test:{gpt-4o}:cooldown:a", "1004000"));
		assertThat(this.script.cooldown(this.a))
			.isEqualTo(new Cooldown(Duration.ofSeconds(4), Cooldown.Reason.FAILURES));
		assertThat(admit(1, this.a)).isEqualTo(new AdmitResult.Refused(4_000, 1, 0, 1));
	}

	@Test
	void aCooldownOfNoDurationWritesNothing() {
		assertThat(this.script.coolDown(this.a, 0, Cooldown.Reason.RATE_LIMITED)).isZero();
		assertThat(this.script.coolDown(this.a, -1_000, Cooldown.Reason.FAILURES)).isZero();
		assertThat(keys()).isEmpty();
	}

	@Test
	void everyKeyWrittenHasATtl() {
		AdmitResult.Admitted admitted = (AdmitResult.Admitted) admit(10, this.a);
		UsageScript.Batch batch = this.script.batch();
		batch.settle(this.script.now(), this.a, admitted.slot(), 5, 10);
		batch.calibrate(this.script.now(), this.a, 5, 500);
		this.script.send(batch);
		this.script.coolDown(this.b, 5_000, Cooldown.Reason.FAILURES);
		this.script.beat("instance", 6_000, TTL);
		List<String> written = keys();
		assertThat(written).containsExactlyInAnyOrder("test:{gpt-4o}:usage:a", "test:{gpt-4o}:cooldown:b",
				"test:instances");
		for (String key : written) {
			assertThat(pttl(key)).as(key).isPositive();
		}
		assertThat(pttl("test:{gpt-4o}:usage:a")).isLessThanOrEqualTo(TTL);
	}

	@Test
	void aWindowIdleForAMinuteIsDeleted() {
		admit(7, this.a);
		this.clock.setSecond(1_061);
		assertThat(this.script.usage(this.a)).isEqualTo(WindowUsage.NONE);
		assertThat(exists("test:{gpt-4o}:usage:a")).isZero();
	}

	@Test
	void withoutAClientClockTheScriptReadsRedisTime() {
		UsageScript onRedisTime = new UsageScript(connectionFactory, this.keys, Duration.ofSeconds(5),
				Duration.ofMillis(TTL), null);
		assertThat(onRedisTime.now()).isEqualTo(UsageScript.REDIS_TIME);
		AdmitResult.Admitted admitted = (AdmitResult.Admitted) onRedisTime.admit(this.group, new int[] { 0 }, 5, null,
				0.0);
		long redisSecond = redis.commands((c) -> Long.parseLong(c.time().get(0)));
		assertThat(admitted.slot()).isBetween(redisSecond - 2, redisSecond);
		assertThat(onRedisTime.coolDown(this.b, 10_000, Cooldown.Reason.RATE_LIMITED)).isEqualTo(10_000);
		Cooldown cooldown = onRedisTime.cooldown(this.b);
		assertThat(cooldown.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(10));
		assertThat(cooldown.reason()).isEqualTo(Cooldown.Reason.RATE_LIMITED);
	}

	@Test
	void afterScriptFlushEveryPathLoadsTheScriptAgain() {
		redis.commands(RedisCommands::scriptFlush);
		AdmitResult.Admitted admitted = (AdmitResult.Admitted) admit(100, this.a);
		redis.commands(RedisCommands::scriptFlush);
		// the pipelined path, where settlements go
		UsageScript.Batch batch = this.script.batch();
		batch.settle(this.script.now(), this.a, admitted.slot(), -60, 100);
		batch.calibrate(this.script.now(), this.a, 8, -1);
		this.script.send(batch);
		assertThat(this.script.usage(this.a)).isEqualTo(new WindowUsage(2, 40, 0));
		redis.commands(RedisCommands::scriptFlush);
		assertThat(this.script.usage(this.a)).isEqualTo(new WindowUsage(2, 40, 0));
		redis.commands(RedisCommands::scriptFlush);
		assertThat(this.script.coolDown(this.a, 1_000, Cooldown.Reason.MISCONFIGURED)).isEqualTo(1_000);
		redis.commands(RedisCommands::scriptFlush);
		assertThat(this.script.cooldown(this.a))
			.isEqualTo(new Cooldown(Duration.ofSeconds(1), Cooldown.Reason.MISCONFIGURED));
		redis.commands(RedisCommands::scriptFlush);
		assertThat(this.script.beat("instance", 6_000, TTL)).isOne();
	}

	@Test
	void anAdmissionWhoseArgumentsDoNotMatchTheStrideIsAnError() throws IOException {
		String source;
		try (InputStream in = getClass().getClassLoader().getResourceAsStream(UsageScript.LOCATION)) {
			source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		// one candidate, but a stride of 6 where 5 values follow
		assertThatExceptionOfType(RedisCommandExecutionException.class)
			.isThrownBy(() -> redis.commands((c) -> c.eval(source, ScriptOutputType.MULTI,
					new String[] { "test:{gpt-4o}:usage:a", "test:{gpt-4o}:cooldown:a" }, "admit", "1000000", "120000", "1",
					"usage", "0.0", "6", "-1", "-1", "1.0", "1", "0")))
			.withMessageContaining("stride");
		assertThat(keys()).isEmpty();
	}

	@Test
	void aGroupsKeysShareOneClusterSlotWhateverTheDeployment() {
		RedisUsageKeys router = new RedisUsageKeys("router:");
		List<String> written = new ArrayList<>();
		for (Deployment deployment : List.of(Deployment.of("azure:eu.openai.azure.com/chat-eu", "gpt-4o", Limits.UNLIMITED),
				Deployment.of("openai:api.openai.com/gpt-4o", "gpt-4o", Limits.UNLIMITED))) {
			written.add(router.usage(deployment));
			written.add(router.cooldown(deployment));
		}
		assertThat(written).containsExactly("router:{gpt-4o}:usage:azure:eu.openai.azure.com/chat-eu",
				"router:{gpt-4o}:cooldown:azure:eu.openai.azure.com/chat-eu",
				"router:{gpt-4o}:usage:openai:api.openai.com/gpt-4o",
				"router:{gpt-4o}:cooldown:openai:api.openai.com/gpt-4o");
		int slot = SlotHash.getSlot("gpt-4o");
		assertThat(written).allSatisfy((key) -> assertThat(SlotHash.getSlot(key)).isEqualTo(slot));
		assertThat(router.instances()).isEqualTo("router:instances");
	}

	@Test
	void routedCallsLeaveNoFragmentOfAnApiKeyInRedis() {
		String azureKey = "sk-Az7QvR2mWx9KpL4tYc8HbN3d";
		String openAiKey = "sk-Op5ZsT8gJq1VnM6rXe3DkW7u";
		this.provider.headers(Map.of("x-ratelimit-remaining-requests", "90", "x-ratelimit-remaining-tokens", "90000"));
		this.provider.enqueue("/openai/deployments/chat-eu", FakeProvider.error(429, "rate_limit_exceeded", null,
				"slow down").setHeader("Retry-After", "30"));
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RouterAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port(),
					"router.redis.command-timeout=5s", "router.model-list[0].model-name=gpt-4o",
					"router.model-list[0].params.model=azure/chat-eu",
					"router.model-list[0].params.api-base=" + this.provider.url(),
					"router.model-list[0].params.api-key=" + azureKey,
					"router.model-list[0].params.api-version=2024-10-21", "router.model-list[0].order=1",
					"router.model-list[0].rpm=100", "router.model-list[0].tpm=100000",
					"router.model-list[1].model-name=gpt-4o", "router.model-list[1].params.model=openai/gpt-4o",
					"router.model-list[1].params.api-base=" + this.provider.url() + "/v1",
					"router.model-list[1].params.api-key=" + openAiKey, "router.model-list[1].order=2",
					"router.model-list[1].rpm=100", "router.model-list[1].tpm=100000")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ChatModel chat = context.getBean(ChatModel.class);
				for (int i = 0; i < 3; i++) {
					assertThat(chat.call("hi")).isEqualTo("Hello from /v1");
				}
				RedisUsageStore store = context.getBean(RedisUsageStore.class);
				assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
				// the keys went out on the wire: one 429 from Azure, three answers from OpenAI
				assertThat(this.provider.requestsTo("/openai/deployments/chat-eu")).singleElement()
					.satisfies((request) -> assertThat(request.apiKeyHeader()).isEqualTo(azureKey));
				assertThat(this.provider.requestsTo("/v1")).hasSize(3)
					.allSatisfy((request) -> assertThat(request.authorizationHeader()).isEqualTo("Bearer " + openAiKey));
				List<Deployment> deployments = context.getBean(RouterModelList.class).deployments();
				List<String> stored = everythingInRedis();
				// usage and calibration of both, the cooldown of the one that answered 429, the instances
				assertThat(stored).contains(store.usageKey(deployments.get(0)), store.usageKey(deployments.get(1)),
						store.cooldownKey(deployments.get(0)), "router:instances");
				for (String key : List.of(azureKey, openAiKey)) {
					for (int at = 0; at + 6 <= key.length(); at++) {
						String fragment = key.substring(at, at + 6);
						assertThat(stored).as("fragment " + at + " of a key").noneMatch((value) -> value.contains(fragment));
					}
				}
			});
	}

	private static Map<String, String> hash() {
		return redis.commands((c) -> c.hgetall("test:{gpt-4o}:usage:a"));
	}

	private static String value(String key) {
		return redis.commands((c) -> c.get(key));
	}

	private static long pttl(String key) {
		return redis.commands((c) -> c.pttl(key));
	}

	private static long exists(String key) {
		return redis.commands((c) -> c.exists(key));
	}

	private static List<String> keys() {
		return redis.commands((c) -> c.keys("*"));
	}

	/** Every key of the test Redis, and every value, field and member it holds. */
	private static List<String> everythingInRedis() {
		return redis.commands((commands) -> {
			List<String> all = new ArrayList<>();
			for (String key : commands.keys("*")) {
				all.add(key);
				switch (commands.type(key)) {
					case "string" -> all.add(commands.get(key));
					case "hash" -> commands.hgetall(key).forEach((field, value) -> {
						all.add(field);
						all.add(value);
					});
					case "zset" -> all.addAll(commands.zrange(key, 0, -1));
					default -> throw new IllegalStateException("Unexpected type of " + key);
				}
			}
			return all;
		});
	}

}
