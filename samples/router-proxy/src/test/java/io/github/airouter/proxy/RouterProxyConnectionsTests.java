package io.github.airouter.proxy;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.github.airouter.proxy.RawHttp.Head;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the proxy's server spends on a request: a body over the limit is refused before it
 * is read. Profile {@code connections-test}
 * ({@code application-connections-test.yml}): 4 server threads, a 1 KB body limit, and
 * deployments on a {@link SlowProvider}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("connections-test")
class RouterProxyConnectionsTests {

	private static final String KEY = "connections-test-key";

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final SlowProvider provider = SlowProvider.start();

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

}
