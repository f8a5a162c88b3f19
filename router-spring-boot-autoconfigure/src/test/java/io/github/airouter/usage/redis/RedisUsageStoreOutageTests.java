package io.github.airouter.usage.redis;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.testsupport.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis store while Redis cannot be reached (nothing listens on its port, from the
 * start): calls are routed from this instance's in-memory copy, within its share of each
 * limit.
 */
class RedisUsageStoreOutageTests {

	private final MutableClock clock = MutableClock.atSecond(1_000);

	private final Deployment deployment = Deployment.of("a", "gpt-4o", new Limits(40L, null));

	private final ModelGroup group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED, List.of(this.deployment));

	private LettuceConnectionFactory deadRedis;

	private RedisUsageStore store;

	@BeforeEach
	void startOnADeadRedis() {
		this.deadRedis = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", TestRedis.freePort()));
		this.deadRedis.afterPropertiesSet();
		this.deadRedis.start();
		// half of each limit for this instance; no probe or heartbeat during the test
		this.store = new RedisUsageStore(this.deadRedis, new RedisUsageStore.Settings("outage:", Duration.ofSeconds(1),
				Duration.ofMinutes(2), 0.5, Duration.ofHours(1), Duration.ofHours(1)), this.clock, null);
		assertThat(this.store.isAvailable()).isFalse();
	}

	@AfterEach
	void close() {
		this.store.close();
		this.deadRedis.destroy();
	}

	@Test
	void providerHeadersCountingTheWholeFleetNeverRefuseACallWithinThisInstancesShare() {
		// this instance uses 5 of its 20 requests (half of 40)
		for (int i = 0; i < 5; i++) {
			assertThat(this.store.admit(this.group, 1, Set.of()).isAdmitted()).isTrue();
		}
		// the provider says 20 of the 40 remain: what every instance together used
		this.store.calibrate(this.deployment, 20L, null);
		int admitted = 0;
		while (admitted < 100 && this.store.admit(this.group, 1, Set.of()).isAdmitted()) {
			admitted++;
		}
		assertThat(admitted).isEqualTo(15);
		assertThat(this.store.getFallbackDecisions()).isEqualTo(5 + 15 + 1);
	}

}
