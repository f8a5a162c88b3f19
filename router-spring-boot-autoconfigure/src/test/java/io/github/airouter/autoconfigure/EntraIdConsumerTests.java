package io.github.airouter.autoconfigure;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.airouter.autoconfigure.EntraIdWireTests.FailureRecorder;
import io.github.airouter.provider.AccessTokenUnavailableException;
import io.github.airouter.routing.Failure;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.FakeProvider.Request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * An application as a consumer writes it: it injects {@link ChatClient.Builder}, has
 * azure-identity and actuator on its classpath, {@code OPENAI_API_KEY} in its environment,
 * and routes over two keyless Azure deployments and one OpenAI deployment, with every logger
 * at DEBUG. What each deployment receives, and that no Entra ID token (nor any key) appears
 * in the log, in {@code /actuator/router}, {@code /actuator/health} or
 * {@code /actuator/metrics}, or in any exception, when calls succeed, when a provider answers
 * 401, and when a credential gives no token.
 */
@ExtendWith(OutputCaptureExtension.class)
class EntraIdConsumerTests {

	private static final String OPENAI_KEY = "sk-entry-SECRET-key-0002";

	private final FakeProvider provider = new FakeProvider();

	private FakeTokenEndpoint tokens;

	@BeforeEach
	void startTokenEndpoint() {
		assumeThat(FakeTokenEndpoint.configured())
			.as("IDENTITY_ENDPOINT points at this machine (set by the module's surefire configuration)")
			.isTrue();
		this.tokens = new FakeTokenEndpoint();
	}

	@AfterEach
	void close() throws Exception {
		this.provider.close();
		if (this.tokens != null) {
			this.tokens.close();
		}
		LoggingSystem.get(getClass().getClassLoader()).setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
	}

	@Test
	void aChatClientApplicationSendsEntraTokensToAzureAndLeaksNoneOfThem(CapturedOutput output) throws Exception {
		assertThat(System.getenv("OPENAI_API_KEY")).as("the trap is armed").isNotBlank();
		this.tokens.refuse("uami-not-assigned");
		List<String> answers = new ArrayList<>();
		List<String> failures = new ArrayList<>();
		List<String> actuatorBodies = new ArrayList<>();
		try (ConfigurableApplicationContext context = application().run()) {
			ChatClient chatClient = context.getBean(Asker.class).chatClient;
			// the default model, gpt-4o: two keyless Azure deployments and an OpenAI one, one call each
			for (int i = 0; i < 3; i++) {
				answers.add(chatClient.prompt("Hello").call().content());
			}
			answers.add(String.join("", chatClient.prompt("Hello").stream().content().collectList().block(
					Duration.ofSeconds(20))));
			// a 401 from one keyless deployment: the call goes to another
			this.provider.enqueue("/eu/openai/deployments/chat-eu",
					FakeProvider.error(401, "invalid_request_error", "401", "Access denied due to invalid token"));
			answers.add(chatClient.prompt().user("Hello").options(ChatOptions.builder().model("mini")).call()
				.content());
			// a credential that gives no token, and nothing else to go to
			assertThatException()
				.isThrownBy(() -> chatClient.prompt()
					.user("Hello")
					.options(ChatOptions.builder().model("broken"))
					.call()
					.content())
				.satisfies((ex) -> failures.add(stackTrace(ex)))
				.satisfies((ex) -> assertThat(rootCauses(ex)).anyMatch(AccessTokenUnavailableException.class::isInstance));

			FailureRecorder recorder = context.getBean(FailureRecorder.class);
			assertThat(recorder.failures).extracting((failure) -> failure.failure().kind())
				.containsExactly(Failure.Kind.MISCONFIGURED, Failure.Kind.MISCONFIGURED);
			recorder.failures.forEach((failure) -> failures.add(stackTrace(failure.exception())));

			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			List<String> actuator = new ArrayList<>();
			for (String path : List.of("/actuator/router", "/actuator/health", "/actuator/metrics/router.calls",
					"/actuator/metrics/router.tokens")) {
				HttpResponse<String> response = get(port, path);
				// broken has no deployment out of cooldown: the router's health is DOWN
				assertThat(response.statusCode()).as(path).isEqualTo(path.equals("/actuator/health") ? 503 : 200);
				actuator.add(response.body());
			}
			assertThat(actuator.get(0)).contains("\"azure-eu\"", "\"azure-us\"", "\"openai\"", "\"azure-broken\"")
				.contains("misconfigured: AccessTokenUnavailableException");
			assertThat(actuator.get(1)).contains("\"router\"", "DOWN");
			assertThat(actuator.get(2)).contains("azure-eu", "misconfigured");
			actuatorBodies.addAll(actuator);

			// what the deployments received
			String token = this.tokens.issued().get(0);
			List<Request> eu = this.provider.requestsTo("/eu/openai/deployments/chat-eu");
			List<Request> us = this.provider.requestsTo("/us/openai/v1");
			assertThat(eu).isNotEmpty();
			assertThat(us).isNotEmpty();
			assertThat(concat(eu, us)).allSatisfy((request) -> {
				assertThat(request.authorizationHeader()).isEqualTo("Bearer " + token);
				assertThat(request.apiKeyHeader()).isNull();
			});
			assertThat(this.provider.requestsTo("/oai/v1")).isNotEmpty()
				.allSatisfy((request) -> assertThat(request.authorizationHeader()).isEqualTo("Bearer " + OPENAI_KEY));
			assertThat(this.provider.requestsTo("/broken/openai/v1")).isEmpty();
			assertThat(this.tokens.issued()).hasSize(1);
			assertThat(this.tokens.requests()).extracting(FakeTokenEndpoint.TokenRequest::clientId)
				.containsExactlyInAnyOrder(null, "uami-not-assigned");
		}
		actuatorBodies.forEach((body) -> failures.add(body));
		assertThat(answers).hasSize(5).allSatisfy((answer) -> assertThat(answer).startsWith("Hello from"));

		String log = output.getAll();
		assertThat(log).contains("DEBUG")
			.contains("Got an access token from the default Azure credential (scope "
					+ "https://cognitiveservices.azure.com/.default), valid until")
			.contains("Routed a call of model 'gpt-4o'")
			.contains("cools down for 60000 ms");
		List<String> texts = new ArrayList<>(List.of(log));
		texts.addAll(failures);
		for (String text : texts) {
			for (String key : List.of(OPENAI_KEY, System.getenv("OPENAI_API_KEY"),
					System.getenv("MICROSOFT_FOUNDRY_API_KEY"))) {
				assertThat(text).doesNotContain(key);
			}
			for (String issued : this.tokens.issued()) {
				assertThat(text).doesNotContain(issued);
				// nor any 12 characters of its random part
				String random = issued.substring(issued.length() - 32);
				for (int i = 0; i + 12 <= random.length(); i++) {
					assertThat(text).as("a fragment of a token").doesNotContain(random.substring(i, i + 12));
				}
			}
		}
	}

