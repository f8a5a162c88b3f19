package io.github.airouter.proxy;

import java.util.ArrayList;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Access control: the client keys, checked before anything else on {@code /v1/*} and,
 * unless {@code router.proxy.dashboard-requires-key=false}, on {@code /actuator/router},
 * which the dashboard reads. The dashboard page itself holds no data and stays open;
 * {@code /actuator/health} stays open for probes.
 */
@Configuration(proxyBeanMethods = false)
class ClientKeyConfiguration {

	/** The path of the router's actuator endpoint, which the dashboard reads. */
	static final String ROUTER_ENDPOINT = "/actuator/router";

	private static final Log logger = LogFactory.getLog(ClientKeyConfiguration.class);

	@Bean
	ClientKeys clientKeys(ProxyProperties properties) {
		ClientKeys keys = ClientKeys.of(properties);
		if (keys.isAnonymous()) {
			logger.warn("router.proxy.allow-anonymous is true and router.proxy.keys is empty: anyone who reaches this "
					+ "port may call /v1/** and spend the deployments' quota");
		}
		return keys;
	}

	@Bean
	FilterRegistrationBean<ClientKeyFilter> clientKeyFilter(ClientKeys keys, ProxyProperties properties,
			JsonMapper json) {
		List<String> paths = new ArrayList<>(List.of("/v1/*"));
		if (properties.isDashboardRequiresKey()) {
			paths.add(ROUTER_ENDPOINT);
			paths.add(ROUTER_ENDPOINT + "/*");
		}
		FilterRegistrationBean<ClientKeyFilter> registration = new FilterRegistrationBean<>(
				new ClientKeyFilter(keys, json));
		registration.setUrlPatterns(paths);
		registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
		return registration;
	}

}
