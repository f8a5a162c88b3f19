package io.github.airouter.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.ForwardingUsageStore;
import io.github.airouter.testsupport.TestRedis;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;
import io.github.airouter.usage.redis.RedisUsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link RouterAutoConfiguration} with Boot's Redis auto-configuration against a real Redis:
 * when the Redis usage store is chosen, what it writes, and how it behaves when Redis is down
 * or absent.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedisUsageStoreAutoConfigurationIT {

	private static final String API_KEY = "sk-test-redis-secret-7f3a91";

	private static final String UNAVAILABLE_WARNING = "Redis usage store unavailable";

	private static TestRedis redis;

	private final FakeProvider provider = new FakeProvider();

	@BeforeAll
	static void startRedis() {
		redis = TestRedis.embedded();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@BeforeEach
	void flushRedis() {
		redis.flushAll();
	}

	@AfterEach
	void closeProvider() throws IOException {
		this.provider.close();
	}

	// ---- choosing the store

	@Test
	void redisConnectionFactoryGivesRedisUsageStore(CapturedOutput output) {
		withRedis().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(RedisConnectionFactory.class);
			assertThat(context).hasSingleBean(UsageStore.class);
			assertThat(context).getBean(UsageStore.class).isInstanceOf(RedisUsageStore.class);
			Router router = context.getBean(Router.class);
			assertThat(router.usageStore()).isSameAs(context.getBean(UsageStore.class));
			assertThat(router.usageStore().name()).isEqualTo("redis");
			assertThat(context.getBean(RedisUsageStore.class).isAvailable()).isTrue();
			List<String> lines = output.getOut().lines().filter((line) -> line.contains("Routing over")).toList();
			assertThat(lines).singleElement()
				.asString()
				.contains("INFO")
				.contains("Routing over 1 deployments with the 'redis' usage store");
		});
	}

	@Test
	void chatCallLeavesUsageInRedisWithTtlAndNoApiKey(CapturedOutput output) {
		withRedis().run((context) -> {
			assertThat(context).hasNotFailed();
			String text = context.getBean(ChatModel.class).call("hi");
			assertThat(text).isEqualTo("Hello from /v1");
			assertThat(this.provider.requests()).hasSize(1);
			Deployment deployment = deployment(context);
			String usageKey = "router:{gpt-4o}:usage:" + deployment.id();
			assertThat(context.getBean(RedisUsageStore.class).usageKey(deployment)).isEqualTo(usageKey);
			Map<String, String> usage = redis.commands((commands) -> commands.hgetall(usageKey));
			assertThat(usage).containsEntry("rq", "1");
			long ttl = pttl(usageKey);
			assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(2).toMillis());
			// the actual usage the provider reported (10 prompt + 5 completion tokens)
			// replaces the estimate, off the caller's path
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(hget(usageKey, "tk"))
					.isEqualTo("15"));
			assertThat(context.getBean(Router.class).usageStore().usage(deployment))
				.isEqualTo(new WindowUsage(1, 15));
			assertThat(zrange("router:instances")).hasSize(1);
			assertThat(pttl("router:instances")).isPositive();
			assertThat(everythingInRedis()).isNotEmpty().noneMatch((value) -> value.contains(API_KEY));
			assertThat(output.getAll()).doesNotContain(API_KEY);
		});
	}

	@Test
	void keyPrefixChangesThePrefixOfEveryKey() {
		withRedis().withPropertyValues("router.redis.key-prefix=myapp:").run((context) -> {
			assertThat(context).hasNotFailed();
			context.getBean(ChatModel.class).call("hi");
			Deployment deployment = deployment(context);
			List<String> keys = redisKeys();
			assertThat(keys).contains("myapp:{gpt-4o}:usage:" + deployment.id(), "myapp:instances")
				.allMatch((key) -> key.startsWith("myapp:"));
			assertThat(hget("myapp:{gpt-4o}:usage:" + deployment.id(), "rq"))
				.isEqualTo("1");
		});
	}

	@Test
	void usageStoreMemoryWithRedisPresentGivesInMemoryUsageStore() {
		withRedis().withPropertyValues("router.usage-store=memory").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(RedisConnectionFactory.class);
			assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
			assertThat(context).doesNotHaveBean(RedisUsageStore.class);
			assertThat(context.getBean(Router.class).usageStore().name()).isEqualTo("memory");
			context.getBean(ChatModel.class).call("hi");
			assertThat(context.getBean(Router.class).usageStore().usage(deployment(context)).requests())
				.isEqualTo(1);
			assertThat(redisKeys()).isEmpty();
		});
	}

	@Test
	void usageStoreRedisWithoutRedisConnectionFactoryFails() {
		withoutRedisAutoConfiguration().withPropertyValues("router.usage-store=redis").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessageContaining("router.usage-store");
		});
	}

	@Test
	void noRedisConnectionFactoryGivesInMemoryUsageStore() {
		withoutRedisAutoConfiguration().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(RedisConnectionFactory.class);
			assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
			assertThat(context).doesNotHaveBean(RedisUsageStore.class);
			assertThat(context.getBean(Router.class).usageStore().name()).isEqualTo("memory");
		});
	}

	@Test
	void withoutSpringDataRedisOnTheClasspathGivesInMemoryUsageStore() {
		withRedis().withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
			assertThat(context).doesNotHaveBean(RedisUsageStore.class);
			context.getBean(ChatModel.class).call("hi");
			assertThat(redisKeys()).isEmpty();
		});
	}

	@Test
	void withoutLettuceOnTheClasspathGivesInMemoryUsageStore() {
		withRedis().withClassLoader(new FilteredClassLoader("io.lettuce")).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
			assertThat(context).doesNotHaveBean(RedisUsageStore.class);
			context.getBean(ChatModel.class).call("hi");
			assertThat(redisKeys()).isEmpty();
		});
	}

	@Test
	void withoutLettuceARedisConnectionFactoryOfAnotherClientGivesInMemoryUsageStore() {
		// the Redis store needs Lettuce, even when the application defines its own factory
		withoutRedisAutoConfiguration().withClassLoader(new FilteredClassLoader("io.lettuce"))
			.withBean(RedisConnectionFactory.class, redis::connectionFactory)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(RedisConnectionFactory.class);
				assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
				assertThat(context).doesNotHaveBean(RedisUsageStore.class);
			});
	}

	@Test
	void userUsageStoreWinsOverTheRedisOne() {
		UsageStore userStore = new NamedUsageStore();
		withRedis().withBean("userUsageStore", UsageStore.class, () -> userStore).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(RedisConnectionFactory.class);
			assertThat(context).hasSingleBean(UsageStore.class);
			assertThat(context).doesNotHaveBean(RedisUsageStore.class);
			assertThat(context.getBean(UsageStore.class)).isSameAs(userStore);
			assertThat(context.getBean(Router.class).usageStore()).isSameAs(userStore);
			context.getBean(ChatModel.class).call("hi");
			assertThat(redisKeys()).isEmpty();
		});
	}

	// ---- a dead Redis

	@Test
	void deadRedisAtStartupRoutesFromMemoryAndWarnsOnce(CapturedOutput output) {
		ObservedConnectionFactory deadRedis = new ObservedConnectionFactory(redis.host(), TestRedis.freePort());
		withRedis().withBean("redisConnectionFactory", LettuceConnectionFactory.class, () -> deadRedis)
			.withPropertyValues("router.redis.heartbeat-interval=100ms", "router.redis.recovery-probe-interval=50ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RedisUsageStore store = context.getBean(RedisUsageStore.class);
				assertThat(context.getBean(Router.class).usageStore()).isSameAs(store);
				assertThat(store.isAvailable()).isFalse();
				assertThat(occurrences(output.getOut(), UNAVAILABLE_WARNING)).isOne();
				String caller = Thread.currentThread().getName();
				deadRedis.forget();

				ChatModel chatModel = context.getBean(ChatModel.class);
				assertThat(chatModel.call("hi")).isEqualTo("Hello from /v1");
				assertThat(store.getFallbackDecisions()).isEqualTo(1);

				// several recovery probes fail meanwhile; the outage is still logged once
				await().atMost(Duration.ofSeconds(60)).until(() -> deadRedis.connectionsFrom("router-redis-probe") >= 3);
				for (int i = 0; i < 4; i++) {
					chatModel.call("hi again");
				}
				// no call waited for Redis: the caller never asked for a connection
				assertThat(deadRedis.connectionsFrom(caller)).isZero();
				assertThat(this.provider.requests()).hasSize(5);
				assertThat(store.getFallbackDecisions()).isEqualTo(5);
				assertThat(store.isAvailable()).isFalse();
				assertThat(store.usage(deployment(context)).requests()).isEqualTo(5);

				List<String> warnings = output.getOut()
					.lines()
					.filter((line) -> line.contains(UNAVAILABLE_WARNING))
					.toList();
				assertThat(warnings).singleElement().asString().contains("WARN");
				assertThat(occurrences(output.getAll(), UNAVAILABLE_WARNING)).isOne();
				assertThat(output.getAll()).doesNotContain(API_KEY);
			});
	}

	// ---- fallback share

	@ParameterizedTest(name = "router.redis.fallback-share={0}")
	@ValueSource(strings = { "0", "1.5", "-0.25", "NaN" })
	void fallbackShareOutsideZeroToOneFails(String share) {
		withRedis().withPropertyValues("router.redis.fallback-share=" + share).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessageContaining("router.redis.fallback-share");
		});
	}

	@ParameterizedTest(name = "router.redis.fallback-share={0}")
	@ValueSource(strings = { "0.25", "1" })
	void fallbackShareInZeroToOneIsUsed(String share) {
		withRedis().withPropertyValues("router.redis.fallback-share=" + share).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(RedisUsageStore.class).getFallbackShare()).isEqualTo(Double.parseDouble(share));
		});
	}

	// ---- helpers

	/** Boot's Redis auto-configuration on the test Redis, and one OpenAI deployment. */
	private ApplicationContextRunner withRedis() {
		return withRedisOnPort(redis.port());
	}

	private ApplicationContextRunner withRedisOnPort(int port) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RouterAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + port)
			.withPropertyValues(openAiEntry());
	}

	/** The router alone: no RedisConnectionFactory unless the test defines one. */
	private ApplicationContextRunner withoutRedisAutoConfiguration() {
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withPropertyValues(openAiEntry());
	}

	private String[] openAiEntry() {
		return new String[] { "router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=openai/gpt-4o",
				"router.model-list[0].params.api-key=" + API_KEY,
				"router.model-list[0].params.api-base=" + this.provider.url() + "/v1" };
	}

	private static Deployment deployment(AssertableApplicationContext context) {
		List<Deployment> deployments = context.getBean(RouterModelList.class).deployments();
		assertThat(deployments).hasSize(1);
		assertThat(context).hasSingleBean(RoutingChatModel.class);
		return deployments.get(0);
	}

	/** Every key of the test Redis, and every value, field and member it holds. */
	private static List<String> everythingInRedis() {
		return redis.commands((commands) -> {
			List<String> all = new ArrayList<>();
			for (String key : commands.keys("*")) {
				all.add(key);
				all.addAll(values(commands, key));
			}
			return all;
		});
	}

	private static List<String> values(RedisCommands<String, String> commands, String key) {
		String type = commands.type(key);
		List<String> values = new ArrayList<>();
		switch (type) {
			case "string" -> values.add(commands.get(key));
			case "hash" -> commands.hgetall(key).forEach((field, value) -> {
				values.add(field);
				values.add(value);
			});
			case "zset" -> values.addAll(commands.zrange(key, 0, -1));
			case "set" -> values.addAll(commands.smembers(key));
			case "list" -> values.addAll(commands.lrange(key, 0, -1));
			default -> throw new IllegalStateException("Unexpected type " + type + " of " + key);
		}
		return values;
	}

	private static List<String> redisKeys() {
		return redis.commands((commands) -> commands.keys("*"));
	}

	private static String hget(String key, String field) {
		return redis.commands((commands) -> commands.hget(key, field));
	}

	private static List<String> zrange(String key) {
		return redis.commands((commands) -> commands.zrange(key, 0, -1));
	}

	private static long pttl(String key) {
		return redis.commands((commands) -> commands.pttl(key));
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
			count++;
		}
		return count;
	}

	/**
	 * A Lettuce connection factory that notes which thread asks for each connection; on a
	 * port nothing listens on, every connection fails at once.
	 */
	static class ObservedConnectionFactory extends LettuceConnectionFactory {

		private final Queue<String> callers = new ConcurrentLinkedQueue<>();

		ObservedConnectionFactory(String host, int port) {
			super(new RedisStandaloneConfiguration(host, port));
		}

		@Override
		public RedisConnection getConnection() {
			this.callers.add(Thread.currentThread().getName());
			return super.getConnection();
		}

		long connectionsFrom(String thread) {
			return this.callers.stream().filter(thread::equals).count();
		}

		void forget() {
			this.callers.clear();
		}

	}

	/** A user's usage store, in memory under another name. */
	static class NamedUsageStore extends ForwardingUsageStore {

		NamedUsageStore() {
			super("user");
		}

	}

}
