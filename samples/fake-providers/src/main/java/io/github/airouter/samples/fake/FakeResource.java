package io.github.airouter.samples.fake;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tokenizer.TokenCountEstimator;

import io.github.airouter.samples.fake.FakeDeployment.Decision;
import io.github.airouter.samples.fake.FakeDeployment.Kind;

/**
 * A local fake of one Azure OpenAI resource or of OpenAI, on a port of its own, speaking the
 * real wire formats:
 * <ul>
 * <li>Azure: {@code POST /openai/deployments/{deployment}/chat/completions?api-version=...}
 * and {@code .../embeddings}, with an {@code api-key} header;</li>
 * <li>OpenAI: {@code POST /v1/chat/completions} and {@code /v1/embeddings}, with
 * {@code Authorization: Bearer ...}, the model in the body.</li>
 * </ul>
 * Chat answers are JSON with {@code usage}, or with {@code "stream": true} an SSE stream of
 * chunks, a final usage chunk and {@code data: [DONE]}. Tokens are counted with the
 * tokenizer OpenAI uses. Every answer carries {@code x-ratelimit-limit-*} and
 * {@code x-ratelimit-remaining-*} headers; a call over a deployment's limits is answered 429
 * with {@code Retry-After} (and, on Azure, {@code retry-after-ms}). Any non-empty key is
 * accepted.
 */
public final class FakeResource implements AutoCloseable {

	/** Which service a resource fakes. */
	public enum Flavor {

		/** An Azure OpenAI resource. */
		AZURE,

		/** OpenAI. */
		OPENAI

	}

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final TokenCountEstimator tokenizer = new JTokkitTokenCountEstimator();

	private static final Pattern AZURE_PATH = Pattern
		.compile("/openai/deployments/([^/]+)/(chat/completions|embeddings)/?");

	private static final Pattern OPENAI_PATH = Pattern.compile("/v1/(chat/completions|embeddings)/?");

	private static final String[] ANSWERS = { "Spreading calls over deployments keeps each one under its limits.",
			"A 429 cools a deployment down while the others serve.",
			"A fallback model serves when every deployment of the first is busy.",
			"Usage counts over a sliding sixty-second window, not calendar minutes.",
			"Each deployment has its own requests and tokens per minute." };

	private static final int EMBEDDING_DIMENSIONS = 8;

	private final String name;

	private final Flavor flavor;

	private final Map<String, FakeDeployment> deployments = new LinkedHashMap<>();

	private final AtomicLong ids = new AtomicLong();

	private @Nullable HttpServer server;

	private @Nullable ExecutorService executor;

	private FakeResource(String name, Flavor flavor, List<FakeDeployment> deployments) {
		this.name = name;
		this.flavor = flavor;
		for (FakeDeployment deployment : deployments) {
			this.deployments.put(deployment.name(), deployment);
		}
	}

	/**
	 * A fake Azure OpenAI resource.
	 * @param name its name, e.g. {@code azure-eu}
	 * @param deployments its deployments
	 * @return the resource, not started
	 */
	public static FakeResource azure(String name, FakeDeployment... deployments) {
		return new FakeResource(name, Flavor.AZURE, List.of(deployments));
	}

	/**
	 * A fake of OpenAI.
	 * @param name its name, e.g. {@code openai}
	 * @param models its models
	 * @return the resource, not started
	 */
	public static FakeResource openAi(String name, FakeDeployment... models) {
		return new FakeResource(name, Flavor.OPENAI, List.of(models));
	}

	/**
	 * Start serving on a free port of the loopback interface.
	 * @return this resource
	 * @throws IOException if no port could be bound
	 */
	synchronized FakeResource start() throws IOException {
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
		AtomicInteger threads = new AtomicInteger();
		ExecutorService executor = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "fake-" + this.name + "-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
		server.setExecutor(executor);
		server.createContext("/", this::handle);
		server.start();
		this.server = server;
		this.executor = executor;
		return this;
	}

	/**
	 * The base URL clients are configured with: {@code http://127.0.0.1:PORT} for Azure (the
	 * resource endpoint), {@code http://127.0.0.1:PORT/v1} for OpenAI.
	 * @return the base URL
	 */
	public String baseUrl() {
		HttpServer server = this.server;
		if (server == null) {
			throw new IllegalStateException("Fake resource " + this.name + " is not started");
		}
		String url = "http://127.0.0.1:" + server.getAddress().getPort();
		return (this.flavor == Flavor.OPENAI) ? url + "/v1" : url;
	}

	/**
	 * The port the resource listens on.
	 * @return the port
	 */
	public int port() {
		HttpServer server = this.server;
		return (server != null) ? server.getAddress().getPort() : -1;
	}

	/**
	 * The resource's name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Which service it fakes.
	 * @return Azure or OpenAI
	 */
	public Flavor flavor() {
		return this.flavor;
	}

