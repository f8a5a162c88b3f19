package io.github.airouter.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

import io.github.airouter.actuate.RouterHealthIndicator;
import io.github.airouter.routing.Router;

/**
 * {@link AutoConfiguration Auto-configuration} of the router's health indicator
 * ({@code router}), when Spring Boot's health support is on the classpath.
 *
 * @author airouter
 */
@AutoConfiguration(after = RouterAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnBean(Router.class)
public final class RouterHealthAutoConfiguration {

	// the health module's own condition goes on the method, so that the class-level check
	// for that module is evaluated first
	@Bean
	@ConditionalOnEnabledHealthIndicator("router")
	@ConditionalOnMissingBean(name = "routerHealthIndicator")
	RouterHealthIndicator routerHealthIndicator(Router router) {
		return new RouterHealthIndicator(router);
	}

}
