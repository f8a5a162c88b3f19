package io.github.airouter.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.Embedding;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The official OpenAI Java SDK ({@code com.openai:openai-java}, with its own OkHttp client,
 * not Spring AI) against the proxy on a random port: what a Java application pointing the
 * SDK's base URL at the proxy gets. Needs nothing but the JDK, so it always runs.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class OpenAiJavaClientTests {

	@LocalServerPort
	private int port;

	private OpenAIClient client;

	@BeforeEach
	void client() {
		this.client = client(RouterProxyApplicationTests.KEY);
	}

	@AfterEach
	void close() {
		this.client.close();
	}

	@Test
	void chatCompletion() {
		ChatCompletion completion = this.client.chat()
			.completions()
			.create(ChatCompletionCreateParams.builder()
				.model("gpt-4o")
				.addSystemMessage("Answer in one sentence.")
				.addUserMessage("Why spread calls over deployments?")
				.maxCompletionTokens(64)
				.temperature(0.2)
				.build());
		assertThat(completion.model()).isEqualTo("gpt-4o");
		assertThat(completion.id()).isNotBlank();
		assertThat(completion.choices()).hasSize(1);
		ChatCompletion.Choice choice = completion.choices().get(0);
		assertThat(choice.message().content()).hasValueSatisfying((content) -> assertThat(content).isNotBlank());
		assertThat(choice.finishReason().asString()).isIn("stop", "length");
		CompletionUsage usage = completion.usage().orElseThrow();
		assertThat(usage.promptTokens()).isPositive();
		assertThat(usage.completionTokens()).isPositive();
		assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
	}

	@Test
	void streamWithIncludeUsageEndsWithAUsageChunk() {
		List<ChatCompletionChunk> chunks = new ArrayList<>();
		try (StreamResponse<ChatCompletionChunk> stream = this.client.chat()
			.completions()
			.createStreaming(ChatCompletionCreateParams.builder()
				.model("gpt-4o")
				.addUserMessage("Stream me an answer.")
				.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
				.build())) {
			stream.stream().forEach(chunks::add);
		}
		assertThat(chunks).hasSizeGreaterThanOrEqualTo(2);
		assertThat(chunks).allSatisfy((chunk) -> assertThat(chunk.model()).isEqualTo("gpt-4o"));
		StringBuilder text = new StringBuilder();
		chunks.forEach((chunk) -> chunk.choices().forEach((choice) -> choice.delta().content().ifPresent(text::append)));
		assertThat(text).isNotEmpty();
		ChatCompletionChunk last = chunks.get(chunks.size() - 1);
		assertThat(last.choices()).as("the usage chunk has no choices").isEmpty();
		CompletionUsage usage = last.usage().orElseThrow();
		assertThat(usage.promptTokens()).isPositive();
		assertThat(usage.completionTokens()).isPositive();
		assertThat(chunks.subList(0, chunks.size() - 1)).as("usage only on the last chunk")
			.allSatisfy((chunk) -> assertThat(chunk.usage()).isEmpty());
		assertThat(chunks.get(chunks.size() - 2).choices().get(0).finishReason())
			.hasValueSatisfying((reason) -> assertThat(reason.asString()).isIn("stop", "length"));
	}

	@Test
	void embeddings() {
		CreateEmbeddingResponse response = this.client.embeddings()
			.create(EmbeddingCreateParams.builder()
				.model("text-embedding-3-small")
				.inputOfArrayOfStrings(List.of("routing", "rate limits"))
				.build());
		assertThat(response.model()).isEqualTo("text-embedding-3-small");
		assertThat(response.data()).hasSize(2);
		for (int index = 0; index < 2; index++) {
			Embedding embedding = response.data().get(index);
			assertThat(embedding.index()).isEqualTo(index);
			assertThat(embedding.embedding()).isNotEmpty().allSatisfy((value) -> assertThat(value).isFinite());
		}
		assertThat(response.usage().promptTokens()).isPositive();
	}

	@Test
	void modelsListsEveryModelGroup() {
		List<String> ids = this.client.models().list().autoPager().stream().map(Model::id).toList();
		assertThat(ids).contains("gpt-4o", "gpt-4o-mini", "text-embedding-3-small");
	}

	@Test
	void aWrongKeyIs401() {
		OpenAIClient stranger = client("not-a-client-key");
		try {
			assertThatExceptionOfType(UnauthorizedException.class)
				.isThrownBy(() -> stranger.chat()
					.completions()
					.create(ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("Hello").build()))
				.satisfies((ex) -> {
					assertThat(ex.statusCode()).isEqualTo(401);
					assertThat(ex.code()).hasValue("invalid_api_key");
					assertThat(ex.getMessage()).doesNotContain("not-a-client-key");
				});
		}
		finally {
			stranger.close();
		}
	}

	@Test
	void anUnknownModelIs404() {
		assertThatExceptionOfType(NotFoundException.class)
			.isThrownBy(() -> this.client.chat()
				.completions()
				.create(ChatCompletionCreateParams.builder().model("no-such-model").addUserMessage("Hello").build()))
			.satisfies((ex) -> {
				assertThat(ex.statusCode()).isEqualTo(404);
				assertThat(ex.code()).hasValue("model_not_found");
			});
		assertThatExceptionOfType(NotFoundException.class).isThrownBy(() -> this.client.embeddings()
			.create(EmbeddingCreateParams.builder().model("no-such-model").input("x").build()));
	}

	private OpenAIClient client(String key) {
		// no retries: a refusal must show as it is
		return OpenAIOkHttpClient.builder()
			.baseUrl("http://127.0.0.1:" + this.port + "/v1")
			.apiKey(key)
			.maxRetries(0)
			.timeout(Duration.ofSeconds(30))
			.build();
	}

}
