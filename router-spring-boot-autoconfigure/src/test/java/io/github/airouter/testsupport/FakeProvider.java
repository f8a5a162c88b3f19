package io.github.airouter.testsupport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.model.ChatResponse;

/**
 * A local fake of the OpenAI and Azure OpenAI wire formats: chat completions (plain and
 * SSE streams ending with a usage chunk), tool calls, and embeddings. Every request is
 * recorded with the "deployment" it addressed: the path before {@code /chat/completions} or
 * {@code /embeddings} (for Azure, {@code .../openai/deployments/NAME}).
 */
public final class FakeProvider implements AutoCloseable {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final MockWebServer server = new MockWebServer();

	private final Queue<Request> requests = new ConcurrentLinkedQueue<>();

	private final Map<String, Queue<MockResponse>> scripted = new ConcurrentHashMap<>();

	private final AtomicInteger completions = new AtomicInteger();

	private volatile int promptTokens = 10;

	private volatile int completionTokens = 5;

	private volatile Map<String, String> headers = Map.of();

	public FakeProvider() {
		this.server.setDispatcher(new Dispatcher() {
			@Override
			public MockResponse dispatch(RecordedRequest recorded) {
				return respond(recorded);
			}
		});
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Base URL of the fake, without a trailing slash, e.g. {@code http://localhost:1234}. */
	public String url() {
		String url = this.server.url("/").toString();
		return url.substring(0, url.length() - 1);
	}

	/** Usage reported by every later response. */
	public FakeProvider usage(int promptTokens, int completionTokens) {
		this.promptTokens = promptTokens;
		this.completionTokens = completionTokens;
		return this;
	}

	/**
	 * Extra headers on every later successful response the fake generates (completions,
	 * streams, tool calls, embeddings); responses given to {@link #enqueue} are sent as
	 * they are.
	 */
	public FakeProvider headers(Map<String, String> headers) {
		this.headers = Map.copyOf(headers);
		return this;
	}

	/** Answer the next request to {@code deployment} (a path prefix) with {@code response}. */
	public FakeProvider enqueue(String deployment, MockResponse response) {
		this.scripted.computeIfAbsent(deployment, (key) -> new ConcurrentLinkedQueue<>()).add(response);
		return this;
	}

	public List<Request> requests() {
		return new ArrayList<>(this.requests);
	}

	public List<Request> requestsTo(String deployment) {
		return this.requests.stream().filter((request) -> request.deployment().equals(deployment)).toList();
	}

	@Override
	public void close() throws IOException {
		this.server.shutdown();
	}

	private MockResponse respond(RecordedRequest recorded) {
		String path = recorded.getPath();
		String pathOnly = (path.indexOf('?') >= 0) ? path.substring(0, path.indexOf('?')) : path;
		String body = recorded.getBody().readUtf8();
		String deployment;
		if (pathOnly.endsWith("/chat/completions")) {
			deployment = pathOnly.substring(0, pathOnly.length() - "/chat/completions".length());
		}
		else if (pathOnly.endsWith("/embeddings")) {
			deployment = pathOnly.substring(0, pathOnly.length() - "/embeddings".length());
		}
		else {
			deployment = pathOnly;
		}
		JsonNode tree = body.isEmpty() ? json.createObjectNode() : json.readTree(body);
		Request request = new Request(deployment, path, recorded.getMethod(), recorded.getHeader("api-key"),
				recorded.getHeader("Authorization"), body, tree);
		this.requests.add(request);
		Queue<MockResponse> queue = this.scripted.get(deployment);
		MockResponse next = (queue != null) ? queue.poll() : null;
		if (next != null) {
			return next;
		}
		if (pathOnly.endsWith("/embeddings")) {
			return withHeaders(embeddings(tree));
		}
		if (!pathOnly.endsWith("/chat/completions")) {
			return new MockResponse().setResponseCode(404).setBody("{\"error\":{\"message\":\"not found\"}}");
		}
		if (tree.path("stream").asBoolean(false)) {
			return withHeaders(stream(deployment));
		}
		if (tree.has("tools") && !hasToolResult(tree)) {
			return withHeaders(toolCall(tree));
		}
		return withHeaders(completion("Hello from " + deployment));
	}

	private MockResponse withHeaders(MockResponse response) {
		this.headers.forEach(response::setHeader);
		return response;
	}

	private static boolean hasToolResult(JsonNode tree) {
		for (JsonNode message : tree.path("messages")) {
			if ("tool".equals(message.path("role").asString(""))) {
				return true;
			}
		}
		return false;
	}

	private String usageJson() {
		return "{\"prompt_tokens\":" + this.promptTokens + ",\"completion_tokens\":" + this.completionTokens
				+ ",\"total_tokens\":" + (this.promptTokens + this.completionTokens) + "}";
	}

	private MockResponse completion(String content) {
		int id = this.completions.incrementAndGet();
		String body = "{\"id\":\"chatcmpl-" + id + "\",\"object\":\"chat.completion\",\"created\":1700000000,"
				+ "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
				+ "\"content\":" + json.writeValueAsString(content) + ",\"refusal\":null},\"logprobs\":null,"
				+ "\"finish_reason\":\"stop\"}],\"usage\":" + usageJson() + "}";
		return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
	}

	private MockResponse toolCall(JsonNode tree) {
		String name = tree.path("tools").path(0).path("function").path("name").asString("");
		String body = "{\"id\":\"chatcmpl-tool\",\"object\":\"chat.completion\",\"created\":1700000000,"
				+ "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
				+ "\"content\":null,\"refusal\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
				+ "\"function\":{\"name\":\"" + name + "\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
				+ "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":" + usageJson() + "}";
		return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
	}

	/** An SSE stream of three content chunks and a final usage chunk. */
	public String streamBody(String deployment) {
		String head = "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
				+ "\"model\":\"gpt-4o-mini\",";
		StringBuilder sse = new StringBuilder();
		String[] parts = { "Hello", " from", " " + deployment };
		for (int i = 0; i < parts.length; i++) {
			String delta = (i == 0) ? "{\"role\":\"assistant\",\"content\":" + json.writeValueAsString(parts[i]) + "}"
					: "{\"content\":" + json.writeValueAsString(parts[i]) + "}";
			String finish = (i == parts.length - 1) ? "\"stop\"" : "null";
			sse.append("data: ")
				.append(head)
				.append("\"choices\":[{\"index\":0,\"delta\":")
				.append(delta)
				.append(",\"logprobs\":null,\"finish_reason\":")
				.append(finish)
				.append("}]}\n\n");
		}
		sse.append("data: ").append(head).append("\"choices\":[],\"usage\":").append(usageJson()).append("}\n\n");
		sse.append("data: [DONE]\n\n");
		return sse.toString();
	}

	private MockResponse stream(String deployment) {
		return new MockResponse().setHeader("Content-Type", "text/event-stream").setBody(streamBody(deployment));
	}

	private MockResponse embeddings(JsonNode tree) {
		JsonNode input = tree.path("input");
		int count = input.isArray() ? input.size() : 1;
		StringBuilder data = new StringBuilder();
		for (int i = 0; i < count; i++) {
			if (i > 0) {
				data.append(',');
			}
			data.append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":[0.1,0.2,").append(i)
				.append("]}");
		}
		String body = "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"text-embedding-3-small\","
				+ "\"usage\":{\"prompt_tokens\":" + this.promptTokens + ",\"total_tokens\":" + this.promptTokens + "}}";
		return new MockResponse().setHeader("Content-Type", "application/json").setBody(body);
	}

