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

		// the validated model list first: router.redis.* is checked with every other
		// router.* setting, and reported with them
		@Bean
		RedisUsageStore redisUsageStore(RedisConnectionFactory connectionFactory, RouterProperties properties,
				RouterModelList validated) {
			RouterProperties.Redis redis = properties.getRedis();
			return new RedisUsageStore(connectionFactory,
					new RedisUsageStore.Settings(redis.getKeyPrefix(), redis.getCommandTimeout(), redis.getKeyTtl(),
							redis.getFallbackShare(), redis.getHeartbeatInterval(), redis.getRecoveryProbeInterval()),
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
	 * Usage kept in this JVM, when no other store was created: the default. Reached with
	 * {@code router.usage-store=redis}, it means the Redis store's conditions did not match,
	 * and it refuses to start rather than count usage apart on each instance.
	 */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingBean(UsageStore.class)
	static class InMemory {

		@Bean
		InMemoryUsageStore inMemoryUsageStore(RouterProperties properties, RouterModelList validated) {
			if (properties.getUsageStore() == UsageStoreType.REDIS) {
				throw new InvalidRouterConfigurationException(List.of(new Problem("router.usage-store",
						"is redis, but the application has no RedisConnectionFactory bean (with Lettuce)",
						"Add spring-boot-starter-data-redis and set spring.data.redis.*, or set router.usage-store=auto.")));
			}
			return new InMemoryUsageStore();
		}

	}

}
