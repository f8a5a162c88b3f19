package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.testsupport.FakeProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * With the router's and Spring AI's loggers at DEBUG, neither calls, streams, cooldowns,
 * retries nor a start-up failure ever write an API key, or any part of one, to the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class NoKeyInLogsTests {

	private static final List<String> KEYS = List.of("sk-test-SECRET-abcdef0001", "sk-test-SECRET-abcdef0002",
			"az-test-SECRET-abcdef0003", "sk-test-SECRET-abcdef0004", "sk-test-SECRET-abcdef0005");

	private static final String[] DEBUG = { "logging.level.io.github.airouter=debug",
			"logging.level.org.springframework.ai=debug", "spring.main.banner-mode=off" };

	private final FakeProvider provider = new FakeProvider();

	@AfterEach
	void close() throws Exception {
		this.provider.close();
		LoggingSystem loggingSystem = LoggingSystem.get(getClass().getClassLoader());
		loggingSystem.setLogLevel("io.github.airouter", null);
		loggingSystem.setLogLevel("org.springframework.ai", null);
	}

	@Test
	void callsStreamsCooldownsRetriesAndAStartupFailureLogNoKey(CapturedOutput output) {
		this.provider.enqueue(path("eu-1"),
				FakeProvider.error(429, "rate_limit_exceeded", null, "slow down").setHeader("Retry-After", "30"));
		this.provider.enqueue(path("eu-2"), FakeProvider.error(500, "server_error", null, "boom"));
		try (ConfigurableApplicationContext context = application(properties()).run()) {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			// eu-1 answers 429 and cools down; eu-2 answers 500; the OpenAI deployment serves
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith("/oai/v1");
			// eu-1 cools down: eu-2 serves a call and a stream
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("eu-2"));
			List<ChatResponse> chunks = chat.stream(prompt("gpt-4o")).collectList().block(Duration.ofSeconds(10));
			assertThat(FakeProvider.text(chunks)).endsWith(path("eu-2"));
			assertThat(context.getBean(EmbeddingModel.class).embed("hello")).isNotEmpty();
		}
		List<String> invalid = new ArrayList<>(List.of(DEBUG));
		invalid.addAll(List.of("router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=gpt-4o",
				"router.model-list[0].params.api-key=" + KEYS.get(3), "router.model-list[0].rpm=-5",
				"router.model-list[1].model-name=gpt-4o", "router.model-list[1].params.model=gpt-4o",
				"router.model-list[1].params.api-key=" + KEYS.get(4),
				"router.model-list[1].params.api-base=" + KEYS.get(3)));
		assertThatException().isThrownBy(() -> application(invalid).run())
			.havingRootCause()
			.isInstanceOf(InvalidRouterConfigurationException.class);

		String all = output.getAll();
		// what the log shows
		assertThat(all).contains("DEBUG")
			.contains("Routing over 4 deployments")
			.contains("eu-1")
			.contains("eu-2")
			.contains("openai:localhost:")
			.contains("Routed a call of model 'gpt-4o'")
			.contains("APPLICATION FAILED TO START")
			.contains("router.model-list[0].rpm")
			.contains("router.model-list[1].params.api-base");
		assertThat(all.lines()
			.filter((line) -> line.contains("WARN")
					&& line.contains("Deployment eu-1 of model 'gpt-4o' cools down for 30000 ms after a 429"))
			.toList()).hasSize(1);
		// and never shows
		for (String key : KEYS) {
			assertThat(all).doesNotContain(key);
			for (int i = 0; i + 6 <= key.length(); i++) {
				assertThat(all).as("fragment of a key").doesNotContain(key.substring(i, i + 6));
			}
		}
	}

	// ---- helpers

	/**
	 * Two Azure deployments and an OpenAI one of gpt-4o, an embedding deployment, each with
	 * its own key, loggers at DEBUG.
	 */
	private List<String> properties() {
		String base = this.provider.url();
		List<String> properties = new ArrayList<>(List.of(DEBUG));
		for (int i = 0; i < 2; i++) {
			String entry = "router.model-list[" + i + "].";
			properties.addAll(List.of(entry + "model-name=gpt-4o", entry + "params.model=azure/eu-" + (i + 1),
					entry + "params.api-base=" + base, entry + "params.api-key=" + KEYS.get(i),
					entry + "params.api-version=2024-10-21", entry + "model-info.id=eu-" + (i + 1),
					entry + "order=" + (i + 1)));
		}
		properties.addAll(List.of("router.model-list[2].model-name=gpt-4o",
				"router.model-list[2].params.model=openai/gpt-4o", "router.model-list[2].params.api-base=" + base + "/oai/v1",
				"router.model-list[2].params.api-key=" + KEYS.get(2), "router.model-list[2].order=3",
				"router.model-list[3].model-name=embed", "router.model-list[3].params.model=text-embedding-3-small",
				"router.model-list[3].params.api-base=" + base + "/emb/v1",
				"router.model-list[3].params.api-key=" + KEYS.get(2), "router.model-list[3].model-info.mode=embedding"));
		return properties;
	}

	private static SpringApplicationBuilder application(List<String> properties) {
		return new SpringApplicationBuilder(RouterApplication.class).web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new));
	}

	private static String path(String deployment) {
		return "/openai/deployments/" + deployment;
	}

	private static Prompt prompt(String model) {
		return new Prompt("Hello", ChatOptions.builder().model(model).build());
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(RouterAutoConfiguration.class)
	static class RouterApplication {

	}

}
