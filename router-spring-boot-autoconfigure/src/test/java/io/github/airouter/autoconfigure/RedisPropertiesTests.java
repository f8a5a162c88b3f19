package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The Redis usage store's settings, {@code router.redis.*}: checked by the validator with
 * every other {@code router.*} setting, whichever store is in use, so that a mistake fails
 * start-up with the others, with or without Redis.
 */
class RedisPropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
		.withPropertyValues("router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=gpt-4o",
				"router.model-list[0].params.api-key=sk-test-redis-0001");

	@ParameterizedTest(name = "router.redis.fallback-share={0}")
	@ValueSource(doubles = { 0, 1.5, -0.25, Double.NaN })
	void fallbackShareOutsideZeroToOne(double share) {
		assertInvalid((redis) -> redis.setFallbackShare(share),
				"router.redis.fallback-share must be greater than 0 and at most 1, was " + share);
	}

	@ParameterizedTest(name = "router.redis.fallback-share={0}")
	@ValueSource(doubles = { 0.25, 1 })
	void fallbackShareInZeroToOne(double share) {
		RouterProperties properties = properties((redis) -> redis.setFallbackShare(share));
		assertThatNoException().isThrownBy(() -> RouterModelList.of(properties, (name) -> null));
	}

	@Test
	void zeroCommandTimeout() {
		assertInvalid((redis) -> redis.setCommandTimeout(Duration.ZERO),
				"router.redis.command-timeout must be positive, was PT0S");
	}

	@Test
	void negativeHeartbeatInterval() {
		assertInvalid((redis) -> redis.setHeartbeatInterval(Duration.ofSeconds(-1)),
				"router.redis.heartbeat-interval must be positive, was PT-1S");
	}

	@Test
	void zeroRecoveryProbeInterval() {
		assertInvalid((redis) -> redis.setRecoveryProbeInterval(Duration.ZERO),
				"router.redis.recovery-probe-interval must be positive, was PT0S");
	}

	@Test
	void keyTtlShorterThanTheUsageWindow() {
		// usage would expire while it still counts against a limit
		assertInvalid((redis) -> redis.setKeyTtl(Duration.ofSeconds(30)),
				"router.redis.key-ttl must be at least 61s, the time a call counts against a limit, was PT30S");
	}

	@Test
	void keyTtlOfTheUsageWindowIsEnough() {
		RouterProperties properties = properties((redis) -> redis.setKeyTtl(Duration.ofSeconds(61)));
		assertThatNoException().isThrownBy(() -> RouterModelList.of(properties, (name) -> null));
	}

	@Test
	void everyMistakeIsReportedAtOnce() {
		RouterProperties properties = properties((redis) -> {
			redis.setFallbackShare(0.0);
			redis.setCommandTimeout(Duration.ZERO);
			redis.setKeyTtl(Duration.ofSeconds(1));
		});
		properties.setNumRetries(-1);
		assertThat(invalid(properties).getProblems()).extracting(Problem::property)
			.containsExactly("router.num-retries", "router.redis.fallback-share", "router.redis.command-timeout",
					"router.redis.key-ttl");
	}

	@Test
	void aBadFallbackShareFailsStartupWithoutRedis() {
		this.runner.withPropertyValues("router.redis.fallback-share=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessage("Invalid router configuration:\n"
						+ " - router.redis.fallback-share must be greater than 0 and at most 1, was 0.0");
		});
	}

	@Test
	void redisSettingsAreCheckedWhenUsageIsKeptInMemory() {
		this.runner.withPropertyValues("router.usage-store=memory", "router.redis.key-ttl=10s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("router.redis.key-ttl must be at least 61s");
		});
	}

	@Test
	void validRedisSettingsStartWithTheInMemoryStore() {
		this.runner
			.withPropertyValues("router.redis.fallback-share=0.5", "router.redis.key-ttl=90s",
					"router.redis.command-timeout=50ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
			});
	}

	@Test
	void bareNumbersAreSecondsAsEverywhereElseUnderRouter() {
		this.runner
			.withPropertyValues("router.redis.key-ttl=90", "router.redis.command-timeout=1",
					"router.redis.heartbeat-interval=3", "router.redis.recovery-probe-interval=2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RouterProperties.Redis redis = context.getBean(RouterProperties.class).getRedis();
				assertThat(redis.getKeyTtl()).isEqualTo(Duration.ofSeconds(90));
				assertThat(redis.getCommandTimeout()).isEqualTo(Duration.ofSeconds(1));
				assertThat(redis.getHeartbeatInterval()).isEqualTo(Duration.ofSeconds(3));
				assertThat(redis.getRecoveryProbeInterval()).isEqualTo(Duration.ofSeconds(2));
			});
	}

	// ---- helpers

	private static void assertInvalid(Consumer<RouterProperties.Redis> customizer, String expected) {
		InvalidRouterConfigurationException ex = invalid(properties(customizer));
		assertThat(ex.getProblems()).singleElement().satisfies((problem) -> {
			assertThat(problem.toString()).isEqualTo(expected);
			assertThat(problem.action()).isNotBlank();
		});
	}

	private static InvalidRouterConfigurationException invalid(RouterProperties properties) {
		return assertThatExceptionOfType(InvalidRouterConfigurationException.class)
			.isThrownBy(() -> RouterModelList.of(properties, (name) -> null))
			.actual();
	}

	private static RouterProperties properties(Consumer<RouterProperties.Redis> customizer) {
		ModelListEntry entry = new ModelListEntry();
		entry.setModelName("gpt-4o");
		entry.getParams().setModel("gpt-4o");
		entry.getParams().setApiKey("sk-test-redis-0001");
		RouterProperties properties = new RouterProperties();
		properties.setModelList(new ArrayList<>(List.of(entry)));
		customizer.accept(properties.getRedis());
		return properties;
	}

}
