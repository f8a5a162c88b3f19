package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.azure.core.credential.TokenCredential;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.autoconfigure.EntraIdConfigurationTests.CountingCredential;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.FakeProvider.Request;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Azure's two surfaces on the wire, for calls, streams and embeddings, with a key and
 * without one: the v1 API ({@code {api-base}/openai/v1/...}, the deployment as
 * {@code model}, no dated api-version) when api-version is absent, {@code v1}, {@code latest}
 * or {@code preview}, or api-base ends with {@code /openai/v1}; the deployments API
 * ({@code /openai/deployments/{deployment}/...?api-version=...}) for a dated version.
 */
class AzureApiSurfaceWireTests {

	private static final String KEY = "azure-entry-key-0001";

	private final FakeProvider provider = new FakeProvider();

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	@Test
	void withoutADatedVersionCallsAndStreamsGoToTheV1ApiWithTheDeploymentAsModel() {
		runner(chat(0, "chat-a", "/a"), chat(1, "chat-b", "/b", "api-version=v1"),
				chat(2, "chat-c", "/c", "api-version=latest", "api-key=" + KEY),
				chat(3, "chat-d", "/d", "api-version=preview"), chat(4, "chat-e", "/e/openai/v1/"),
				chat(5, "chat-f", "/f/openai/v1", "api-version=preview", "api-key=" + KEY))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				for (String deployment : List.of("chat-a", "chat-b", "chat-c", "chat-d", "chat-e", "chat-f")) {
					String path = "/" + deployment.substring(5) + "/openai/v1";
					assertThat(chat.call(prompt(deployment)).getResult().getOutput().getText())
						.isEqualTo("Hello from " + path);
					List<ChatResponse> chunks = chat.stream(prompt(deployment)).collectList().block(Duration.ofSeconds(10));
					assertThat(FakeProvider.text(chunks)).isEqualTo("Hello from " + path);
					List<Request> requests = this.provider.requestsTo(path);
					assertThat(requests).hasSize(2).allSatisfy((request) -> {
						assertThat(request.method()).isEqualTo("POST");
						assertThat(request.path()).startsWith(path + "/chat/completions");
						assertThat(request.json().path("model").asString()).isEqualTo(deployment);
					});
					assertThat(requests.get(1).json().path("stream").asBoolean()).isTrue();
					String apiVersion = (deployment.equals("chat-d") || deployment.equals("chat-f")) ? "preview" : null;
					assertThat(requests).extracting((request) -> request.queryParameter("api-version"))
						.containsOnly(apiVersion);
				}
				assertThat(this.provider.requestsTo("/c/openai/v1")).allSatisfy((request) -> {
					assertThat(request.apiKeyHeader()).isEqualTo(KEY);
					assertThat(request.authorizationHeader()).isNull();
				});
				assertThat(this.provider.requestsTo("/a/openai/v1")).allSatisfy((request) -> {
					assertThat(request.authorizationHeader()).isEqualTo("Bearer app-token-1");
					assertThat(request.apiKeyHeader()).isNull();
				});
			});
	}

	@Test
	void aDatedVersionKeepsCallsAndStreamsOnTheDeploymentsApi() {
		runner(chat(0, "chat-a", "/a", "api-version=2024-10-21"),
				chat(1, "chat-b", "/b", "api-version=2025-04-01-preview", "api-key=" + KEY))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				for (String deployment : List.of("chat-a", "chat-b")) {
					String path = "/" + deployment.substring(5) + "/openai/deployments/" + deployment;
					assertThat(chat.call(prompt(deployment)).getResult().getOutput().getText())
						.isEqualTo("Hello from " + path);
					assertThat(FakeProvider.text(chat.stream(prompt(deployment)).collectList().block(Duration.ofSeconds(10))))
						.isEqualTo("Hello from " + path);
					assertThat(this.provider.requestsTo(path)).hasSize(2).allSatisfy((request) -> {
						assertThat(request.path()).startsWith(path + "/chat/completions?");
						assertThat(request.queryParameter("api-version"))
							.isEqualTo(deployment.equals("chat-a") ? "2024-10-21" : "2025-04-01-preview");
					});
				}
				assertThat(single(this.provider.requestsTo("/b/openai/deployments/chat-b"), 2).apiKeyHeader())
					.isEqualTo(KEY);
				assertThat(single(this.provider.requestsTo("/a/openai/deployments/chat-a"), 2).authorizationHeader())
					.isEqualTo("Bearer app-token-1");
			});
	}

	@Test
	void embeddingsReachBothSurfaces() {
		runner(embedding(0, "embed-v1", "/v1res", "api-key=" + KEY), embedding(1, "embed-dated", "/dated",
				"api-version=2024-06-01"))
			.run((context) -> {
				RoutingEmbeddingModel embeddings = context.getBean(RoutingEmbeddingModel.class);
				EmbeddingResponse v1 = embeddings.call(request("embed-v1"));
				EmbeddingResponse dated = embeddings.call(request("embed-dated"));
				assertThat(v1.getResults()).hasSize(2);
				assertThat(dated.getResults()).hasSize(2);

				Request onV1 = single(this.provider.requestsTo("/v1res/openai/v1"), 1);
				assertThat(onV1.path()).isEqualTo("/v1res/openai/v1/embeddings");
				assertThat(onV1.json().path("model").asString()).isEqualTo("embed-v1");
				assertThat(onV1.apiKeyHeader()).isEqualTo(KEY);

				Request onDated = single(this.provider.requestsTo("/dated/openai/deployments/embed-dated"), 1);
				assertThat(onDated.path()).startsWith("/dated/openai/deployments/embed-dated/embeddings?");
				assertThat(onDated.queryParameter("api-version")).isEqualTo("2024-06-01");
				assertThat(onDated.authorizationHeader()).isEqualTo("Bearer app-token-1");
				assertThat(onDated.apiKeyHeader()).isNull();
			});
	}

	// ---- helpers

	/** Keyless entries take their tokens from an application credential. */
	private ApplicationContextRunner runner(String[]... entries) {
		List<String> properties = new ArrayList<>(List.of("router.usage-store=memory"));
		for (String[] entry : entries) {
			properties.addAll(List.of(entry));
		}
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withBean(TokenCredential.class, CountingCredential::new)
			.withPropertyValues(properties.toArray(String[]::new));
	}

	/** An Azure entry whose model name is its deployment's. */
	private String[] chat(int index, String deployment, String path, String... params) {
		String prefix = "router.model-list[" + index + "].";
		List<String> properties = new ArrayList<>(List.of(prefix + "model-name=" + deployment,
				prefix + "params.model=azure/" + deployment, prefix + "params.api-base=" + this.provider.url() + path));
		for (String param : params) {
			properties.add(prefix + "params." + param);
		}
		return properties.toArray(String[]::new);
	}

	private String[] embedding(int index, String deployment, String path, String... params) {
		List<String> properties = new ArrayList<>(List.of(chat(index, deployment, path, params)));
		properties.add("router.model-list[" + index + "].model-info.mode=embedding");
		return properties.toArray(String[]::new);
	}

	private static Prompt prompt(String model) {
		return new Prompt("Hello", ChatOptions.builder().model(model).build());
	}

	private static EmbeddingRequest request(String model) {
		return new EmbeddingRequest(List.of("alpha", "beta"), EmbeddingOptions.builder().model(model).build());
	}

	private static Request single(List<Request> requests, int expected) {
		assertThat(requests).hasSize(expected);
		return requests.get(0);
	}

}
