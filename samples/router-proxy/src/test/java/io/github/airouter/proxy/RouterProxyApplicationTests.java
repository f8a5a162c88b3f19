package io.github.airouter.proxy;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy's default profile on a real port, over the local fakes: the OpenAI JSON of
 * every endpoint, the SSE framing of streams, the errors, the client keys, the dashboard,
 * and that no key reaches a response or the log.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RouterProxyApplicationTests {

	/** The default profile's client key (application.yml): not a secret. */
	static final String KEY = "proxy-demo-key";

	/** The default profile's provider keys (application.yml). */
	static final String PROVIDER_KEY = "demo-key-not-secret";

	private static final String HELLO = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";

	/** Every test's client: it keeps all the responses for the last check. */
	private static ProxyClient client;

	@LocalServerPort
	private int port;

	@BeforeEach
	void client() {
		if (client == null) {
			client = new ProxyClient(this.port);
		}
	}

	@AfterAll
	static void noKeyInAnyResponseOrLogLine(CapturedOutput output) {
		assertThat(client.everything()).isNotEmpty().doesNotContain(PROVIDER_KEY, "not-a-client-key");
		// the output since the application started
		assertThat(output.getAll()).contains("Routing over 7 deployments")
			.doesNotContain(PROVIDER_KEY, KEY, "not-a-client-key");
	}

	@Test
	void modelsListsEveryModelGroup() {
		HttpResponse<String> response = client.get("/v1/models", KEY);
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode list = ProxyClient.json(response);
		assertThat(list.path("object").asString()).isEqualTo("list");
		List<String> ids = new ArrayList<>();
		for (JsonNode model : list.path("data")) {
			assertThat(model.path("object").asString()).isEqualTo("model");
			assertThat(model.path("created").asLong()).isPositive();
			assertThat(model.path("owned_by").asString()).isNotEmpty();
			ids.add(model.path("id").asString());
		}
		assertThat(ids).containsExactly("gpt-4o", "gpt-4o-mini", "text-embedding-3-small");
		JsonNode one = ProxyClient.json(client.get("/v1/models/gpt-4o-mini", KEY));
		assertThat(one.path("id").asString()).isEqualTo("gpt-4o-mini");
		HttpResponse<String> unknown = client.get("/v1/models/gpt-9", KEY);
		assertThat(unknown.statusCode()).isEqualTo(404);
		assertThat(ProxyClient.json(unknown).at("/error/code").asString()).isEqualTo("model_not_found");
	}

	@Test
	void chatCompletionIsAnOpenAiChatCompletion() {
		HttpResponse<String> response = client.post("/v1/chat/completions", KEY,
				"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
						+ "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello\"}]}],"
						+ "\"max_tokens\":64,\"temperature\":0.2,\"top_p\":0.9,\"stop\":[\"\\n\\n\"],\"seed\":1}");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		JsonNode completion = ProxyClient.json(response);
		assertThat(completion.path("id").asString()).isNotBlank();
		assertThat(completion.path("object").asString()).isEqualTo("chat.completion");
		assertThat(completion.path("created").asLong()).isPositive();
		assertThat(completion.path("model").asString()).isEqualTo("gpt-4o");
		assertThat(completion.path("choices")).hasSize(1);
		JsonNode choice = completion.path("choices").get(0);
		assertThat(choice.path("index").asInt()).isZero();
		assertThat(choice.at("/message/role").asString()).isEqualTo("assistant");
		assertThat(choice.at("/message/content").asString()).isNotBlank();
		assertThat(choice.path("finish_reason").asString()).isIn("stop", "length");
		JsonNode usage = completion.path("usage");
		assertThat(usage.path("prompt_tokens").asInt()).isPositive();
		assertThat(usage.path("completion_tokens").asInt()).isPositive();
		assertThat(usage.path("total_tokens").asInt())
			.isEqualTo(usage.path("prompt_tokens").asInt() + usage.path("completion_tokens").asInt());
	}

	@Test
	void maxTokensCutsTheAnswer() {
		JsonNode completion = ProxyClient.json(client.post("/v1/chat/completions", KEY,
				HELLO + ",\"max_completion_tokens\":3}"));
		assertThat(completion.at("/choices/0/finish_reason").asString()).isEqualTo("length");
		assertThat(completion.at("/usage/completion_tokens").asInt()).isLessThanOrEqualTo(3);
	}

	@Test
	void streamIsServerSentEventsEndingWithUsageAndDone() {
		HttpResponse<String> response = client.post("/v1/chat/completions", KEY,
				HELLO + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		List<String> events = events(response.body());
		assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
		List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(ProxyClient.json::readTree).toList();
		assertThat(chunks).hasSizeGreaterThanOrEqualTo(2);
		StringBuilder text = new StringBuilder();
		String id = chunks.get(0).path("id").asString();
		for (JsonNode chunk : chunks) {
			assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
			assertThat(chunk.path("model").asString()).isEqualTo("gpt-4o");
			assertThat(chunk.path("id").asString()).isEqualTo(id);
			for (JsonNode choice : chunk.path("choices")) {
				text.append(choice.at("/delta/content").asString(""));
			}
		}
		assertThat(chunks.get(0).at("/choices/0/delta/role").asString()).isEqualTo("assistant");
		assertThat(text).isNotEmpty();
		JsonNode last = chunks.get(chunks.size() - 1);
		assertThat(last.path("choices")).isEmpty();
		assertThat(last.at("/usage/prompt_tokens").asInt()).isPositive();
		assertThat(last.at("/usage/completion_tokens").asInt()).isPositive();
		JsonNode finished = chunks.get(chunks.size() - 2);
		assertThat(finished.at("/choices/0/finish_reason").asString()).isIn("stop", "length");
		assertThat(finished.get("usage").isNull()).as("usage is null before the last chunk").isTrue();
	}

	@Test
	void streamWithoutIncludeUsageHasNoUsageChunk() {
		HttpResponse<String> response = client.post("/v1/chat/completions", KEY,
				"{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}");
		List<String> events = events(response.body());
		assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
		for (String event : events.subList(0, events.size() - 1)) {
			JsonNode chunk = ProxyClient.json.readTree(event);
			assertThat(chunk.path("choices")).isNotEmpty();
			assertThat(chunk.has("usage")).isFalse();
		}
	}

	@Test
	void embeddingsInFloatsAndInBase64() {
		HttpResponse<String> response = client.post("/v1/embeddings", KEY,
				"{\"model\":\"text-embedding-3-small\",\"input\":[\"routing\",\"limits\"]}");
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode list = ProxyClient.json(response);
		assertThat(list.path("object").asString()).isEqualTo("list");
		assertThat(list.path("model").asString()).isEqualTo("text-embedding-3-small");
		assertThat(list.path("data")).hasSize(2);
		assertThat(list.at("/data/1/object").asString()).isEqualTo("embedding");
		assertThat(list.at("/data/1/index").asInt()).isEqualTo(1);
		assertThat(list.at("/usage/prompt_tokens").asInt()).isPositive();
		JsonNode floats = list.at("/data/0/embedding");
		assertThat(floats.isArray()).isTrue();
		JsonNode encoded = ProxyClient.json(client.post("/v1/embeddings", KEY,
				"{\"model\":\"text-embedding-3-small\",\"input\":\"routing\",\"encoding_format\":\"base64\"}"));
		ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded.at("/data/0/embedding").asString()))
			.order(ByteOrder.LITTLE_ENDIAN);
		assertThat(bytes.remaining()).isEqualTo(4 * floats.size());
		for (JsonNode value : floats) {
			assertThat(bytes.getFloat()).isEqualTo(value.floatValue());
		}
	}

	@Test
	void malformedRequestsAre400InvalidRequestError() {
		assertInvalid(client.post("/v1/chat/completions", KEY, "{\"model\":\"gpt-4o\",\"messages\":"), null);
		assertInvalid(client.post("/v1/chat/completions", KEY, "{\"model\":\"gpt-4o\"}"), "messages");
		assertInvalid(client.post("/v1/chat/completions", KEY, "{\"messages\":[]}"), "model");
		assertInvalid(client.post("/v1/chat/completions", KEY, HELLO + ",\"temperature\":\"warm\"}"),
				"temperature");
		assertInvalid(client.post("/v1/chat/completions", KEY,
				"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}"), "messages[0].role");
		assertInvalid(client.post("/v1/embeddings", KEY, "{\"model\":\"text-embedding-3-small\"}"), "input");
		assertInvalid(client.post("/v1/embeddings", KEY,
				"{\"model\":\"text-embedding-3-small\",\"input\":[1,2,3]}"), "input");
	}

	@Test
	void unknownModelsAre404ModelNotFound() {
		// gpt-5-mini is the name Spring AI fills in when a call names no model: still unknown here
		for (String model : List.of("no-such-model", "gpt-5-mini", "text-embedding-3-small")) {
			HttpResponse<String> response = client.post("/v1/chat/completions", KEY,
					"{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
			assertError(response, 404, "model_not_found");
		}
		assertError(client.post("/v1/chat/completions", KEY,
				"{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}"),
				404, "model_not_found");
		assertError(client.post("/v1/embeddings", KEY, "{\"model\":\"gpt-4o\",\"input\":\"x\"}"), 404,
				"model_not_found");
		assertError(client.post("/v1/completions", KEY, "{}"), 404, "unknown_url");
	}

	@Test
	void requestsWithoutAClientKeyAre401InvalidApiKey() {
		assertError(client.get("/v1/models", null), 401, "invalid_api_key");
		assertError(client.get("/v1/models", "not-a-client-key"), 401, "invalid_api_key");
		assertError(client.post("/v1/chat/completions", "not-a-client-key", HELLO + "}"), 401,
				"invalid_api_key");
		assertError(client.post("/v1/embeddings", "", "{}"), 401, "invalid_api_key");
	}

	@Test
	void dashboardAndItsDataAreOpenOnTheDefaultProfile() {
		HttpResponse<String> page = client.get("/", null);
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.body()).contains("<title>router-proxy</title>", "actuator/router");
		HttpResponse<String> router = client.get("/actuator/router", null);
		assertThat(router.statusCode()).isEqualTo(200);
		JsonNode groups = ProxyClient.json(router).path("modelGroups");
		assertThat(groups).hasSize(3);
		JsonNode deployment = groups.get(0).path("deployments").get(0);
		assertThat(deployment.path("id").asString()).isEqualTo("azure-eu/gpt-4o");
		assertThat(deployment.at("/limits/rpm").asLong()).isEqualTo(30);
		assertThat(client.get("/actuator/health", null).statusCode()).isEqualTo(200);
	}

	/** The data of each event; fails unless the body is {@code data: ...\n\n} events only. */
	static List<String> events(String body) {
		assertThat(body).endsWith("\n\n");
		List<String> events = new ArrayList<>();
		for (String event : body.substring(0, body.length() - 2).split("\n\n", -1)) {
			assertThat(event).startsWith("data: ").doesNotContain("\n");
			events.add(event.substring("data: ".length()));
		}
		return events;
	}

	static void assertError(HttpResponse<String> response, int status, String code) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		JsonNode error = ProxyClient.json(response).path("error");
		assertThat(error.path("message").asString()).isNotBlank();
		assertThat(error.path("type").asString()).isNotBlank();
		assertThat(error.has("param")).isTrue();
		assertThat(error.path("code").asString()).isEqualTo(code);
	}

	private static void assertInvalid(HttpResponse<String> response, String param) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
		JsonNode error = ProxyClient.json(response).path("error");
		assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
		assertThat(error.path("message").asString()).isNotBlank();
		if (param == null) {
			assertThat(error.get("param").isNull()).isTrue();
		}
		else {
			assertThat(error.path("param").asString()).isEqualTo(param);
		}
	}

}