	/**
	 * Its deployments (Azure) or models (OpenAI).
	 * @return the deployments
	 */
	public Collection<FakeDeployment> deployments() {
		return Collections.unmodifiableCollection(this.deployments.values());
	}

	/**
	 * A deployment by name.
	 * @param name the Azure deployment name, or the OpenAI model name
	 * @return the deployment, or {@code null}
	 */
	public @Nullable FakeDeployment deployment(String name) {
		return this.deployments.get(name);
	}

	@Override
	public synchronized void close() {
		if (this.server != null) {
			this.server.stop(0);
		}
		if (this.executor != null) {
			this.executor.shutdownNow();
		}
	}

	@Override
	public String toString() {
		return this.name + " (" + ((this.flavor == Flavor.AZURE) ? "Azure OpenAI" : "OpenAI") + ", " + baseUrl() + ")";
	}

	private void handle(HttpExchange exchange) {
		try {
			respond(exchange);
		}
		catch (Exception ex) {
			try {
				error(exchange, 500, "server_error", "The fake failed: " + ex);
			}
			catch (IOException | RuntimeException ignored) {
				// the answer has begun: nothing more to say
			}
		}
		finally {
			exchange.close();
		}
	}

	private void respond(HttpExchange exchange) throws IOException {
		byte[] bytes = exchange.getRequestBody().readAllBytes();
		if (!"POST".equals(exchange.getRequestMethod())) {
			error(exchange, 405, "method_not_allowed", "Only POST is supported");
			return;
		}
		JsonNode body = (bytes.length > 0) ? json.readTree(bytes) : json.createObjectNode();
		String path = exchange.getRequestURI().getPath();
		String deploymentName;
		String operation;
		if (this.flavor == Flavor.AZURE) {
			if (!hasText(exchange.getRequestHeaders().getFirst("api-key"))) {
				error(exchange, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint. "
						+ "Make sure to provide a valid key for an active subscription and use a correct regional API "
						+ "endpoint for your resource.");
				return;
			}
			Matcher matcher = AZURE_PATH.matcher(path);
			if (!matcher.matches()) {
				error(exchange, 404, "404", "Resource not found");
				return;
			}
			String query = exchange.getRequestURI().getRawQuery();
			if (query == null || !query.contains("api-version=")) {
				error(exchange, 400, "BadRequest", "The api-version query parameter (?api-version=) is required for "
						+ "all requests.");
				return;
			}
			deploymentName = matcher.group(1);
			operation = matcher.group(2);
		}
		else {
			String authorization = exchange.getRequestHeaders().getFirst("Authorization");
			if (authorization == null || !authorization.startsWith("Bearer ")
					|| !hasText(authorization.substring("Bearer ".length()))) {
				error(exchange, 401, null, "You didn't provide an API key. You need to provide your API key in an "
						+ "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
				return;
			}
			Matcher matcher = OPENAI_PATH.matcher(path);
			if (!matcher.matches()) {
				error(exchange, 404, "unknown_url", "Invalid URL (POST " + path + ")");
				return;
			}
			deploymentName = body.path("model").asString("");
			operation = matcher.group(1);
		}
		FakeDeployment deployment = this.deployments.get(deploymentName);
		if (deployment == null) {
			if (this.flavor == Flavor.AZURE) {
				error(exchange, 404, "DeploymentNotFound", "The API deployment for this resource does not exist.");
			}
			else {
				error(exchange, 404, "model_not_found",
						"The model `" + deploymentName + "` does not exist or you do not have access to it.");
			}
			return;
		}
		Kind kind = operation.startsWith("chat") ? Kind.CHAT : Kind.EMBEDDING;
		if (deployment.kind() != kind) {
			error(exchange, 400, "OperationNotSupported",
					"The " + operation + " operation does not work with the specified model, " + deployment.model()
							+ ".");
			return;
		}
		if (kind == Kind.CHAT) {
			chat(exchange, deployment, body);
		}
		else {
			embeddings(exchange, deployment, body);
		}
	}

	private void chat(HttpExchange exchange, FakeDeployment deployment, JsonNode body) throws IOException {
		// OpenAI's count: 3 tokens prime the reply, each message costs 4 more than its text
		long promptTokens = 3;
		String question = "";
		for (JsonNode message : body.path("messages")) {
			String text = text(message.path("content"));
			promptTokens += 4 + tokenizer.estimate(text);
			if ("user".equals(message.path("role").asString(""))) {
				question = text;
			}
		}
		Answer answer = answer(deployment, question, maxTokens(body));
		Decision decision = deployment.admit(promptTokens, answer.tokens());
		rateLimitHeaders(exchange, deployment, decision);
		if (!decision.accepted()) {
			tooManyRequests(exchange, deployment, decision, "ChatCompletions_Create");
			return;
		}
		pause(15, 40);
		String id = "chatcmpl-demo-" + this.ids.incrementAndGet();
		long created = System.currentTimeMillis() / 1000;
		ObjectNode usage = json.createObjectNode()
			.put("prompt_tokens", promptTokens)
			.put("completion_tokens", answer.tokens())
			.put("total_tokens", promptTokens + answer.tokens());
		if (!body.path("stream").asBoolean(false)) {
			ObjectNode completion = chunkHead(id, "chat.completion", created, deployment);
			ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
			choice.putObject("message").put("role", "assistant").put("content", answer.text()).putNull("refusal");
			choice.putNull("logprobs");
			choice.put("finish_reason", answer.finishReason());
			completion.set("usage", usage);
			send(exchange, 200, "application/json", json.writeValueAsBytes(completion));
			return;
		}
		exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
		exchange.getResponseHeaders().set("Cache-Control", "no-cache");
		exchange.sendResponseHeaders(200, 0);
		OutputStream out = exchange.getResponseBody();
		List<String> pieces = pieces(answer.text());
		for (int i = 0; i < pieces.size(); i++) {
			ObjectNode chunk = chunkHead(id, "chat.completion.chunk", created, deployment);
			ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
			ObjectNode delta = choice.putObject("delta");
			if (i == 0) {
				delta.put("role", "assistant");
			}
			delta.put("content", pieces.get(i));
			choice.putNull("logprobs");
			if (i == pieces.size() - 1) {
				choice.put("finish_reason", answer.finishReason());
			}
			else {
				choice.putNull("finish_reason");
			}
			event(out, json.writeValueAsString(chunk));
			pause(3, 8);
		}
		ObjectNode last = chunkHead(id, "chat.completion.chunk", created, deployment);
		last.putArray("choices");
		last.set("usage", usage);
		event(out, json.writeValueAsString(last));
		event(out, "[DONE]");
		out.close();
	}

	private void embeddings(HttpExchange exchange, FakeDeployment deployment, JsonNode body) throws IOException {
		List<String> texts = new ArrayList<>();
		JsonNode input = body.path("input");
		if (input.isArray()) {
			input.forEach((text) -> texts.add(text.asString("")));
		}
		else {
			texts.add(input.asString(""));
		}
		long tokens = 0;
		for (String text : texts) {
			tokens += tokenizer.estimate(text);
		}
		Decision decision = deployment.admit(tokens, 0);
		rateLimitHeaders(exchange, deployment, decision);
		if (!decision.accepted()) {
			tooManyRequests(exchange, deployment, decision, "Embeddings_Create");
			return;
		}
		pause(5, 15);
		boolean base64 = "base64".equals(body.path("encoding_format").asString("float"));
		ObjectNode list = json.createObjectNode().put("object", "list");
		ArrayNode data = list.putArray("data");
		for (int i = 0; i < texts.size(); i++) {
			ObjectNode embedding = data.addObject().put("object", "embedding").put("index", i);
			float[] vector = vector(texts.get(i));
			if (base64) {
				ByteBuffer buffer = ByteBuffer.allocate(4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
				for (float value : vector) {
					buffer.putFloat(value);
				}
				embedding.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
			}
			else {
				ArrayNode values = embedding.putArray("embedding");
				for (float value : vector) {
					values.add(value);
				}
			}
		}
		list.put("model", deployment.model());
		list.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
		send(exchange, 200, "application/json", json.writeValueAsBytes(list));
	}

	private void rateLimitHeaders(HttpExchange exchange, FakeDeployment deployment, Decision decision) {
		exchange.getResponseHeaders().set("x-request-id", "req-demo-" + this.ids.incrementAndGet());
		exchange.getResponseHeaders().set("x-ratelimit-limit-requests", Long.toString(deployment.rpm()));
		exchange.getResponseHeaders().set("x-ratelimit-limit-tokens", Long.toString(deployment.tpm()));
		exchange.getResponseHeaders()
			.set("x-ratelimit-remaining-requests", Long.toString(Math.max(0, decision.remainingRequests())));
		exchange.getResponseHeaders()
			.set("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, decision.remainingTokens())));
	}

	private void tooManyRequests(HttpExchange exchange, FakeDeployment deployment, Decision decision,
			String operation) throws IOException {
		long waitMillis = (decision.retryAfterMillis() >= 0) ? decision.retryAfterMillis() : UsageLog.WINDOW_MILLIS;
		long seconds = Math.max(1, (waitMillis + 999) / 1000);
		exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
		boolean requests = decision.remainingRequests() < 1;
		if (this.flavor == Flavor.AZURE) {
			exchange.getResponseHeaders().set("retry-after-ms", Long.toString(waitMillis));
			error(exchange, 429, "429", "Requests to the " + operation + " Operation under Azure OpenAI API version "
					+ "2024-10-21 have exceeded " + (requests ? "call" : "token") + " rate limit of your current "
					+ "AIServices S0 pricing tier. Please retry after " + seconds + " seconds.");
		}
		else {
			String limit = requests ? "requests per min (RPM): Limit " + deployment.rpm()
					: "tokens per min (TPM): Limit " + deployment.tpm();
			error(exchange, 429, "rate_limit_exceeded", "Rate limit reached for " + deployment.name()
					+ " in organization org-demo on " + limit + ". Please try again in " + seconds + "s.");
		}
	}

	/** An error in the service's format: Azure's {@code code} + {@code message}, or OpenAI's. */
	private void error(HttpExchange exchange, int status, @Nullable String code, String message) throws IOException {
		ObjectNode root = json.createObjectNode();
		ObjectNode error = root.putObject("error");
		if (this.flavor == Flavor.AZURE) {
			error.put("code", code).put("message", message);
		}
		else {
			error.put("message", message)
				.put("type", (status == 429) ? "requests" : "invalid_request_error")
				.putNull("param")
				.put("code", code);
		}
		send(exchange, status, "application/json", json.writeValueAsBytes(root));
	}

	private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
		exchange.getResponseHeaders().set("Content-Type", contentType);
		exchange.sendResponseHeaders(status, body.length);
		try (OutputStream out = exchange.getResponseBody()) {
			out.write(body);
		}
	}

	private static void event(OutputStream out, String data) throws IOException {
		out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
		out.flush();
	}

	private static ObjectNode chunkHead(String id, String object, long created, FakeDeployment deployment) {
		return json.createObjectNode()
			.put("id", id)
			.put("object", object)
			.put("created", created)
			.put("model", deployment.model())
			.put("system_fingerprint", "fp_demo");
	}

	private Answer answer(FakeDeployment deployment, String question, @Nullable Integer maxTokens) {
		String text = "[" + this.name + "/" + deployment.name() + "] "
				+ ANSWERS[Math.floorMod(question.hashCode(), ANSWERS.length)];
		int tokens = tokenizer.estimate(text);
		if (maxTokens == null || tokens <= maxTokens) {
			return new Answer(text, tokens, "stop");
		}
		// cut the answer at the limit, as a model does
		String[] words = text.split(" ");
		StringBuilder cut = new StringBuilder();
		for (String word : words) {
			String next = (cut.length() == 0) ? word : cut + " " + word;
			if (tokenizer.estimate(next) > maxTokens) {
				break;
			}
			cut.setLength(0);
			cut.append(next);
		}
		return new Answer(cut.toString(), tokenizer.estimate(cut.toString()), "length");
	}

	private static @Nullable Integer maxTokens(JsonNode body) {
		for (String field : new String[] { "max_completion_tokens", "max_tokens" }) {
			JsonNode value = body.path(field);
			if (value.isNumber()) {
				return value.asInt();
			}
		}
		return null;
	}

	/** A message's text: a string, or the text parts of an array of parts. */
	private static String text(JsonNode content) {
		if (content.isArray()) {
			StringBuilder text = new StringBuilder();
			content.forEach((part) -> text.append(part.path("text").asString("")));
			return text.toString();
		}
		return content.asString("");
	}

	/** The answer in a few pieces, split at spaces, the way tokens arrive. */
	private static List<String> pieces(String text) {
		List<String> pieces = new ArrayList<>();
		String[] words = text.split("(?<= )");
		StringBuilder piece = new StringBuilder();
		for (String word : words) {
			piece.append(word);
			if (piece.length() >= 12) {
				pieces.add(piece.toString());
				piece.setLength(0);
			}
		}
		if (piece.length() > 0 || pieces.isEmpty()) {
			pieces.add(piece.toString());
		}
		return pieces;
	}

	/** A unit vector that depends only on the text. */
	private static float[] vector(String text) {
		Random random = new Random(text.hashCode());
		float[] vector = new float[EMBEDDING_DIMENSIONS];
		double norm = 0;
		for (int i = 0; i < vector.length; i++) {
			vector[i] = (float) random.nextGaussian();
			norm += vector[i] * vector[i];
		}
		for (int i = 0; i < vector.length; i++) {
			vector[i] = (float) (vector[i] / Math.sqrt(norm));
		}
		return vector;
	}

	/** How long the service takes: a few milliseconds of "generation". */
	private static void pause(int minMillis, int maxMillis) {
		try {
			Thread.sleep(ThreadLocalRandom.current().nextInt(minMillis, maxMillis + 1));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static boolean hasText(@Nullable String value) {
		return value != null && !value.isBlank();
	}

	private record Answer(String text, int tokens, String finishReason) {
	}

}
