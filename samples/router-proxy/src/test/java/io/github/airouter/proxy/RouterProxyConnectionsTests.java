package io.github.airouter.proxy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.airouter.proxy.RawHttp.Head;
import io.github.airouter.proxy.SlowProvider.Drip;

import static io.github.airouter.proxy.RouterProxyApplicationTests.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the proxy's server spends on a request: a body over the limit is refused before it
 * is read, a stream waiting for a slow provider holds no server thread, and a client that
 * hangs up stops the provider's stream. Profile {@code connections-test}
 * ({@code application-connections-test.yml}): 4 server threads, a 1 KB body limit, and
 * deployments on a {@link SlowProvider}.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("connections-test")
class RouterProxyConnectionsTests {

	private static final String KEY = "connections-test-key";

	/** More than the server's 4 threads. */
	private static final int SLOW_STREAMS = 6;

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final SlowProvider provider = SlowProvider.start();

	private ProxyClient client;

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void slowProvider(DynamicPropertyRegistry registry) {
		registry.add("test.slow-provider", provider::baseUrl);
	}

	@AfterAll
	static void stopSlowProvider() {
		provider.close();
	}

	@BeforeEach
	void client() {
		this.client = new ProxyClient(this.port);
	}

	@Test
	void aBodyDeclaredOverTheLimitIs413BeforeItIsSent() throws Exception {
		int requests = provider.requests();
		try (RawHttp connection = new RawHttp(this.port, WAIT)) {
			// 64 MB declared, a few bytes sent: the answer cannot wait for the rest
			connection.send("POST", "/v1/chat/completions", "Authorization: Bearer " + KEY
					+ "\r\nContent-Type: application/json\r\nContent-Length: " + 64 * 1024 * 1024 + "\r\n",
					"{\"model\":\"drip\",\"messages\":[");
			assertTooLarge(connection);
		}
		assertThat(provider.requests()).as("requests that reached the provider").isEqualTo(requests);
	}

	@Test
	void aChunkedBodyOverTheLimitIs413AsSoonAsTheLimitIsRead() throws Exception {
		int requests = provider.requests();
		try (RawHttp connection = new RawHttp(this.port, WAIT)) {
			// 1.5 KB in chunks and no last chunk: the answer cannot wait for the end
			StringBuilder chunks = new StringBuilder();
			for (int i = 0; i < 6; i++) {
				chunks.append("100\r\n").append("x".repeat(256)).append("\r\n");
			}
			connection.send("POST", "/v1/embeddings", "Authorization: Bearer " + KEY
					+ "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n", chunks.toString());
			assertTooLarge(connection);
		}
		assertThat(provider.requests()).as("requests that reached the provider").isEqualTo(requests);
	}

	@Test
	void streamsWaitingForTheirFirstChunkHoldNoServerThread() throws Exception {
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
		for (int i = 0; i < SLOW_STREAMS; i++) {
			streams.add(http.sendAsync(stream(SlowProvider.HELD), HttpResponse.BodyHandlers.ofString()));
		}
		// every stream reached the provider, which holds its first chunk: no thread of the
		// server's 4 waits on them
		await().atMost(WAIT).until(() -> provider.holding() == SLOW_STREAMS);
		HttpResponse<String> models = http.send(HttpRequest.newBuilder(uri("/v1/models"))
			.header("Authorization", "Bearer " + KEY)
			.timeout(Duration.ofSeconds(5))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(models.statusCode()).isEqualTo(200);
		assertThat(streams).noneMatch(CompletableFuture::isDone);
		provider.release();
		for (CompletableFuture<HttpResponse<String>> stream : streams) {
			HttpResponse<String> response = stream.get(WAIT.toSeconds(), TimeUnit.SECONDS);
			assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
			List<String> events = events(response.body());
			assertThat(events.get(0)).contains("Held, ");
			assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
		}
		await().atMost(WAIT).until(() -> inFlight(SlowProvider.HELD) == 0);
	}

	@Test
	void aClientThatHangsUpCancelsTheProvidersStream(CapturedOutput output) throws Exception {
		try (RawHttp connection = new RawHttp(this.port, WAIT)) {
			String body = "{\"model\":\"drip\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}";
			connection.send("POST", "/v1/chat/completions", "Authorization: Bearer " + KEY
					+ "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n", body);
			assertThat(connection.head().status()).isEqualTo(200);
			assertThat(connection.readUntil("\n\n")).contains("data: {", "drop ");
			assertThat(inFlight(SlowProvider.DRIP)).isOne();
		}
		// the provider would go on for 30 s: it was cut off, and the router settled the call
		assertThat(provider.nextDrip(WAIT)).isEqualTo(Drip.CUT);
		await().atMost(WAIT).until(() -> inFlight(SlowProvider.DRIP) == 0);
		// nothing more to answer, and nothing to report: the server's notice of the hang-up
		// is not written to the closed stream or logged as a failure
		await().during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(2))
			.until(() -> !output.getAll().contains("Failed to serve a request")
					&& !output.getAll().contains("Failure in @ExceptionHandler"));
	}

	private static void assertTooLarge(RawHttp connection) throws Exception {
		Head head = connection.head();
		assertThat(head.status()).isEqualTo(413);
		assertThat(head.headers().get("content-type")).startsWith("application/json");
		JsonNode error = ProxyClient.json.readTree(connection.body(head)).path("error");
		assertThat(error.path("message").asString()).contains("1024 bytes", "router.proxy.max-request-size");
		assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
		assertThat(error.has("param")).isTrue();
		assertThat(error.path("code").asString()).isEqualTo("request_too_large");
	}

	private HttpRequest stream(String model) {
		return HttpRequest.newBuilder(uri("/v1/chat/completions"))
			.header("Authorization", "Bearer " + KEY)
			.header("Content-Type", "application/json")
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
					+ "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}"))
			.build();
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + this.port + path);
	}

	/** The calls in flight on the model's deployments, as {@code /actuator/router} shows them. */
	private int inFlight(String model) {
		HttpResponse<String> response = this.client.get("/actuator/router", KEY);
		assertThat(response.statusCode()).isEqualTo(200);
		int inFlight = 0;
		for (JsonNode group : ProxyClient.json(response).path("modelGroups")) {
			if (group.path("name").asString().equals(model)) {
				for (JsonNode deployment : group.path("deployments")) {
					inFlight += deployment.path("inFlight").asInt();
				}
			}
		}
		return inFlight;
	}

}
