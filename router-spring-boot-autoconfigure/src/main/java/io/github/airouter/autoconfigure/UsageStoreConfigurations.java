package io.github.airouter.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

/**
 * The usage store, in order of preference; the first whose conditions match wins.
 *
 * @author airouter
 */
abstract class UsageStoreConfigurations {

	private UsageStoreConfigurations() {
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