	// ---- helpers

	private SpringApplicationBuilder application() {
		String base = this.provider.url();
		List<String> properties = new ArrayList<>(List.of("logging.level.root=debug", "spring.main.banner-mode=off",
				"server.port=0", "management.endpoints.web.exposure.include=router,health,metrics",
				"management.endpoint.health.show-components=always", "router.usage-store=memory",
				"spring.autoconfigure.exclude="
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiEmbeddingAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiImageAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiAudioSpeechAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiAudioTranscriptionAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiModerationAutoConfiguration",
				// gpt-4o: two keyless Azure deployments, on both surfaces, and OpenAI, one call each
				"router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=azure/chat-eu",
				"router.model-list[0].params.api-base=" + base + "/eu",
				"router.model-list[0].params.api-version=2024-10-21", "router.model-list[0].model-info.id=azure-eu",
				"router.model-list[0].order=1", "router.model-list[0].rpm=1",
				"router.model-list[1].model-name=gpt-4o", "router.model-list[1].params.model=azure/chat-us",
				"router.model-list[1].params.api-base=" + base + "/us", "router.model-list[1].model-info.id=azure-us",
				"router.model-list[1].order=2", "router.model-list[1].rpm=2",
				"router.model-list[2].model-name=gpt-4o", "router.model-list[2].params.model=openai/gpt-4o",
				"router.model-list[2].params.api-base=" + base + "/oai/v1",
				"router.model-list[2].params.api-key=" + OPENAI_KEY, "router.model-list[2].model-info.id=openai",
				"router.model-list[2].order=3",
				// mini: the first keyless Azure deployment again, then the second
				"router.model-list[3].model-name=mini", "router.model-list[3].params.model=azure/chat-eu",
				"router.model-list[3].params.api-base=" + base + "/eu",
				"router.model-list[3].params.api-version=2024-10-21", "router.model-list[3].model-info.id=azure-eu-mini",
				"router.model-list[3].order=1", "router.model-list[4].model-name=mini",
				"router.model-list[4].params.model=azure/chat-us", "router.model-list[4].params.api-base=" + base + "/us",
				"router.model-list[4].model-info.id=azure-us-mini", "router.model-list[4].order=2",
				// broken: a managed identity that is not assigned
				"router.model-list[5].model-name=broken", "router.model-list[5].params.model=azure/chat-broken",
				"router.model-list[5].params.api-base=" + base + "/broken",
				"router.model-list[5].params.client-id=uami-not-assigned",
				"router.model-list[5].model-info.id=azure-broken"));
		return new SpringApplicationBuilder(ConsumerApplication.class).web(WebApplicationType.SERVLET)
			.properties(properties.toArray(String[]::new));
	}

	private static HttpResponse<String> get(int port, String path) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.GET()
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String stackTrace(Throwable ex) {
		StringWriter out = new StringWriter();
		ex.printStackTrace(new PrintWriter(out));
		return out.toString();
	}

	private static List<Throwable> rootCauses(Throwable ex) {
		List<Throwable> chain = new ArrayList<>();
		for (Throwable cause = ex; cause != null && chain.size() < 10; cause = cause.getCause()) {
			chain.add(cause);
		}
		return chain;
	}

	private static List<Request> concat(List<Request> first, List<Request> second) {
		List<Request> all = new ArrayList<>(first);
		all.addAll(second);
		return all;
	}

	/** The consumer's own bean: it only knows ChatClient. */
	static class Asker {

		final ChatClient chatClient;

		Asker(ChatClient.Builder builder) {
			this.chatClient = builder.build();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ConsumerApplication {

		@Bean
		Asker asker(ChatClient.Builder builder) {
			return new Asker(builder);
		}

		@Bean
		FailureRecorder failureRecorder() {
			return new FailureRecorder();
		}

	}

}
