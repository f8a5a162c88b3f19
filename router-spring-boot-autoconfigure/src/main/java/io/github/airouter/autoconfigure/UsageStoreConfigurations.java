package io.github.airouter.autoconfigure;

import java.time.Clock;
import java.util.List;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.RouterProperties.UsageStoreType;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.redis.RedisUsageStore;

/**
 * The usage store, in order of preference; the first whose conditions match wins.
 *
 * @author airouter
 */
abstract class UsageStoreConfigurations {

	private UsageStoreConfigurations() {
	}

	/**
	 * Usage shared through the application's Redis, when it has a RedisConnectionFactory
	 * bean (and Lettuce, Boot's default client) and {@code router.usage-store} is not
	 * {@code memory}.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.data.redis.connection.RedisConnectionFactory",
			"io.lettuce.core.RedisClient" })
	@ConditionalOnBean(type = "org.springframework.data.redis.connection.RedisConnectionFactory")
	@ConditionalOnMissingBean(UsageStore.class)
	@Conditional(OnRedisUsageStoreCondition.class)
	static class Redis {

		@Bean
		RedisUsageStore redisUsageStore(RedisConnectionFactory connectionFactory, RouterProperties properties) {
			RouterProperties.Redis redis = properties.getRedis();
			Double share = redis.getFallbackShare();
			if (share != null && !(share > 0 && share <= 1)) {
				throw new InvalidRouterConfigurationException(List.of(new Problem("router.redis.fallback-share",
						"must be greater than 0 and at most 1, was " + share,
						"Set the share of each limit an instance may use while Redis is down, e.g. 0.25, or remove it for 1/N.")));
			}
			return new RedisUsageStore(connectionFactory,
					new RedisUsageStore.Settings(redis.getKeyPrefix(), redis.getCommandTimeout(), redis.getKeyTtl(),
							share, redis.getHeartbeatInterval(), redis.getRecoveryProbeInterval()),
					Clock.systemUTC(), null);
		}

	}

	/**
	 * Matches unless {@code router.usage-store} is {@code memory}.
	 */
	static class OnRedisUsageStoreCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			UsageStoreType type = Binder.get(context.getEnvironment())
				.bind("router.usage-store", UsageStoreType.class)
				.orElse(UsageStoreType.AUTO);
			return (type != UsageStoreType.MEMORY) ? ConditionOutcome.match("router.usage-store is " + type)
					: ConditionOutcome.noMatch("router.usage-store is memory");
		}

	}

	/**
	 * Usage kept in this JVM: the default.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(UsageStore.class)
	static class InMemory {

		@Bean
		InMemoryUsageStore inMemoryUsageStore() {
			return new InMemoryUsageStore();
		}

	}

}
