package io.github.airouter.compat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.github.airouter.chat.RoutingChatModel;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter in an application on Spring Boot 4.1: it starts, Spring AI's
 * {@code ChatClient} and {@code EmbeddingModel} go through the router to the local fakes,
 * and the router's actuator endpoint and health contributor answer.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ConsumerApplicationTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

	@Autowired
	private ChatClient.Builder chatClient;

	@Autowired
	private ChatModel chatModel;

	@Autowired
	private EmbeddingModel embeddingModel;

	@LocalServerPort
	private int port;

	@Test
	void runsOnSpringBoot41() {
		String expected = System.getProperty("router.expected-spring-boot-version");
		assertThat(expected).as("compat/boot41/pom.xml: expected-spring-boot.version").startsWith("4.1.");
		assertThat(SpringBootVersion.getVersion()).isEqualTo(expected);
	}

	@Test
	void chatClientGoesThroughTheRouter() {
		assertThat(this.chatModel).isInstanceOf(RoutingChatModel.class);
		String answer = this.chatClient.build().prompt("Hello").call().content();
		assertThat(answer).isNotBlank();
		assertThat(requestsOf("gpt-4o")).isPositive();
	}

	@Test
	void streamsThroughTheRouter() {
		List<String> chunks = this.chatClient.build()
			.prompt("Stream me an answer")
			.stream()
			.content()
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(chunks).isNotEmpty();
		assertThat(String.join("", chunks)).isNotBlank();
	}

	@Test
	void embedsThroughTheRouter() {
		float[] vector = this.embeddingModel.embed("routing");
		assertThat(vector).isNotEmpty();
		assertThat(requestsOf("text-embedding-3-small")).isPositive();
	}

	@Test
	void healthHasTheRouterUp() throws Exception {
		JsonNode health = get("/actuator/health");
		assertThat(health.path("status").asString()).isEqualTo("UP");
		assertThat(health.at("/components/router/status").asString()).isEqualTo("UP");
	}

	private long requestsOf(String model) {
		try {
			long requests = 0;
			for (JsonNode group : get("/actuator/router").path("modelGroups")) {
				if (group.path("name").asString().equals(model)) {
					for (JsonNode deployment : group.path("deployments")) {
						requests += deployment.at("/usage/requests").asLong();
					}
				}
			}
			return requests;
		}
		catch (IOException | InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private JsonNode get(String path) throws IOException, InterruptedException {
		HttpResponse<String> response = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
					.timeout(Duration.ofSeconds(30))
					.build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
		return json.readTree(response.body());
	}

}
