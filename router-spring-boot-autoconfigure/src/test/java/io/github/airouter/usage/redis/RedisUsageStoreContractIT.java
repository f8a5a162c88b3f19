package io.github.airouter.usage.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.testsupport.TestRedis;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.UsageStoreContractTests;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The usage-store contract on {@link RedisUsageStore}, against a real Redis, with windows and
 * cooldowns on the test's clock.
 */
class RedisUsageStoreContractIT extends UsageStoreContractTests {

	private static TestRedis redis;

	private static LettuceConnectionFactory connectionFactory;

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

	@Override
	protected UsageStore createStore(Clock clock, RandomGenerator random) {
		redis.flushAll();
		RedisUsageStore store = new RedisUsageStore(connectionFactory,
				TestRedis.storeSettings("contract:").withClientClock(), clock, random);
		assertThat(store.isAvailable()).isTrue();
		return store;
	}

	@Override
	protected void settled() {
		RedisUsageStore store = (RedisUsageStore) this.store;
		assertThat(store.flush(Duration.ofSeconds(30))).isTrue();
		// nothing went to the memory fallback: every decision was Redis's
		assertThat(store.getFallbackDecisions()).isZero();
		assertThat(store.getDroppedSettlements()).isZero();
	}

}
