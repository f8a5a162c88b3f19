package io.github.airouter.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import io.github.airouter.metrics.RouterMetrics;
import io.github.airouter.routing.Router;

/**
 * {@link AutoConfiguration Auto-configuration} of the router's Micrometer metrics, when the
 * application has a {@link MeterRegistry}.
 *
 * @author airouter
 */
@AutoConfiguration(after = RouterAutoConfiguration.class, afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
@ConditionalOnBean(MeterRegistry.class)
public final class RouterMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RouterMetrics routerMetrics(MeterRegistry registry) {
		return new RouterMetrics(registry);
	}

	@Bean
	@ConditionalOnBean(Router.class)
	MeterBinder routerGauges(Router router) {
		return RouterMetrics.gauges(router);
	}

}
