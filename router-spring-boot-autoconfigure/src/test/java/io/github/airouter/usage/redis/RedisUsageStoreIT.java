package io.github.airouter.usage.redis;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.autoconfigure.RouterAutoConfiguration;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.TestRedis;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Several application instances sharing one Redis: together they never exceed a
 * deployment's limits; cooldowns and their reasons hold for all of them; a Redis outage costs
 * no call, keeps each instance within its share, and ends as soon as Redis answers again.
 * Closing a store sends what it queued, waiting no longer than its bound.
 */
class RedisUsageStoreIT {

	/** A bound on waiting for background work, generous for a loaded machine; nothing is timed. */
	private static final Duration WAIT = Duration.ofSeconds(60);

	private final FakeProvider provider = new FakeProvider();

	private final List<TestRedis> servers = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		this.provider.close();
		this.servers.forEach(TestRedis::close);
	}

	private TestRedis redis(boolean embedded) {
		TestRedis redis = embedded ? TestRedis.embedded() : TestRedis.start();
		this.servers.add(redis);
		redis.flushAll();
		return redis;
	}

	private ApplicationContextRunner instance(TestRedis redis, String limit, long value, String... extra) {
		// a generous command timeout: these tests measure Redis's exactness, and a loaded CI
		// machine must not push decisions into the (deliberately approximate) memory fallback
		List<String> properties = new ArrayList<>(List.of("spring.data.redis.host=" + redis.host(),
				"spring.data.redis.port=" + redis.port(), "router.redis.command-timeout=5s"));
		for (int i = 0; i < 3; i++) {
			String entry = "router.model-list[" + i + "].";
			properties.add(entry + "model-name=gpt-35-turbo");
			properties.add(entry + "params.model=azure/chat-" + i);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + limit + "=" + value);
		}
		properties.addAll(List.of(extra));
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RouterAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	@Test
	void threeInstancesTogetherAdmitExactlyEachDeploymentsRpm() throws Exception {
		TestRedis redis = redis(false);
		ApplicationContextRunner runner = instance(redis, "rpm", 20);
		runner.run((a) -> runner.run((b) -> runner.run((c) -> {
			List<RoutingChatModel> instances = List.of(a.getBean(RoutingChatModel.class),
					b.getBean(RoutingChatModel.class), c.getBean(RoutingChatModel.class));
			Outcome outcome = hammer(instances, 4, 40, (chat) -> chat.call(new Prompt("Hello")));
			assertThat(outcome.otherFailures()).isEmpty();
			assertThat(storeOf(a).getFallbackDecisions() + storeOf(b).getFallbackDecisions()
					+ storeOf(c).getFallbackDecisions()).as("decisions made without Redis").isZero();
			assertThat(outcome.succeeded()).isEqualTo(60);
			assertThat(outcome.refused()).isEqualTo(3 * 4 * 40 - 60);
			for (int i = 0; i < 3; i++) {
				assertThat(this.provider.requestsTo("/openai/deployments/chat-" + i)).hasSize(20);
			}
		})));
	}

	@Test
	void threeInstancesTogetherAdmitExactlyEachDeploymentsTpm() throws Exception {
		TestRedis redis = redis(false);
		Prompt prompt = new Prompt("word ".repeat(1_000));
		long estimate = new io.github.airouter.chat.ChatTokenEstimator(
				new org.springframework.ai.tokenizer.JTokkitTokenCountEstimator(), 10).estimate(prompt);
		// every call reports what was estimated; the tpm leaves room for three per deployment
		this.provider.usage((int) estimate - 10, 10);
		ApplicationContextRunner runner = instance(redis, "tpm", 3 * estimate + estimate / 2,
				"router.completion-token-estimate=10");
		runner.run((a) -> runner.run((b) -> runner.run((c) -> {
			RoutingChatModel first = a.getBean(RoutingChatModel.class);
			assertThat(first.estimateTokens(prompt)).isEqualTo(estimate);
			List<RoutingChatModel> instances = List.of(first, b.getBean(RoutingChatModel.class),
					c.getBean(RoutingChatModel.class));
			Outcome outcome = hammer(instances, 2, 10, (chat) -> chat.call(prompt));
			assertThat(outcome.otherFailures()).isEmpty();
			assertThat(storeOf(a).getFallbackDecisions() + storeOf(b).getFallbackDecisions()
					+ storeOf(c).getFallbackDecisions()).as("decisions made without Redis").isZero();
			assertThat(outcome.succeeded()).isEqualTo(9);
			for (int i = 0; i < 3; i++) {
				assertThat(this.provider.requestsTo("/openai/deployments/chat-" + i)).hasSize(3);
			}
		})));
	}

	@Test
	void aRedisOutageFailsNoCallKeepsEachInstanceWithinItsShareAndEndsWhenRedisReturns() throws Exception {
		TestRedis redis = redis(true);
		// what is asserted is counted in calls and decisions, never in elapsed time: the command
		// timeout and the heartbeats (an instance counts for 3 intervals after its last) leave a
		// loaded machine room, so that neither a slow answer nor a late heartbeat changes a count
		ApplicationContextRunner runner = instance(redis, "rpm", 40, "router.redis.command-timeout=2s",
				"router.redis.heartbeat-interval=2s", "router.redis.recovery-probe-interval=250ms");
		runner.run((a) -> runner.run((b) -> {
			RedisUsageStore storeA = storeOf(a);
			RedisUsageStore storeB = storeOf(b);
			await().atMost(WAIT)
				.until(() -> storeA.getLiveInstances() == 2 && storeB.getLiveInstances() == 2);
			assertThat(storeA.getFallbackShare()).isEqualTo(0.5);
			RoutingChatModel chatA = a.getBean(RoutingChatModel.class);
			RoutingChatModel chatB = b.getBean(RoutingChatModel.class);
			for (int i = 0; i < 10; i++) {
				chatA.call(new Prompt("before"));
				chatB.call(new Prompt("before"));
			}
			assertThat(storeA.getFallbackDecisions() + storeB.getFallbackDecisions()).isZero();

			redis.stop();
			int beforeOutage = this.provider.requests().size();
			// each instance may use half of each deployment's 40 rpm: 60 calls, minus its 10
			// calls before the outage; 40 calls each stay within that and must all succeed
			for (int i = 0; i < 40; i++) {
				chatA.call(new Prompt("during"));
				chatB.call(new Prompt("during"));
			}
			assertThat(storeA.isAvailable()).isFalse();
			int admittedA = 40 + callsUntilRefused(chatA);
			int admittedB = 40 + callsUntilRefused(chatB);
			assertThat(admittedA).isEqualTo(50);
			assertThat(admittedB).isEqualTo(50);
			assertThat(this.provider.requests().size() - beforeOutage).isEqualTo(100);
			for (int i = 0; i < 3; i++) {
				// no deployment got more than the two shares of its rpm in the window
				assertThat(this.provider.requestsTo("/openai/deployments/chat-" + i)).hasSizeLessThanOrEqualTo(40);
			}
			assertThat(storeA.getFallbackDecisions()).isGreaterThanOrEqualTo(50);

			redis.restart();
			// a probe finds Redis again by itself: no call is needed for that
			await().atMost(WAIT).until(storeA::isAvailable);
			long fallbackDecisions = storeA.getFallbackDecisions();
			chatA.call(new Prompt("after"));
			assertThat(storeA.getFallbackDecisions()).isEqualTo(fallbackDecisions);
			assertThat(commandCalls(redis).getOrDefault("evalsha", 0L)).isPositive();
		}));
	}

	@Test
	void aCooldownOneInstanceEntersHoldsForEveryInstance() throws Exception {
		TestRedis redis = redis(false);
		ApplicationContextRunner runner = instance(redis, "rpm", 100, "router.model-list[0].order=1",
				"router.model-list[1].order=2", "router.model-list[2].order=3");
		this.provider.enqueue("/openai/deployments/chat-0",
				new okhttp3.mockwebserver.MockResponse().setResponseCode(429)
					.setHeader("Retry-After", "30")
					.setBody("{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit_exceeded\"}}"));
		runner.run((a) -> runner.run((b) -> {
			// instance a meets the 429 and cools chat-0 down
			a.getBean(RoutingChatModel.class).call(new Prompt("Hello"));
			assertThat(this.provider.requestsTo("/openai/deployments/chat-0")).hasSize(1);
			// instance b, which saw no failure, keeps off chat-0 although it is its first tier
			for (int i = 0; i < 5; i++) {
				b.getBean(RoutingChatModel.class).call(new Prompt("Hello"));
			}
			assertThat(this.provider.requestsTo("/openai/deployments/chat-0")).hasSize(1);
			assertThat(this.provider.requestsTo("/openai/deployments/chat-1")).hasSize(6);
			RedisUsageStore storeB = storeOf(b);
			Deployment cooled = b.getBean(io.github.airouter.routing.Router.class)
				.group("gpt-35-turbo", io.github.airouter.deployment.ModelMode.CHAT)
				.deployments()
				.get(0);
			// on Redis TIME, shared: what is left of the 30 s instance a entered
			assertThat(storeB.cooldownRemaining(cooled)).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
		}));
	}

	@Test
	void whyADeploymentCoolsDownIsSharedWithEveryInstance() throws Exception {
		TestRedis redis = redis(false);
		// one failure other than a 429 is enough to cool a deployment down
		ApplicationContextRunner runner = instance(redis, "rpm", 100, "router.model-list[0].order=1",
				"router.model-list[1].order=2", "router.model-list[2].order=3", "router.allowed-fails=1",
				"router.cooldown-time=40s");
		this.provider.enqueue("/openai/deployments/chat-0",
				FakeProvider.error(429, "rate_limit_exceeded", null, "slow down").setHeader("Retry-After", "30"));
		this.provider.enqueue("/openai/deployments/chat-1",
				FakeProvider.error(500, "server_error", null, "try again"));
		runner.run((a) -> runner.run((b) -> {
			// instance a meets a 429 on chat-0, a 500 on chat-1, and is answered by chat-2
			a.getBean(RoutingChatModel.class).call(new Prompt("Hello"));
			assertThat(this.provider.requestsTo("/openai/deployments/chat-2")).hasSize(1);
			// instance b, which saw neither, reads both cooldowns and why
			List<Deployment> deployments = b.getBean(io.github.airouter.routing.Router.class)
				.group("gpt-35-turbo", io.github.airouter.deployment.ModelMode.CHAT)
				.deployments();
			RedisUsageStore storeB = storeOf(b);
			Cooldown limited = storeB.cooldown(deployments.get(0));
			assertThat(limited.reason()).isEqualTo(Cooldown.Reason.RATE_LIMITED);
			assertThat(limited.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
			Cooldown failing = storeB.cooldown(deployments.get(1));
			assertThat(failing.reason()).isEqualTo(Cooldown.Reason.FAILURES);
			assertThat(failing.remaining()).isGreaterThan(Duration.ofSeconds(30)).isLessThanOrEqualTo(Duration.ofSeconds(40));
			assertThat(storeB.cooldown(deployments.get(2))).isEqualTo(Cooldown.NONE);
		}));
	}

	@Test
	void aRoutingDecisionIsOneRedisCommand() {
		TestRedis redis = redis(false);
		LettuceConnectionFactory connectionFactory = redis.connectionFactory();
		try (RedisUsageStore store = new RedisUsageStore(connectionFactory, TestRedis.storeSettings("router:"),
				Clock.systemUTC(), null)) {
			ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED,
					List.of(Deployment.of("a", "gpt-4o", new Limits(1_000L, null)),
							Deployment.of("b", "gpt-4o", new Limits(1_000L, null)),
							Deployment.of("c", "gpt-4o", new Limits(1_000L, null))));
			store.admit(group, 10, Set.of());
			redis.commands((c) -> c.configResetstat());
			List<Admission> admissions = new ArrayList<>();
			for (int i = 0; i < 50; i++) {
				admissions.add(store.admit(group, 10, Set.of()));
			}
			Map<String, Long> calls = commandCalls(redis);
			assertThat(calls).containsEntry("evalsha", 50L);
			// everything else ran inside the script, or is this test's own connection
			assertThat(calls.keySet()).isSubsetOf("evalsha", "hmget", "hdel", "hset", "hincrby", "mget", "time",
					"pexpire", "del", "hello", "client", "config", "info");
			admissions.forEach((admission) -> store.reconcile(admission.reservation(), 7));
			assertThat(store.flush(Duration.ofSeconds(5))).isTrue();
			assertThat(store.usage(group.deployments().get(0)).tokens() + store.usage(group.deployments().get(1)).tokens()
					+ store.usage(group.deployments().get(2)).tokens()).isEqualTo(10 + 50 * 7);
		}
		finally {
			connectionFactory.destroy();
		}
	}

	@Test
	void closeSendsEverySettlementQueuedBeforeIt() {
		TestRedis redis = redis(false);
		LettuceConnectionFactory connectionFactory = redis.connectionFactory();
		Deployment a = Deployment.of("a", "gpt-4o", Limits.UNLIMITED);
		ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED, List.of(a));
		try {
			RedisUsageStore store = new RedisUsageStore(connectionFactory, TestRedis.storeSettings("router:"),
					Clock.systemUTC(), null);
			List<Admission> admissions = new ArrayList<>();
			for (int i = 0; i < 500; i++) {
				admissions.add(store.admit(group, 10, Set.of()));
			}
			admissions.forEach((admission) -> store.reconcile(admission.reservation(), 7));
			store.close();
			assertThat(store.getDroppedSettlements()).isZero();
			try (RedisUsageStore reader = new RedisUsageStore(connectionFactory, TestRedis.storeSettings("router:"),
					Clock.systemUTC(), null)) {
				assertThat(reader.usage(a).tokens()).isEqualTo(500 * 7);
				assertThat(reader.usage(a).pendingTokens()).isZero();
			}
		}
		finally {
			connectionFactory.destroy();
		}
	}

	@Test
	void closeWaitsForARedisThatDoesNotAnswerOnlyWithinItsBoundAndWithoutSpinning() {
		TestRedis redis = redis(true);
		LettuceConnectionFactory connectionFactory = redis.connectionFactory();
		Deployment a = Deployment.of("a", "gpt-4o", Limits.UNLIMITED);
		ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED, List.of(a));
		// a command would wait 60 s for an answer; close waits 2 s for the queue
		RedisUsageStore.Settings settings = new RedisUsageStore.Settings("router:", Duration.ofSeconds(60),
				Duration.ofMinutes(2), null, Duration.ofHours(1), Duration.ofHours(1));
		RedisUsageStore store = new RedisUsageStore(connectionFactory, settings, Clock.systemUTC(), null);
		try {
			List<Admission> admissions = new ArrayList<>();
			for (int i = 0; i < 100; i++) {
				admissions.add(store.admit(group, 10, Set.of()));
			}
			// Redis holds every script (a write) unanswered for a minute
			client(redis, "PAUSE", "60000", "WRITE");
			admissions.forEach((admission) -> store.reconcile(admission.reservation(), 7));
			ThreadMXBean threads = ManagementFactory.getThreadMXBean();
			long cpuBefore = threads.getCurrentThreadCpuTime();
			long started = System.nanoTime();
			store.close();
			Duration waited = Duration.ofNanos(System.nanoTime() - started);
			Duration cpu = Duration.ofNanos(threads.getCurrentThreadCpuTime() - cpuBefore);
			// it waited for the queue to drain until its bound, not for Redis's minute, asleep
			assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(30));
			assertThat(cpu).isLessThan(Duration.ofMillis(500));
			// what could not be sent is counted, and closing is no outage
			await().atMost(WAIT).until(() -> store.getDroppedSettlements() == 100);
			assertThat(store.isAvailable()).isTrue();
		}
		finally {
			client(redis, "UNPAUSE");
			store.close();
			connectionFactory.destroy();
		}
	}

	/** Run CLIENT with arguments Lettuce has no method for (PAUSE with a mode, UNPAUSE). */
	private static void client(TestRedis redis, String... arguments) {
		CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
		for (String argument : arguments) {
			args.add(argument);
		}
		redis.commands((c) -> c.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), args));
	}

	/** Calls of each command since the last CONFIG RESETSTAT, scripts' inner calls included. */
	private static Map<String, Long> commandCalls(TestRedis redis) {
		Map<String, Long> calls = new java.util.TreeMap<>();
		redis.commands((c) -> c.info("commandstats")).lines().filter((line) -> line.startsWith("cmdstat_")).forEach(
				(line) -> calls.put(line.substring("cmdstat_".length(), line.indexOf(':')),
						Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*$", "$1"))));
		return calls;
	}

	private static int callsUntilRefused(RoutingChatModel chat) {
		int calls = 0;
		while (calls < 1_000) {
			try {
				chat.call(new Prompt("more"));
				calls++;
			}
			catch (NoDeploymentAvailableException ex) {
				return calls;
			}
		}
		return calls;
	}

	private static RedisUsageStore storeOf(ConfigurableApplicationContext context) {
		UsageStore store = context.getBean(UsageStore.class);
		assertThat(store).isInstanceOf(RedisUsageStore.class);
		return (RedisUsageStore) store;
	}

	private interface Call {

		Object call(RoutingChatModel chat) throws Exception;

	}

	private static Outcome hammer(List<RoutingChatModel> instances, int threadsPerInstance, int callsPerThread,
			Call call) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(instances.size() * threadsPerInstance);
		AtomicInteger succeeded = new AtomicInteger();
		AtomicInteger refused = new AtomicInteger();
		List<Throwable> other = java.util.Collections.synchronizedList(new ArrayList<>());
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (RoutingChatModel chat : instances) {
				for (int t = 0; t < threadsPerInstance; t++) {
					futures.add(pool.submit(() -> {
						for (int i = 0; i < callsPerThread; i++) {
							try {
								call.call(chat);
								succeeded.incrementAndGet();
							}
							catch (NoDeploymentAvailableException ex) {
								refused.incrementAndGet();
							}
							catch (Exception ex) {
								other.add(ex);
							}
						}
					}));
				}
			}
			for (Future<?> future : futures) {
				try {
					future.get(120, TimeUnit.SECONDS);
				}
				catch (ExecutionException ex) {
					other.add(ex.getCause());
				}
			}
		}
		finally {
			pool.shutdownNow();
		}
		return new Outcome(succeeded.get(), refused.get(), other);
	}

	private record Outcome(int succeeded, int refused, List<Throwable> otherFailures) {
	}

}
