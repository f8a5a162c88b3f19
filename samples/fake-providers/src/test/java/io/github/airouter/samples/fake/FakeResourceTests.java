package io.github.airouter.samples.fake;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fake resource over HTTP: the 429 each flavour answers when a call would exceed a
 * deployment's limit, with the wait it asks for, and what the deployment then counts.
 */
class FakeResourceTests {

	private static final long START = 1_700_000_000_000L;

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newHttpClient();

	private final AtomicLong now = new AtomicLong(START);

	private @Nullable FakeResource resource;

	@AfterEach
	void close() {
		if (this.resource != null) {
			this.resource.close();
		}
	}

	private FakeResource start(FakeResource resource) throws IOException {
		this.resource = resource.start();
		return this.resource;
	}

	@Test
	void azureAnswersACallOverTheRequestLimit429WithRetryAfterInSecondsAndMillis() throws Exception {
		FakeResource azure = start(FakeResource.azure("azure-test",
				FakeDeployment.chat("chat-eu", "gpt-4o-2024-08-06", 1, 10_000).withClock(this.now::get)));
		HttpResponse<String> served = azureChat(azure, "chat-eu");
		assertThat(served.statusCode()).isEqualTo(200);
		assertThat(served.headers().firstValue("x-ratelimit-limit-requests")).hasValue("1");
		assertThat(served.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
		this.now.set(START + 12_345);
		HttpResponse<String> refused = azureChat(azure, "chat-eu");
		assertThat(refused.statusCode()).isEqualTo(429);
		// the call at START leaves the window at START + 60 s: 47,655 ms later, 48 s rounded up
		assertThat(refused.headers().firstValue("retry-after-ms")).hasValue("47655");
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("48");
		JsonNode error = json.readTree(refused.body()).path("error");
		assertThat(error.path("code").asString()).isEqualTo("429");
		assertThat(error.path("message").asString()).isEqualTo("Requests to the ChatCompletions_Create Operation "
				+ "under Azure OpenAI API version 2024-10-21 have exceeded call rate limit of your current AIServices "
				+ "S0 pricing tier. Please retry after 48 seconds.");
		FakeDeployment.Stats stats = azure.deployment("chat-eu").stats();
		assertThat(stats.served()).isEqualTo(1);
		assertThat(stats.tooManyRequests()).isEqualTo(1);
		assertThat(stats.peakRequests()).isEqualTo(1);
		assertThat(stats.peakRouterRequests()).isEqualTo(2);
	}

	@Test
	void openAiAnswersACallOverTheRequestLimit429WithRetryAfterInSecondsOnly() throws Exception {
		FakeResource openAi = start(FakeResource.openAi("openai-test",
				FakeDeployment.chat("gpt-4o", "gpt-4o-2024-08-06", 1, 10_000).withClock(this.now::get)));
		assertThat(openAiChat(openAi, "gpt-4o").statusCode()).isEqualTo(200);
		this.now.set(START + 59_001);
		HttpResponse<String> refused = openAiChat(openAi, "gpt-4o");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(refused.headers().firstValue("retry-after-ms")).isEmpty();
		JsonNode error = json.readTree(refused.body()).path("error");
		assertThat(error.path("type").asString()).isEqualTo("requests");
		assertThat(error.path("code").asString()).isEqualTo("rate_limit_exceeded");
		assertThat(error.path("message").asString()).isEqualTo("Rate limit reached for gpt-4o in organization "
				+ "org-demo on requests per min (RPM): Limit 1. Please try again in 1s.");
	}

	@Test
	void aCallThatCanNeverFitTheTokenLimitIsAskedToWaitAWholeWindow() throws Exception {
		FakeResource azure = start(FakeResource.azure("azure-test",
				FakeDeployment.embedding("embed-eu", "text-embedding-3-small", 10, 3).withClock(this.now::get)));
		HttpResponse<String> refused = send(HttpRequest
			.newBuilder(URI.create(azure.baseUrl() + "/openai/deployments/embed-eu/embeddings?api-version=2024-10-21"))
			.header("api-key", "test-key")
			.POST(HttpRequest.BodyPublishers.ofString("{\"input\":[\"one two three\",\"four five six\"]}")));
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
		assertThat(refused.headers().firstValue("retry-after-ms")).hasValue("60000");
		assertThat(json.readTree(refused.body()).path("error").path("message").asString())
			.contains("have exceeded token rate limit");
		FakeDeployment.Stats stats = azure.deployment("embed-eu").stats();
		assertThat(stats.served()).isZero();
		assertThat(stats.tooManyRequests()).isEqualTo(1);
		// the log of what was received keeps the refused call's tokens: 3 + 3
		assertThat(stats.peakRouterTokens()).isEqualTo(6);
		assertThat(stats.peakTokens()).isZero();
	}

	private HttpResponse<String> azureChat(FakeResource azure, String deployment) throws Exception {
		return send(HttpRequest
			.newBuilder(URI.create(
					azure.baseUrl() + "/openai/deployments/" + deployment + "/chat/completions?api-version=2024-10-21"))
			.header("api-key", "test-key")
			.POST(HttpRequest.BodyPublishers
				.ofString("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":5}")));
	}

	private HttpResponse<String> openAiChat(FakeResource openAi, String model) throws Exception {
		return send(HttpRequest.newBuilder(URI.create(openAi.baseUrl() + "/chat/completions"))
			.header("Authorization", "Bearer test-key")
			.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
					+ "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":5}")));
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		return this.http.send(request.header("Content-Type", "application/json").build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
