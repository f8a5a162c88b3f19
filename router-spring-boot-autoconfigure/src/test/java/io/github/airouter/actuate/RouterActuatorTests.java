package io.github.airouter.actuate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportSelector;
import org.springframework.core.type.AnnotationMetadata;

import io.github.airouter.autoconfigure.RouterActuatorAutoConfiguration;
import io.github.airouter.autoconfigure.RouterHealthAutoConfiguration;
import io.github.airouter.autoconfigure.RouterAutoConfiguration;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The router's actuator endpoint and health indicator: when they exist, and what an
 * operator reads from them after real (faked) provider traffic, 429s and cooldowns
 * included.
 */
class RouterActuatorTests {

	private static final String KEY_EAST = "sk-test-SECRET-0001";

	private static final String KEY_WEST = "sk-test-SECRET-0002";

	private static final String KEY_MINI = "sk-test-SECRET-0003";

	private static final List<String> KEYS = List.of(KEY_EAST, KEY_WEST, KEY_MINI);

	private static final JsonMapper json = JsonMapper.builder().build();

	private final FakeProvider provider = new FakeProvider();

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	/**
	 * Two Azure deployments of gpt-4o: azure-east (first tier, rpm 120, tpm 40000) and
	 * azure-west (second tier, no limits); and one of gpt-4o-mini.
	 */
	private List<String> modelList() {
		List<String> properties = new ArrayList<>();
		properties.addAll(entry(0, "gpt-4o", "gpt-4o-east", "azure-east", KEY_EAST, "order=1", "rpm=120",
				"tpm=40000"));
		properties.addAll(entry(1, "gpt-4o", "gpt-4o-west", "azure-west", KEY_WEST, "order=2"));
		properties.addAll(entry(2, "gpt-4o-mini", "gpt-4o-mini-1", "azure-mini", KEY_MINI));
		return properties;
	}

