package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.provider.AccessTokenUnavailableException;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.RoutingListener;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.FakeProvider.Request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Keyless Azure deployments on the wire, with tokens from the real {@code DefaultAzureCredential}
 * chain (azure-identity's App Service managed identity source, pointed at
 * {@link FakeTokenEndpoint} by the module's surefire environment, which also sets
 * {@code OPENAI_API_KEY}): what each deployment receives, how many tokens are asked for, when
 * they are refreshed, and where a call goes when a credential fails.
 */
class EntraIdWireTests {

	private static final String AZURE_KEY = "azure-entry-key-0001";

	private static final String OPENAI_KEY = "sk-entry-key-0002";

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
	}

	@Test
	void keylessAzureSendsTheEntraTokenAndNoKeyWhileKeyedEntriesSendTheirOwnKeys() {
		assertThat(System.getenv("OPENAI_API_KEY")).as("the trap is armed").isNotBlank();
		assertThat(System.getenv("MICROSOFT_FOUNDRY_API_KEY")).as("the trap is armed").isNotBlank();
		runner(entry(0, "azure/chat-eu", "/eu", "api-version=2024-10-21"), entry(1, "azure/chat-us", "/us"),
				entry(2, "azure/chat-keyed", "/keyed", "api-key=" + AZURE_KEY, "api-version=2024-10-21"),
				entry(3, "openai/gpt-4o", "/oai/v1", "api-key=" + OPENAI_KEY))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				for (int i = 0; i < 4; i++) {
					chat.call(prompt());
				}
				String token = this.tokens.lastIssued();

				Request dated = single(this.provider.requestsTo("/eu/openai/deployments/chat-eu"));
				assertThat(dated.authorizationHeader()).isEqualTo("Bearer " + token);
				assertThat(dated.apiKeyHeader()).isNull();
				assertThat(dated.queryParameter("api-version")).isEqualTo("2024-10-21");

				Request v1 = single(this.provider.requestsTo("/us/openai/v1"));
				assertThat(v1.path()).isEqualTo("/us/openai/v1/chat/completions");
				assertThat(v1.json().path("model").asString()).isEqualTo("chat-us");
				assertThat(v1.authorizationHeader()).isEqualTo("Bearer " + token);
				assertThat(v1.apiKeyHeader()).isNull();

				Request keyed = single(this.provider.requestsTo("/keyed/openai/deployments/chat-keyed"));
				assertThat(keyed.apiKeyHeader()).isEqualTo(AZURE_KEY);
				assertThat(keyed.authorizationHeader()).isNull();

				Request openAi = single(this.provider.requestsTo("/oai/v1"));
				assertThat(openAi.authorizationHeader()).isEqualTo("Bearer " + OPENAI_KEY);
				assertThat(openAi.apiKeyHeader()).isNull();

				assertThat(this.provider.requests()).hasSize(4).allSatisfy((request) -> {
					assertThat(String.valueOf(request.apiKeyHeader())).doesNotContain("from-the-environment");
					assertThat(String.valueOf(request.authorizationHeader())).doesNotContain("from-the-environment");
				});
				// both keyless deployments use the default credential: one token serves them
				assertThat(this.tokens.requests()).singleElement().satisfies((request) -> {
					assertThat(request.method()).isEqualTo("GET");
					assertThat(request.path()).isEqualTo("/msi/token");
					assertThat(request.apiVersion()).isEqualTo("2019-08-01");
					assertThat(request.resource()).isEqualTo("https://cognitiveservices.azure.com");
					assertThat(request.clientId()).isNull();
					assertThat(request.identityHeader()).isEqualTo(System.getenv(FakeTokenEndpoint.HEADER_VARIABLE));
				});
			});
	}

	@Test
	void oneTokenServesManyConcurrentCallsStreamsAndEmbeddingsOfEveryDeploymentOnTheCredential() throws Exception {
		runner(unlimited(entry(0, "azure/chat-eu", "/eu", "api-version=2024-10-21")),
				unlimited(entry(1, "azure/chat-us", "/us")),
				embedding(entry(2, "azure/embed-eu", "/eu", "api-version=2024-06-01")))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				EmbeddingModel embeddings = context.getBean(EmbeddingModel.class);
				ExecutorService callers = Executors.newFixedThreadPool(8);
				try {
					List<Future<?>> calls = new ArrayList<>();
					for (int i = 0; i < 24; i++) {
						int n = i;
						calls.add(callers.submit(() -> {
							if (n % 3 == 0) {
								return chat.stream(prompt()).collectList().block(Duration.ofSeconds(20));
							}
							return (n % 3 == 1) ? chat.call(prompt()) : embeddings.embed("text " + n);
						}));
					}
					for (Future<?> call : calls) {
						call.get(30, TimeUnit.SECONDS);
					}
				}
				finally {
					callers.shutdownNow();
				}
				assertThat(this.provider.requests()).hasSize(24)
					.allSatisfy((request) -> assertThat(request.authorizationHeader())
						.isEqualTo("Bearer " + this.tokens.issued().get(0)));
				assertThat(this.tokens.requests()).hasSize(1);
			});
	}

	@Test
	void aTokenIsRefreshedBeforeItExpiresAndUsedUntilThen() throws Exception {
		this.tokens.lifetime(Duration.ofSeconds(4));
		runner(unlimited(entry(0, "azure/chat-eu", "/eu"))).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			Instant start = Instant.now();
			chat.call(prompt());
			chat.call(prompt());
			assertThat(this.tokens.requests()).hasSize(1);
			// past half of its lifetime, the token is refreshed; it had two seconds left
			Thread.sleep(Math.max(0, Duration.between(Instant.now(), start.plusMillis(2_300)).toMillis()));
			chat.call(prompt());
			chat.call(prompt());
			assertThat(this.tokens.requests()).hasSize(2);
			List<String> sent = this.provider.requests().stream().map(Request::authorizationHeader).toList();
			String first = this.tokens.issued().get(0);
			String second = this.tokens.issued().get(1);
			assertThat(sent).containsExactly("Bearer " + first, "Bearer " + first, "Bearer " + second,
					"Bearer " + second);
		});
	}

	@Test
	void aCredentialThatGivesNoTokenSendsTheCallToAnotherDeploymentAndCoolsItsOwnDown() {
		this.tokens.refuse("uami-not-assigned");
		FailureRecorder failures = new FailureRecorder();
		runner(ordered(1, entry(0, "azure/chat-eu", "/eu", "client-id=uami-not-assigned")),
				ordered(2, entry(1, "azure/chat-us", "/us", "api-version=2024-10-21")))
			.withBean(FailureRecorder.class, () -> failures)
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				// a stream first: its attempt fails on the async client's path
				List<ChatResponse> chunks = chat.stream(prompt()).collectList().block(Duration.ofSeconds(20));
				assertThat(FakeProvider.text(chunks)).endsWith("/us/openai/deployments/chat-us");
				assertThat(chat.call(prompt()).getResult().getOutput().getText())
					.endsWith("/us/openai/deployments/chat-us");

				assertThat(this.provider.requestsTo("/eu/openai/v1")).isEmpty();
				assertThat(this.provider.requests()).hasSize(2)
					.allSatisfy((request) -> assertThat(request.authorizationHeader())
						.isEqualTo("Bearer " + this.tokens.lastIssued()));
				// the refused identity was asked once: its deployment then cooled down
				assertThat(this.tokens.requests()).filteredOn((request) -> request.clientId() != null)
					.singleElement()
					.satisfies((request) -> assertThat(request.clientId()).isEqualTo("uami-not-assigned"));
				assertThat(failures.failures).singleElement().satisfies((failure) -> {
					assertThat(failure.deployment().id()).isEqualTo("azure:localhost:" + port() + "/chat-eu");
					assertThat(failure.failure().kind()).isEqualTo(Failure.Kind.MISCONFIGURED);
					assertThat(failure.exception()).isInstanceOf(AccessTokenUnavailableException.class)
						.hasMessageContaining("Deployment azure:localhost:" + port() + "/chat-eu")
						.hasMessageContaining("the user-assigned managed identity uami-not-assigned");
				});
			});
	}

	@Test
	void whenTheDefaultCredentialFailsAKeyedDeploymentServes() {
		this.tokens.refuseAll(true);
		FailureRecorder failures = new FailureRecorder();
		runner(ordered(1, entry(0, "azure/chat-eu", "/eu")),
				ordered(2, entry(1, "openai/gpt-4o", "/oai/v1", "api-key=" + OPENAI_KEY)))
			.withBean(FailureRecorder.class, () -> failures)
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				assertThat(chat.call(prompt()).getResult().getOutput().getText()).endsWith("/oai/v1");
				assertThat(single(this.provider.requests()).authorizationHeader()).isEqualTo("Bearer " + OPENAI_KEY);
				assertThat(this.tokens.requests()).isNotEmpty();
				assertThat(failures.failures).singleElement()
					.satisfies((failure) -> assertThat(failure.failure().kind()).isEqualTo(Failure.Kind.MISCONFIGURED));
			});
	}

	// ---- helpers

	private ApplicationContextRunner runner(String[]... entries) {
		List<String> properties = new ArrayList<>(List.of("router.usage-store=memory"));
		for (String[] entry : entries) {
			properties.addAll(List.of(entry));
		}
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	/** A gpt-4o entry on the fake (rpm 1, so that n calls reach n entries once each). */
	private String[] entry(int index, String model, String path, String... params) {
		String prefix = "router.model-list[" + index + "].";
		List<String> properties = new ArrayList<>(List.of(prefix + "model-name=gpt-4o", prefix + "params.model=" + model,
				prefix + "params.api-base=" + this.provider.url() + path, prefix + "rpm=1"));
		for (String param : params) {
			properties.add(prefix + "params." + param);
		}
		return properties.toArray(String[]::new);
	}

	private static String[] unlimited(String[] entry) {
		return java.util.Arrays.stream(entry).filter((property) -> !property.endsWith(".rpm=1")).toArray(String[]::new);
	}

	private static String[] ordered(int order, String[] entry) {
		List<String> properties = new ArrayList<>(List.of(unlimited(entry)));
		properties.add(entry[0].substring(0, entry[0].indexOf("].") + 2) + "order=" + order);
		return properties.toArray(String[]::new);
	}

	private static String[] embedding(String[] entry) {
		List<String> properties = new ArrayList<>(List.of(unlimited(entry)));
		String prefix = entry[0].substring(0, entry[0].indexOf("].") + 2);
		properties.replaceAll((property) -> property.equals(prefix + "model-name=gpt-4o") ? prefix + "model-name=embed"
				: property);
		properties.add(prefix + "model-info.mode=embedding");
		return properties.toArray(String[]::new);
	}

	private int port() {
		return java.net.URI.create(this.provider.url()).getPort();
	}

	private static Prompt prompt() {
		return new Prompt("Hello", ChatOptions.builder().model("gpt-4o").build());
	}

	private static Request single(List<Request> requests) {
		assertThat(requests).hasSize(1);
		return requests.get(0);
	}

	/** Records every failed attempt. */
	static class FailureRecorder implements RoutingListener {

		final List<Recorded> failures = new CopyOnWriteArrayList<>();

		@Override
		public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
			this.failures.add(new Recorded(deployment, failure, exception));
		}

		record Recorded(Deployment deployment, Failure failure, Throwable exception) {

		}

	}

}
