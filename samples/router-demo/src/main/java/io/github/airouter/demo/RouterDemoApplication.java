package io.github.airouter.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The router at work. The default profile starts local fakes of two Azure OpenAI resources
 * and of OpenAI (no keys, no Redis), sends them a burst of chat, streaming and embedding
 * calls through the router, prints what each deployment served, and exits. Profile
 * {@code real} does the same, smaller, against real deployments.
 */
@SpringBootApplication
@EnableConfigurationProperties(BurstProperties.class)
public class RouterDemoApplication {

	public static void main(String[] args) {
		// the burst runs during start-up; then the demo ends, with the burst's exit code
		System.exit(SpringApplication.exit(SpringApplication.run(RouterDemoApplication.class, args)));
	}

}