	private List<String> entry(int index, String modelName, String target, String id, String key,
			String... settings) {
		String entry = "router.model-list[" + index + "].";
		List<String> properties = new ArrayList<>(List.of(entry + "model-name=" + modelName,
				entry + "params.model=azure/" + target, entry + "params.api-base=" + this.provider.url(),
				entry + "params.api-key=" + key, entry + "params.api-version=2024-10-21",
				entry + "model-info.id=" + id));
		for (String setting : settings) {
			properties.add(entry + setting);
		}
		return properties;
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class,
					RouterActuatorAutoConfiguration.class, RouterHealthAutoConfiguration.class,
					EndpointAutoConfiguration.class,
					WebEndpointAutoConfiguration.class, HealthContributorAutoConfiguration.class,
					HealthContributorRegistryAutoConfiguration.class, HealthEndpointAutoConfiguration.class))
			.withBean(UsageStore.class, () -> new InMemoryUsageStore(this.clock, new Random(3)))
			.withPropertyValues(modelList().toArray(String[]::new));
	}

	private static String path(String target) {
		return "/openai/deployments/" + target;
	}

	private static MockResponse tooManyRequests(String retryAfterSeconds) {
		return new MockResponse().setResponseCode(429)
			.setHeader("Content-Type", "application/json")
			.setHeader("Retry-After", retryAfterSeconds)
			.setBody("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"rate_limit_exceeded\","
					+ "\"param\":null,\"code\":\"429\"}}");
	}

	private static Prompt prompt(String model) {
		return new Prompt("Hello", ChatOptions.builder().model(model).build());
	}

	// --- when the endpoint and the indicator exist

	@Test
	void theEndpointExistsWhenExposedByName() {
		runner().withPropertyValues("management.endpoints.web.exposure.include=router")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RouterEndpoint.class));
	}

	@Test
	void theEndpointExistsWhenEveryEndpointIsExposed() {
		runner().withPropertyValues("management.endpoints.web.exposure.include=*")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RouterEndpoint.class));
	}

	@Test
	void theEndpointIsAbsentUnderTheDefaultExposureOfHealthOnly() {
		runner().run((context) -> assertThat(context).hasNotFailed()
			.hasSingleBean(Router.class)
			.doesNotHaveBean(RouterEndpoint.class));
	}

	@Test
	void theEndpointIsAbsentWhenExcludedFromExposure() {
		runner()
			.withPropertyValues("management.endpoints.web.exposure.include=*",
					"management.endpoints.web.exposure.exclude=router")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RouterEndpoint.class));
	}

	@Test
	void theEndpointIsAbsentWhenItsAccessIsNone() {
		runner()
			// as in an application, where the environment converts "none" to Access.NONE
			.withInitializer((context) -> context.getEnvironment()
				.setConversionService(new ApplicationConversionService()))
			.withPropertyValues("management.endpoints.web.exposure.include=router",
					"management.endpoint.router.access=none")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RouterEndpoint.class));
	}

	@Test
	void theEndpointIsAbsentWhenDisabledWithTheDeprecatedEnabledProperty() {
		runner()
			.withPropertyValues("management.endpoints.web.exposure.include=router",
					"management.endpoint.router.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RouterEndpoint.class));
	}

	@Test
	void theEndpointBacksOffFromTheApplicationsOwn() {
		runner().withPropertyValues("management.endpoints.web.exposure.include=router")
			.withBean("myRouterEndpoint", RouterEndpoint.class)
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RouterEndpoint.class);
				assertThat(context).hasBean("myRouterEndpoint");
			});
	}

	@Test
	void withoutActuatorTheRouterStartsWithNeitherEndpointNorIndicator() {
		new ApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(RouterAutoConfiguration.class, RouterActuatorAutoConfiguration.class,
							RouterHealthAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate",
					"org.springframework.boot.health"))
			.withPropertyValues(modelList().toArray(String[]::new))
			.withPropertyValues("management.endpoints.web.exposure.include=*")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(Router.class).hasSingleBean(RoutingChatModel.class);
				assertThat(context).doesNotHaveBean(RouterEndpoint.class)
					.doesNotHaveBean("routerHealthIndicator");
			});
	}

	@Test
	void withoutSpringBootHealthTheEndpointStillWorksAndNoIndicatorIsDefined() {
		new ApplicationContextRunner()
			// imported by name, read from class files as an application reads its
			// auto-configurations; the classes and class files of spring-boot-health hidden
			.withUserConfiguration(ImportedByName.class)
			.withClassLoader(new FilteredClassLoader((name) -> name.startsWith("org.springframework.boot.health.")
					|| name.startsWith("org/springframework/boot/health/")))
			.withPropertyValues(modelList().toArray(String[]::new))
			.withPropertyValues("management.endpoints.web.exposure.include=router")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RouterEndpoint.class);
				assertThat(context).doesNotHaveBean("routerHealthIndicator");
				assertThat(context.getBean(RouterEndpoint.class).router().modelGroups()).hasSize(2);
			});
	}

	@Configuration(proxyBeanMethods = false)
	@Import(ImportedByName.Selector.class)
	static class ImportedByName {

		static class Selector implements ImportSelector {

			@Override
			public String[] selectImports(AnnotationMetadata metadata) {
				return new String[] { "io.github.airouter.autoconfigure.RouterAutoConfiguration",
						"io.github.airouter.autoconfigure.RouterActuatorAutoConfiguration",
						"io.github.airouter.autoconfigure.RouterHealthAutoConfiguration",
						"org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration" };
			}

		}

	}

	@Test
	void theHealthIndicatorExistsByDefaultAndReportsAsRouter() {
		runner().withPropertyValues("management.endpoint.health.show-details=always").run((context) -> {
			assertThat(context).hasNotFailed().hasBean("routerHealthIndicator");
			assertThat(context.getBean("routerHealthIndicator")).isInstanceOf(RouterHealthIndicator.class);
			assertThat(context.getBean(HealthEndpoint.class).healthForPath("router")).isNotNull();
		});
	}

	@Test
	void theHealthIndicatorIsAbsentWhenDisabled() {
		runner().withPropertyValues("management.health.router.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(Router.class)
				.doesNotHaveBean(RouterHealthIndicator.class));
	}

	@Test
	void theHealthIndicatorIsAbsentWhenHealthIndicatorsAreOffByDefault() {
		runner().withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RouterHealthIndicator.class));
	}

	@Test
	void nothingWhenTheRouterIsDisabled() {
		runner().withPropertyValues("router.enabled=false", "management.endpoints.web.exposure.include=*")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(Router.class)
				.doesNotHaveBean(RouterEndpoint.class)
				.doesNotHaveBean(RouterHealthIndicator.class));
	}

	// --- what the endpoint shows

	@Test
	void theEndpointShowsLimitsUsageCooldownLatencyAndTheLastErrorOfEachDeployment() {
		this.provider.enqueue(path("gpt-4o-east"), tooManyRequests("30"));
		runner().withPropertyValues("management.endpoints.web.exposure.include=router").run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			// east answers 429 and cools down; west serves this call and the next
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText())
				.isEqualTo("Hello from " + path("gpt-4o-west"));
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText())
				.isEqualTo("Hello from " + path("gpt-4o-west"));
			assertThat(this.provider.requestsTo(path("gpt-4o-east"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("gpt-4o-west"))).hasSize(2);

			String body = json.writeValueAsString(context.getBean(RouterEndpoint.class).router());
			JsonNode root = json.readTree(body);
			assertThat(root.path("usageStore").path("name").asString()).isEqualTo("memory");
			JsonNode groups = root.path("modelGroups");
			assertThat(groups.isArray()).isTrue();
			assertThat(groups.size()).isEqualTo(2);
			JsonNode gpt4o = groups.get(0);
			assertThat(gpt4o.path("name").asString()).isEqualTo("gpt-4o");
			assertThat(gpt4o.path("mode").asString()).isEqualTo("chat");
			assertThat(gpt4o.path("strategy").asString()).isEqualTo("usage-based");
			assertThat(gpt4o.path("deployments").size()).isEqualTo(2);
			String host = URI.create(this.provider.url()).getHost();
			assertThat(host).isEqualTo("localhost");

			JsonNode east = deployment(root, "gpt-4o", "azure-east");
			assertThat(east.path("provider").asString()).isEqualTo("azure");
			assertThat(east.path("target").asString()).isEqualTo("gpt-4o-east");
			assertThat(east.path("apiBaseHost").asString()).isEqualTo(host);
			assertThat(east.path("order").asInt()).isEqualTo(1);
			assertThat(east.path("limits").path("rpm").asLong()).isEqualTo(120);
			assertThat(east.path("limits").path("tpm").asLong()).isEqualTo(40_000);
			// the 429'd attempt counts as a request (the provider counts it too), with no tokens
			assertThat(east.path("usage").path("requests").asLong()).isEqualTo(1);
			assertThat(east.path("usage").path("tokens").asLong()).isZero();
			assertThat(east.path("inFlight").asInt()).isZero();
			assertThat(east.path("cooldownRemainingMillis").asLong()).isEqualTo(30_000);
			assertThat(east.path("cooldownReason").asString()).isEqualTo("rate-limited");
			// its failed attempt counts as slow as its timeout: never preferred for failing fast
			assertThat(east.path("latencyMillis").asDouble()).isEqualTo(60_000.0);
			assertThat(east.path("lastError").asString()).contains("rate-limited");

			JsonNode west = deployment(root, "gpt-4o", "azure-west");
			assertThat(west.path("provider").asString()).isEqualTo("azure");
			assertThat(west.path("target").asString()).isEqualTo("gpt-4o-west");
			assertThat(west.path("apiBaseHost").asString()).isEqualTo(host);
			assertThat(west.path("order").asInt()).isEqualTo(2);
			assertThat(west.path("limits").get("rpm").isNull()).isTrue();
			assertThat(west.path("limits").get("tpm").isNull()).isTrue();
			// two calls of 10 prompt + 5 completion tokens each, as the provider reported
			assertThat(west.path("usage").path("requests").asLong()).isEqualTo(2);
			assertThat(west.path("usage").path("tokens").asLong()).isEqualTo(30);
			assertThat(west.path("cooldownRemainingMillis").asLong()).isZero();
			assertThat(west.get("latencyMillis").isNumber()).isTrue();
			assertThat(west.get("latencyMillis").asDouble()).isPositive();
			assertThat(west.get("lastError").isNull()).isTrue();

			JsonNode mini = deployment(root, "gpt-4o-mini", "azure-mini");
			assertThat(mini.get("order").isNull()).isTrue();
			assertThat(mini.path("usage").path("requests").asLong()).isZero();
			assertThat(mini.get("latencyMillis").isNull()).isTrue();

			assertNoKeyIn(body);

			// the cooldown counts down as time passes
			this.clock.advance(Duration.ofSeconds(12));
			JsonNode later = json.readTree(json.writeValueAsString(context.getBean(RouterEndpoint.class).router()));
			assertThat(deployment(later, "gpt-4o", "azure-east").path("cooldownRemainingMillis").asLong())
				.isEqualTo(18_000);
		});
	}

	private static JsonNode deployment(JsonNode root, String group, String id) {
		for (JsonNode candidate : root.path("modelGroups")) {
			if (group.equals(candidate.path("name").asString())) {
				for (JsonNode deployment : candidate.path("deployments")) {
					if (id.equals(deployment.path("id").asString())) {
						return deployment;
					}
				}
			}
		}
		throw new AssertionError("No deployment " + id + " in group " + group + ": " + root);
	}

	/** Neither a key nor any 6-character piece of one appears, in any case. */
	private static void assertNoKeyIn(String body) {
		String lower = body.toLowerCase(Locale.ROOT);
		for (String key : KEYS) {
			for (int i = 0; i + 6 <= key.length(); i++) {
				String fragment = key.substring(i, i + 6);
				assertThat(lower).as("a fragment of an API key")
					.doesNotContain(fragment.toLowerCase(Locale.ROOT));
			}
		}
	}

	// --- health

	@Test
	void healthIsUpWithTheAvailableDeploymentsOfEachGroup() {
		runner().withPropertyValues("management.endpoint.health.show-details=always").run((context) -> {
			IndicatedHealthDescriptor health = routerHealth(context.getBean(HealthEndpoint.class));
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(health.getDetails()).containsEntry("usageStore", "memory");
			assertThat(group(health, "gpt-4o")).containsEntry("status", "UP")
				.containsEntry("available", List.of("azure-east", "azure-west"))
				.containsEntry("coolingDown", List.of());
			assertThat(group(health, "gpt-4o-mini")).containsEntry("status", "UP")
				.containsEntry("available", List.of("azure-mini"))
				.containsEntry("coolingDown", List.of());
			assertThat(context.getBean(HealthEndpoint.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthIsUpWhileOneDeploymentOfAGroupCoolsDown() {
		this.provider.enqueue(path("gpt-4o-east"), tooManyRequests("30"));
		runner().withPropertyValues("management.endpoint.health.show-details=always").run((context) -> {
			context.getBean(RoutingChatModel.class).call(prompt("gpt-4o"));
			IndicatedHealthDescriptor health = routerHealth(context.getBean(HealthEndpoint.class));
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(group(health, "gpt-4o")).containsEntry("status", "UP")
				.containsEntry("available", List.of("azure-west"))
				.containsEntry("coolingDown", List.of("azure-east"));
		});
	}

	@Test
	void healthStaysUpWhileEveryDeploymentOfAGroupIsRateLimitedAndSaysWhy() {
		// a 429 shared by every instance must not take them all out of rotation at once
		this.provider.enqueue(path("gpt-4o-east"), tooManyRequests("30"));
		this.provider.enqueue(path("gpt-4o-west"), tooManyRequests("20"));
		runner().withPropertyValues("management.endpoint.health.show-details=always").run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThatException().isThrownBy(() -> chat.call(prompt("gpt-4o")));
			assertThat(this.provider.requestsTo(path("gpt-4o-east"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("gpt-4o-west"))).hasSize(1);
			HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);

			IndicatedHealthDescriptor health = routerHealth(endpoint);
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(group(health, "gpt-4o")).containsEntry("status", "UP")
				.containsEntry("available", List.of())
				.containsEntry("coolingDown", List.of("azure-east", "azure-west"))
				.containsEntry("cooldownReasons", Map.of("azure-east", "rate-limited", "azure-west", "rate-limited"));
			assertThat(endpoint.health().getStatus()).isEqualTo(Status.UP);

			// west's Retry-After was shorter: it comes back first
			this.clock.advance(Duration.ofSeconds(21));
			assertThat(group(routerHealth(endpoint), "gpt-4o")).containsEntry("available", List.of("azure-west"))
				.containsEntry("coolingDown", List.of("azure-east"));
		});
	}

	@Test
	void healthIsDownOnlyWhileEveryDeploymentOfAGroupIsMisconfiguredAndUpAgainAfterwards() {
		this.provider.enqueue(path("gpt-4o-east"), FakeProvider.error(401, "invalid_request_error", "401",
				"Access denied due to invalid subscription key or wrong API endpoint."));
		this.provider.enqueue(path("gpt-4o-west"), FakeProvider.error(404, "invalid_request_error",
				"DeploymentNotFound", "The API deployment for this resource does not exist."));
		runner().withPropertyValues("management.endpoint.health.show-details=always").run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThatException().isThrownBy(() -> chat.call(prompt("gpt-4o")));
			HealthEndpoint endpoint = context.getBean(HealthEndpoint.class);

			IndicatedHealthDescriptor health = routerHealth(endpoint);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(group(health, "gpt-4o")).containsEntry("status", "DOWN")
				.containsEntry("available", List.of())
				.containsEntry("cooldownReasons",
						Map.of("azure-east", "misconfigured", "azure-west", "misconfigured"));
			// the other group still serves, and says so
			assertThat(group(health, "gpt-4o-mini")).containsEntry("status", "UP")
				.containsEntry("available", List.of("azure-mini"));
			assertThat(endpoint.health().getStatus()).isEqualTo(Status.DOWN);

			// after the misconfigured cooldown (60 s) the deployments are tried again
			this.clock.advance(Duration.ofSeconds(61));
			assertThat(routerHealth(endpoint).getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void healthStaysUpWhileOneDeploymentOfAGroupIsMisconfigured() {
		this.provider.enqueue(path("gpt-4o-east"), FakeProvider.error(403, "invalid_request_error",
				"PermissionDenied", "The principal lacks the required data action."));
		runner().withPropertyValues("management.endpoint.health.show-details=always").run((context) -> {
			assertThat(context.getBean(RoutingChatModel.class).call(prompt("gpt-4o")).getResult().getOutput().getText())
				.endsWith(path("gpt-4o-west"));
			IndicatedHealthDescriptor health = routerHealth(context.getBean(HealthEndpoint.class));
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(group(health, "gpt-4o")).containsEntry("available", List.of("azure-west"))
				.containsEntry("cooldownReasons", Map.of("azure-east", "misconfigured"));
		});
	}

	private static IndicatedHealthDescriptor routerHealth(HealthEndpoint endpoint) {
		assertThat(endpoint.healthForPath("router")).isInstanceOf(IndicatedHealthDescriptor.class);
		return (IndicatedHealthDescriptor) endpoint.healthForPath("router");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> group(IndicatedHealthDescriptor health, String name) {
		Map<String, Object> groups = (Map<String, Object>) health.getDetails().get("modelGroups");
		assertThat(groups).containsKey(name);
		return (Map<String, Object>) groups.get(name);
	}

	// --- over HTTP

	@Test
	void theEndpointAnswersOverHttpWithoutAnyKey() throws Exception {
		this.provider.enqueue(path("gpt-4o-east"), tooManyRequests("30"));
		List<String> properties = new ArrayList<>(modelList());
		properties.addAll(List.of("server.port=0", "management.endpoints.web.exposure.include=router,health",
				"management.endpoint.health.show-components=always",
				"router.usage-store=memory", "spring.main.banner-mode=off",
				"spring.autoconfigure.exclude="
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiEmbeddingAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiImageAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiAudioSpeechAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiAudioTranscriptionAutoConfiguration,"
						+ "org.springframework.ai.model.openai.autoconfigure.OpenAiModerationAutoConfiguration"));
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ServerApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties(properties.toArray(String[]::new))
			.run()) {
			context.getBean(RoutingChatModel.class).call(prompt("gpt-4o"));
			int port = ((WebServerApplicationContext) context).getWebServer().getPort();
			HttpResponse<String> response = get(port, "/actuator/router");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.headers().firstValue("Content-Type"))
				.hasValueSatisfying((type) -> assertThat(type).contains("json"));
			String body = response.body();
			assertThat(body).contains("\"azure-east\"", "\"azure-west\"", "\"azure-mini\"");
			JsonNode root = json.readTree(body);
			assertThat(root.path("usageStore").path("name").asString()).isEqualTo("memory");
			// the application's own store runs on the system clock
			assertThat(deployment(root, "gpt-4o", "azure-east").path("cooldownRemainingMillis").asLong())
				.isBetween(20_000L, 30_000L);
			assertThat(deployment(root, "gpt-4o", "azure-west").path("usage").path("tokens").asLong()).isEqualTo(15);
			assertNoKeyIn(body);

			HttpResponse<String> health = get(port, "/actuator/health/router");
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(json.readTree(health.body()).path("status").asString()).isEqualTo("UP");
		}
	}

	private static HttpResponse<String> get(int port, String path) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.GET()
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ServerApplication {

	}

}
