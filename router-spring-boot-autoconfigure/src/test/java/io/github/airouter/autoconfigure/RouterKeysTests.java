package io.github.airouter.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.routing.Router;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys under {@code router.*} that binding would drop: an unknown key fails start-up naming
 * the nearest known one, a LiteLLM key the router does not use is listed in one warning, and
 * keys the router does not own (other tools' environment variables, the application's own
 * properties under {@code router.}) are left alone.
 */
@ExtendWith(OutputCaptureExtension.class)
class RouterKeysTests {

	private static final String KEY = "sk-test-SECRET-keys-0001";

	private static final String IGNORED_WARNING = "LiteLLM settings that the router does not use";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class));

	// ---- unknown keys fail start-up, naming the nearest known key

	@Test
	void misspeltRpmFailsStartupInsteadOfLeavingTheDeploymentUnlimited() {
		this.runner.withPropertyValues(entry(0)).withPropertyValues("router.model-list[0].rmp=20").run((context) -> {
			assertThat(problems(context)).containsExactly(new Problem("router.model-list[0].rmp",
					"is unknown and would be ignored; did you mean rpm?", "Rename it to rpm, or remove it."));
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessage("Invalid router configuration:\n"
						+ " - router.model-list[0].rmp is unknown and would be ignored; did you mean rpm?");
		});
	}

	@Test
	void misspeltTopLevelKeyIsSuggestedInTheWrittenStyle() {
		this.runner.withPropertyValues(entry(0))
			.withPropertyValues("router.num_retires=4", "router.cooldown-tim=10s")
			.run((context) -> assertThat(problems(context)).extracting(Problem::toString)
				.containsExactly("router.cooldown-tim is unknown and would be ignored; did you mean cooldown-time?",
						"router.num_retires is unknown and would be ignored; did you mean num_retries?"));
	}

	@Test
	void unknownTopLevelKeyWithNothingCloseListsTheKnownKeys() {
		this.runner.withPropertyValues(entry(0)).withPropertyValues("router.colour=blue").run((context) -> {
			Problem problem = single(problems(context));
			assertThat(problem.property()).isEqualTo("router.colour");
			assertThat(problem.description()).isEqualTo("is unknown and would be ignored");
			assertThat(problem.action()).startsWith("Remove it, or use one of: ")
				.contains("model-list", "num-retries", "routing-strategy", "redis");
		});
	}

	@Test
	void misspeltKeyInsideLiteLlmParamsNamesItUnderParamsAndNeverEchoesItsValue() {
		this.runner
			.withPropertyValues("router.model_list[0].model_name=gpt-4o",
					"router.model_list[0].litellm_params.model=gpt-4o",
					"router.model_list[0].litellm_params.api_kye=" + KEY)
			.run((context) -> {
				assertThat(problems(context)).extracting(Problem::toString)
					.containsExactly("router.model-list[0].params.api_kye is unknown and would be ignored; "
							+ "did you mean api_key?", "router.model-list[0].params.api-key is required");
				assertThat(context.getStartupFailure()).rootCause().message().doesNotContain(KEY);
			});
	}

	@Test
	void misspeltKeyInsideRedisSettings() {
		this.runner.withPropertyValues(entry(0))
			.withPropertyValues("router.redis.key-prefx=myapp:")
			.run((context) -> assertThat(problems(context)).extracting(Problem::toString)
				.containsExactly("router.redis.key-prefx is unknown and would be ignored; did you mean key-prefix?"));
	}

	@Test
	void aKeyUnderAValueIsRefused() {
		// binding a String from keys below it finds nothing and says nothing
		this.runner.withPropertyValues(entry(0)).withPropertyValues("router.default-model.name=gpt-4o").run((context) -> {
			Problem problem = single(problems(context));
			assertThat(problem.toString()).isEqualTo(
					"router.default-model.name is unknown and would be ignored: router.default-model takes a value, not keys");
			assertThat(problem.action()).isEqualTo("Remove it, and give router.default-model its value directly.");
		});
	}

	@Test
	void aKeyThatLooksLikeAValueIsNotEchoed() {
		String pastedKey = "f3a91c0e7b2d4e6f8a0b1c2d3e4f5a6b";
		this.runner.withInitializer((context) -> addYaml(context.getEnvironment(), """
				router:
				  model_list:
				    - model_name: gpt-4o
				      litellm_params:
				        model: gpt-4o
				        api_key: %s
				        %s: true
				""".formatted(KEY, pastedKey))).run((context) -> {
			Problem problem = single(problems(context));
			assertThat(problem.property()).isEqualTo("router.model-list[0].params");
			assertThat(problem.description()).startsWith("has a key that is not a router property, not shown");
			assertThat(context.getStartupFailure()).rootCause().message().doesNotContain(pastedKey).doesNotContain(KEY);
		});
	}

	@Test
	void limitsInModelInfoAreRefusedWithWhereToMoveThem() {
		// LiteLLM's router reads tpm and rpm from model_info too; dropping them would
		// leave the deployment unlimited
		this.runner.withPropertyValues(entry(0))
			.withPropertyValues("router.model_list[0].model_info.rpm=20", "router.model_list[0].model_info.tpm=1000")
			.run((context) -> {
				List<Problem> problems = problems(context);
				assertThat(problems).extracting(Problem::property)
					.containsExactly("router.model-list[0].model-info.rpm", "router.model-list[0].model-info.tpm");
				assertThat(problems.get(0).description())
					.isEqualTo("is a limit LiteLLM reads from model_info, but the router reads it only on the entry or in params");
				assertThat(problems.get(0).action())
					.isEqualTo("Move it to router.model-list[0].rpm, where it limits the deployment.");
			});
	}

	@Test
	void unknownKeysAreListedWithEveryOtherProblem() {
		this.runner.withPropertyValues(entry(0))
			.withPropertyValues(entry(1))
			.withPropertyValues("router.model-list[0].rmp=20", "router.model-list[1].rpm=-5", "router.default-model=gpt-5",
					"router.redis.fallback-share=2")
			.run((context) -> assertThat(problems(context)).extracting(Problem::property)
				.containsExactly("router.model-list[0].rmp", "router.model-list[1].rpm", "router.default-model",
						"router.redis.fallback-share"));
	}

	@Test
	void anEmptyModelListIsReportedWithTheMisspeltKeyThatEmptiedIt() {
		this.runner.withPropertyValues("router.model-lst[0].model-name=gpt-4o")
			.run((context) -> assertThat(problems(context)).extracting(Problem::toString)
				.containsExactly("router.model-lst is unknown and would be ignored; did you mean model-list?",
						"router.model-list is empty"));
	}

	// ---- known keys, in every spelling binding accepts

	@Test
	void knownKeysInAnySpellingAndFallbackMapKeysStart() {
		this.runner
			.withPropertyValues("router.model_list[0].model_name=gpt-4o", "router.model_list[0].litellm_params.model=gpt-4o",
					"router.model_list[0].litellm_params.api_key=" + KEY, "router.model_list[0].litellm_params.RPM=20",
					"router.modelList[1].modelName=gpt-4o-mini", "router.modelList[1].params.model=gpt-4o-mini",
					"router.modelList[1].params.apiKey=" + KEY, "router.modelList[1].streamTimeout=5",
					"router.model-list.1.order=1",
					"router.fallbacks.gpt-4o[0]=gpt-4o-mini", "router.context_window_fallbacks.[gpt-4o][0]=gpt-4o-mini",
					"router.redis.keyTtl=5m", "router.Num_Retries=1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				List<Deployment> deployments = context.getBean(RouterModelList.class).deployments();
				assertThat(deployments.get(0).limits().requestsPerMinute()).isEqualTo(20L);
				assertThat(deployments.get(1).order()).isEqualTo(1);
				assertThat(context.getBean(Router.class).policy().numRetries()).isEqualTo(1);
			});
	}

	@Test
	void aDisabledRouterChecksNoKeys() {
		this.runner.withPropertyValues("router.enabled=false", "router.model-list[0].rmp=20")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	// ---- LiteLLM keys the router knows but does not use

	@Test
	void aPastedLiteLlmEntryStartsAndItsUnusedKeysAreListedInOneWarning(CapturedOutput output) {
		this.runner.withInitializer((context) -> addYaml(context.getEnvironment(), """
				router:
				  model_list:
				    - model_name: gpt-4o
				      litellm_params:
				        model: azure/gpt-4o-eu
				        api_base: https://my-eu.openai.azure.com
				        api_key: %s
				        api_version: "2024-10-21"
				        rpm: 20
				        max_retries: 3
				        organization: org-example
				        input_cost_per_token: 0.0000025
				        tags: [eu, primary]
				        extra_headers:
				          X-Team: search
				      model_info:
				        id: eu-primary
				        base_model: azure/gpt-4o
				        supports_vision: true
				""".formatted(KEY))).run((context) -> {
			assertThat(context).hasNotFailed();
			Deployment deployment = context.getBean(RouterModelList.class).deployments().get(0);
			assertThat(deployment.id()).isEqualTo("eu-primary");
			assertThat(deployment.limits().requestsPerMinute()).isEqualTo(20L);
			List<String> warnings = output.getOut().lines().filter((line) -> line.contains(IGNORED_WARNING)).toList();
			assertThat(warnings).singleElement()
				.asString()
				.contains("WARN")
				.endsWith("Ignoring 7 LiteLLM settings that the router does not use: "
						+ "router.model-list[0].params.extra_headers, router.model-list[0].params.input_cost_per_token, "
						+ "router.model-list[0].params.max_retries, router.model-list[0].params.organization, "
						+ "router.model-list[0].params.tags, router.model-list[0].model-info.base_model, "
						+ "router.model-list[0].model-info.supports_vision");
			assertThat(output.getAll()).doesNotContain(KEY);
		});
	}

	@Test
	void noWarningWithoutUnusedLiteLlmKeys(CapturedOutput output) {
		this.runner.withPropertyValues(entry(0)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output.getAll()).doesNotContain(IGNORED_WARNING);
		});
	}

	@Test
	void longLiteLlmPriceKeysAreIgnoredLikeTheOthers(CapturedOutput output) {
		this.runner.withPropertyValues(entry(0))
			.withPropertyValues("router.model_list[0].litellm_params.cache_creation_input_token_cost_above_200k_tokens=0.1",
					"router.model_list[0].model_info.output_cost_per_second_1080p=0.2")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output.getOut()).contains("Ignoring 2 LiteLLM settings that the router does not use: "
						+ "router.model-list[0].params.cache_creation_input_token_cost_above_200k_tokens, "
						+ "router.model-list[0].model-info.output_cost_per_second_1080p");
			});
	}

	@Test
	void aMisspeltLiteLlmKeyIsSuggestedToo() {
		this.runner.withPropertyValues(entry(0))
			.withPropertyValues("router.model_list[0].litellm_params.max_retires=3")
			.run((context) -> assertThat(single(problems(context)).toString()).isEqualTo(
					"router.model-list[0].params.max_retires is unknown and would be ignored; did you mean max_retries?"));
	}

	// ---- keys the router does not own

	@Test
	void otherToolsRouterEnvironmentVariablesDoNotFailStartup() {
		this.runner.withPropertyValues(entry(0)).withInitializer((context) -> {
			Map<String, Object> variables = new HashMap<>(System.getenv());
			variables.put("ROUTER_HOST", "gateway.internal");
			variables.put("ROUTER_PORT", "8443");
			variables.put("ROUTER_NUM_RETRIES", "4");
			context.getEnvironment()
				.getPropertySources()
				.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
						new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
								variables));
		}).run((context) -> {
			assertThat(context).hasNotFailed();
			// the router's own variables still bind
			assertThat(context.getBean(Router.class).policy().numRetries()).isEqualTo(4);
		});
	}

	@Test
	void keysOfTheApplicationsOwnPropertiesUnderRouterAreLeftToThem() {
		withApplicationPropertiesUnderRouterProxy().withPropertyValues(entry(0))
			.withPropertyValues("router.proxy.keys[0]=client-key", "router.proxy.dashboard-requires-key=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ClientKeys.class).getKeys()).containsExactly("client-key");
			});
	}

	@Test
	void aMisspeltKeyBesideTheApplicationsOwnPropertiesStillFails() {
		withApplicationPropertiesUnderRouterProxy().withPropertyValues(entry(0))
			.withPropertyValues("router.proxy.keys[0]=client-key", "router.prxy.keys[0]=client-key")
			.run((context) -> assertThat(single(problems(context)).property()).isEqualTo("router.prxy"));
	}

	// ---- the distance behind suggestions

	@Test
	void swappedNeighboursAreOneEdit() {
		assertThat(RouterKeys.distance("rmp", "rpm")).isOne();
		assertThat(RouterKeys.distance("apikye", "apikey")).isOne();
		assertThat(RouterKeys.distance("tpm", "rpm")).isOne();
		assertThat(RouterKeys.distance("colour", "order")).isGreaterThan(2);
		assertThat(RouterKeys.uniform("Model_List-X")).isEqualTo("modellistx");
	}

	// ---- helpers

	/**
	 * The application's own properties under router.proxy, as the proxy sample has. A local
	 * class, so that the configuration processor does not write test metadata over the
	 * starter's.
	 */
	private ApplicationContextRunner withApplicationPropertiesUnderRouterProxy() {
		@ConfigurationProperties("router.proxy")
		class ProxyProperties implements ClientKeys {

			private List<String> keys = new ArrayList<>();

			private boolean dashboardRequiresKey = true;

			@Override
			public List<String> getKeys() {
				return this.keys;
			}

			public void setKeys(List<String> keys) {
				this.keys = keys;
			}

			public boolean isDashboardRequiresKey() {
				return this.dashboardRequiresKey;
			}

			public void setDashboardRequiresKey(boolean dashboardRequiresKey) {
				this.dashboardRequiresKey = dashboardRequiresKey;
			}

		}
		return this.runner.withBean("proxyProperties", ProxyProperties.class, ProxyProperties::new);
	}

	private static String[] entry(int index) {
		String entry = "router.model-list[" + index + "].";
		return new String[] { entry + "model-name=gpt-4o", entry + "params.model=gpt-4o", entry + "params.api-key=" + KEY };
	}

	private static List<Problem> problems(AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidRouterConfigurationException.class);
		Throwable cause = context.getStartupFailure();
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		List<Problem> problems = new ArrayList<>(((InvalidRouterConfigurationException) cause).getProblems());
		assertThat(problems).allSatisfy((problem) -> {
			assertThat(problem.action()).isNotBlank();
			assertThat(problem.toString()).doesNotContain(KEY);
		});
		return problems;
	}

	private static Problem single(List<Problem> problems) {
		assertThat(problems).hasSize(1);
		return problems.get(0);
	}

	private static void addYaml(ConfigurableEnvironment environment, String yaml) {
		try {
			for (PropertySource<?> source : new YamlPropertySourceLoader().load("litellm-config",
					new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)))) {
				environment.getPropertySources().addFirst(source);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** What the test reads of the application's own properties. */
	interface ClientKeys {

		List<String> getKeys();

	}

}
