package io.github.airouter.proxy;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * An OpenAI-compatible HTTP server over the router: {@code POST /v1/chat/completions}
 * (streamed too), {@code POST /v1/embeddings} and {@code GET /v1/models}, for clients
 * presenting one of {@code router.proxy.keys}, and a dashboard at {@code /}. The default
 * profile serves local fakes of Azure OpenAI and OpenAI (no keys, no network); profile
 * {@code real} serves real deployments.
 */
@SpringBootApplication
@EnableConfigurationProperties(ProxyProperties.class)
public class RouterProxyApplication {

	public static void main(String[] args) {
		SpringApplication.run(RouterProxyApplication.class, args);
	}

}
