package io.github.airouter.proxy;

import java.net.http.HttpResponse;

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

import static io.github.airouter.proxy.RouterProxyApplicationTests.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy when the router has no capacity or a provider refuses, and with the
 * dashboard's data behind the client keys: profile {@code limits-test}
 * ({@code application-limits-test.yml}).
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("limits-test")
class RouterProxyLimitsTests {

	private static final String KEY = "limits-test-key-1";

	private static final String PROVIDER_KEY = "limits-test-provider-key";

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
		assertThat(client.everything()).isNotEmpty().doesNotContain(PROVIDER_KEY);
		assertThat(output.getAll()).contains("Routing over 5 deployments").doesNotContain(PROVIDER_KEY, KEY);
	}

	@Test
	void noCapacityIs429WithRetryAfterInWholeSeconds() {
		String chat = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]";
		assertThat(client.post("/v1/chat/completions", KEY, chat + "}").statusCode()).isEqualTo(200);
		// rpm 1: the router sends nothing more this minute
		assertRateLimited(client.post("/v1/chat/completions", KEY, chat + "}"), "tiny");
		// a stream it cannot start is refused the same way, not with a 200 and an event
		assertRateLimited(client.post("/v1/chat/completions", KEY, chat + ",\"stream\":true}"), "tiny");
		String embed = "{\"model\":\"tiny-embedding\",\"input\":\"x\"}";
		assertThat(client.post("/v1/embeddings", KEY, embed).statusCode()).isEqualTo(200);
		assertRateLimited(client.post("/v1/embeddings", KEY, embed), "tiny-embedding");
	}

	@Test
	void providerErrorsKeepTheirStatusAndLoseTheirSecrets() {
		HttpResponse<String> badRequest = client.post("/v1/chat/completions", KEY,
				"{\"model\":\"wrong-operation\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
		assertError(badRequest, 400, "OperationNotSupported");
		assertThat(badRequest.body()).doesNotContain("127.0.0.1", PROVIDER_KEY);
	}

	@Test
	void aDeploymentMissingUpstreamIs502NamingItNot404() {
		// the proxy knows these models: the request was valid, its deployment is missing upstream
		String azure = "{\"model\":\"missing-deployment\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
		HttpResponse<String> notFound = client.post("/v1/chat/completions", KEY, azure + "}");
		assertError(notFound, 502, "upstream_deployment_not_found");
		assertThat(notFound.body()).doesNotContain("127.0.0.1", PROVIDER_KEY);
		assertThat(ProxyClient.json(notFound).at("/error/message").asString())
			.startsWith("Deployment 'azure-eu/no-such-deployment' of model 'missing-deployment' does not exist at its "
					+ "provider (HTTP 404 DeploymentNotFound: The API deployment for this resource does not exist.)");
		// its only deployment now cools down as misconfigured: still the operator's problem, not the client's
		HttpResponse<String> streamed = client.post("/v1/chat/completions", KEY, azure + ",\"stream\":true}");
		assertError(streamed, 502, "upstream_deployment_misconfigured");
		assertThat(ProxyClient.json(streamed).at("/error/message").asString())
			.contains("all 1 deployments are misconfigured");
		HttpResponse<String> openAi = client.post("/v1/chat/completions", KEY,
				"{\"model\":\"missing-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
		assertError(openAi, 502, "upstream_deployment_not_found");
		assertThat(openAi.body()).doesNotContain("127.0.0.1", PROVIDER_KEY);
		assertThat(ProxyClient.json(openAi).at("/error/message").asString())
			.startsWith("Deployment 'openai/no-such-model' of model 'missing-model' does not exist at its provider "
					+ "(HTTP 404 model_not_found: ");
		// a model the proxy does not know stays the client's 404
		assertError(client.post("/v1/chat/completions", KEY,
				"{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"), 404,
				"model_not_found");
	}

	@Test
	void dashboardDataNeedsAClientKeyUnlessTurnedOff() {
		assertError(client.get("/actuator/router", null), 401, "invalid_api_key");
		HttpResponse<String> router = client.get("/actuator/router", "limits-test-key-2");
		assertThat(router.statusCode()).isEqualTo(200);
		assertThat(ProxyClient.json(router).path("modelGroups")).hasSize(5);
		// the page holds no data; health stays open for probes
		assertThat(client.get("/", null).statusCode()).isEqualTo(200);
		assertThat(client.get("/actuator/health", null).statusCode()).isEqualTo(200);
	}

	@Test
	void everyConfiguredKeyIsAccepted() {
		assertThat(client.get("/v1/models", "limits-test-key-1").statusCode()).isEqualTo(200);
		assertThat(client.get("/v1/models", "limits-test-key-2").statusCode()).isEqualTo(200);
		assertError(client.get("/v1/models", "limits-test-key-3"), 401, "invalid_api_key");
		assertError(client.get("/v1/models", "limits-test-key"), 401, "invalid_api_key");
	}

	private static void assertRateLimited(HttpResponse<String> response, String model) {
		assertError(response, 429, "rate_limit_exceeded");
		JsonNode error = ProxyClient.json(response).path("error");
		assertThat(error.path("type").asString()).isEqualTo("rate_limit_exceeded");
		assertThat(error.path("message").asString()).contains("'" + model + "'");
		assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying((seconds) -> {
			assertThat(seconds).matches("[0-9]+");
			assertThat(Integer.parseInt(seconds)).isBetween(1, 61);
		});
	}

}