	/** An OpenAI error answer, e.g. {@code error(429, "rate_limit_exceeded", null, "slow down")}. */
	public static MockResponse error(int status, String type, String code, String message) {
		return new MockResponse().setResponseCode(status)
			.setHeader("Content-Type", "application/json")
			.setBody("{\"error\":{\"message\":" + json.writeValueAsString(message) + ",\"type\":\"" + type
					+ "\",\"param\":null,\"code\":" + ((code != null) ? "\"" + code + "\"" : "null") + "}}");
	}

	/** The text a stream (or a list of responses) delivered, chunk after chunk. */
	public static String text(List<ChatResponse> chunks) {
		StringBuilder text = new StringBuilder();
		for (ChatResponse chunk : chunks) {
			if (chunk.getResult() != null && chunk.getResult().getOutput().getText() != null) {
				text.append(chunk.getResult().getOutput().getText());
			}
		}
		return text.toString();
	}

	/** One request the fake received. */
	public record Request(String deployment, String path, String method, String apiKeyHeader,
			String authorizationHeader, String body, JsonNode json) {

		public String queryParameter(String name) {
			int query = this.path.indexOf('?');
			if (query < 0) {
				return null;
			}
			for (String pair : this.path.substring(query + 1).split("&")) {
				int eq = pair.indexOf('=');
				if (eq > 0 && pair.substring(0, eq).equals(name)) {
					return pair.substring(eq + 1);
				}
			}
			return null;
		}

	}

}
