package io.github.airouter.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.FakeProvider.Request;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each deployment's calls leave in its provider's wire format, with its own key, path and
 * api-version, and usage comes back into the router from responses and streams.
 */
class ProviderWireFormatTests {

	private final FakeProvider provider = new FakeProvider();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
		.withPropertyValues("router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].params.model=azure/chat-eu",
				"router.model-list[0].params.api-base=" + this.provider.url() + "/eu",
				"router.model-list[0].params.api-key=azure-key-eu-0001",
				"router.model-list[0].params.api-version=2024-10-21", "router.model-list[0].rpm=1",
				"router.model-list[1].model-name=gpt-4o", "router.model-list[1].params.model=openai/gpt-4o-2024-08-06",
				"router.model-list[1].params.api-base=" + this.provider.url() + "/oai/v1",
				"router.model-list[1].params.api-key=sk-openai-key-0002", "router.model-list[1].rpm=1",
				"router.model-list[2].model-name=embed", "router.model-list[2].params.model=azure/embed-eu",
				"router.model-list[2].params.api-base=" + this.provider.url() + "/eu",
				"router.model-list[2].params.api-key=azure-key-eu-0003",
				"router.model-list[2].params.api-version=2024-06-01", "router.model-list[2].model-info.mode=embedding",
				"router.model-list[2].rpm=1", "router.model-list[3].model-name=embed",
				"router.model-list[3].params.model=text-embedding-3-small",
				"router.model-list[3].params.api-base=" + this.provider.url() + "/oai/v1",
				"router.model-list[3].params.api-key=sk-openai-key-0004",
				"router.model-list[3].model-info.mode=embedding", "router.model-list[3].rpm=1");

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	@Test
	void chatCallsReachEachDeploymentWithItsOwnKeyPathAndApiVersion() {
		this.runner.run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			chat.call(new Prompt("Hi"));
			chat.call(new Prompt("Hi"));

			Request azure = single(this.provider.requestsTo("/eu/openai/deployments/chat-eu"));
			assertThat(azure.method()).isEqualTo("POST");
			assertThat(azure.path()).startsWith("/eu/openai/deployments/chat-eu/chat/completions?");
			assertThat(azure.queryParameter("api-version")).isEqualTo("2024-10-21");
			assertThat(azure.apiKeyHeader()).isEqualTo("azure-key-eu-0001");
			assertThat(azure.authorizationHeader()).isNull();

			Request openAi = single(this.provider.requestsTo("/oai/v1"));
			assertThat(openAi.path()).isEqualTo("/oai/v1/chat/completions");
			assertThat(openAi.authorizationHeader()).isEqualTo("Bearer sk-openai-key-0002");
			assertThat(openAi.apiKeyHeader()).isNull();
			assertThat(openAi.json().path("model").asString()).isEqualTo("gpt-4o-2024-08-06");
		});
	}

	@Test
	void perCallOptionsPassThroughAndTheModelNameIsReplacedByTheDeployments() {
		this.runner.run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			OpenAiChatOptions options = OpenAiChatOptions.builder()
				.model("gpt-4o")
				.temperature(0.25)
				.maxTokens(42)
				.topP(0.5)
				.build();
			chat.call(new Prompt("Hi", options));
			chat.call(new Prompt("Hi", options));
			assertThat(this.provider.requests()).hasSize(2).allSatisfy((request) -> {
				assertThat(request.json().path("temperature").asDouble()).isEqualTo(0.25);
				assertThat(request.json().path("max_tokens").asInt()).isEqualTo(42);
				assertThat(request.json().path("top_p").asDouble()).isEqualTo(0.5);
				assertThat(request.json().path("model").asString()).isNotEqualTo("gpt-4o");
			});
			assertThat(single(this.provider.requestsTo("/eu/openai/deployments/chat-eu")).json().path("model").asString())
				.isEqualTo("chat-eu");
		});
	}

	@Test
	void streamsAreReconciledFromTheFinalUsageChunk() {
		this.provider.usage(1200, 300);
		this.runner.run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			Router router = context.getBean(Router.class);
			List<ChatResponse> chunks = chat.stream(new Prompt("Hi")).collectList().block();
			String text = chunks.stream()
				.map((chunk) -> (chunk.getResult() != null) ? chunk.getResult().getOutput().getText() : "")
				.filter((part) -> part != null)
				.reduce("", String::concat);
			Request request = single(this.provider.requests());
			assertThat(request.json().path("stream").asBoolean()).isTrue();
			assertThat(text).isEqualTo("Hello from " + request.deployment());
			Deployment served = router.group("gpt-4o", io.github.airouter.deployment.ModelMode.CHAT)
				.deployments()
				.stream()
				.filter((d) -> request.deployment().startsWith(d.apiBase().getPath()))
				.findFirst()
				.orElseThrow();
			assertThat(router.usageStore().usage(served).tokens()).isEqualTo(1500);
			assertThat(router.usageStore().usage(served).requests()).isEqualTo(1);
		});
	}

	@Test
	void embeddingsReachAzureAndOpenAiDeploymentsAndReportUsage() {
		this.provider.usage(7, 0);
		this.runner.run((context) -> {
			RoutingEmbeddingModel embeddings = context.getBean(RoutingEmbeddingModel.class);
			EmbeddingResponse first = embeddings.embedForResponse(List.of("alpha", "beta"));
			embeddings.embedForResponse(List.of("gamma"));
			assertThat(first.getResults()).hasSize(2);
			assertThat(first.getResults().get(1).getOutput()).containsExactly(0.1f, 0.2f, 1f);

			Request azure = single(this.provider.requestsTo("/eu/openai/deployments/embed-eu"));
			assertThat(azure.path()).startsWith("/eu/openai/deployments/embed-eu/embeddings?");
			assertThat(azure.queryParameter("api-version")).isEqualTo("2024-06-01");
			assertThat(azure.apiKeyHeader()).isEqualTo("azure-key-eu-0003");

			Request openAi = single(this.provider.requestsTo("/oai/v1"));
			assertThat(openAi.path()).isEqualTo("/oai/v1/embeddings");
			assertThat(openAi.authorizationHeader()).isEqualTo("Bearer sk-openai-key-0004");
			assertThat(openAi.json().path("model").asString()).isEqualTo("text-embedding-3-small");

			Router router = context.getBean(Router.class);
			long tokens = router.groups()
				.stream()
				.filter((group) -> group.name().equals("embed"))
				.flatMap((group) -> group.deployments().stream())
				.mapToLong((deployment) -> router.usageStore().usage(deployment).tokens())
				.sum();
			assertThat(tokens).isEqualTo(14);
		});
	}

	private static Request single(List<Request> requests) {
		assertThat(requests).hasSize(1);
		return requests.get(0);
	}

}
