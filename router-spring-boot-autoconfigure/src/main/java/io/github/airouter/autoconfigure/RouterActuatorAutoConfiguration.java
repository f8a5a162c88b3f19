package io.github.airouter.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.airouter.actuate.RouterEndpoint;
import io.github.airouter.routing.Router;

/**
 * {@link AutoConfiguration Auto-configuration} of the router's actuator endpoint
 * ({@code /actuator/router}, when exposed), when actuator is on the classpath.
 *
 * @author airouter
 */
@AutoConfiguration(after = RouterAutoConfiguration.class)
@ConditionalOnClass(name = { "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
		"org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint" })
@ConditionalOnBean(Router.class)
public final class RouterActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	RouterEndpoint routerEndpoint(Router router) {
		return new RouterEndpoint(router);
	}

}
