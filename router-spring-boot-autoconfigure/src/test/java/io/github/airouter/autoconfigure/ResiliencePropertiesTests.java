package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.RouterPolicy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The retry, cooldown, timeout, priority and fallback settings: how they bind (kebab-case
 * and LiteLLM spellings), what they default to, how they reach the {@link Router}, and how
 * each mistake is reported.
 */
class ResiliencePropertiesTests {

	private static final Function<String, @Nullable String> NO_ENVIRONMENT = (name) -> null;

	private static final String[] MODELS = { "router.model-list[0].model-name=gpt-4o",
			"router.model-list[0].params.model=gpt-4o", "router.model-list[0].params.api-key=sk-test-0001",
			"router.model-list[1].model-name=gpt-4o-mini", "router.model-list[1].params.model=gpt-4o-mini",
			"router.model-list[1].params.api-key=sk-test-0002", "router.model-list[2].model-name=gpt-4o-128k",
			"router.model-list[2].params.model=gpt-4o-128k", "router.model-list[2].params.api-key=sk-test-0003",
			"router.model-list[3].model-name=embed", "router.model-list[3].params.model=text-embedding-3-small",
			"router.model-list[3].params.api-key=sk-test-0004", "router.model-list[3].model-info.mode=embedding" };

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class));

	// ---- binding, into the router's policy

	@Test
	void withNothingSetTheRouterUsesTheDefaultPolicyAndTimeouts() {
		this.runner.withPropertyValues(MODELS).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Router.class).policy()).isEqualTo(
					RouterPolicy.builder().numRetries(2).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build());
			assertThat(context.getBean(RouterModelList.class).deployments()).allSatisfy((deployment) -> {
				assertThat(deployment.timeout()).isEqualTo(Duration.ofSeconds(60));
				assertThat(deployment.streamTimeout()).isEqualTo(Duration.ofSeconds(60));
				assertThat(deployment.order()).isEqualTo(Deployment.NO_ORDER);
			});
		});
	}

	@Test
	void kebabCaseSettingsReachTheRoutersPolicy() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.num-retries=4", "router.cooldown-time=12s", "router.allowed-fails=7",
					"router.max-fallbacks=2", "router.fallbacks.gpt-4o[0]=gpt-4o-mini",
					"router.fallbacks.gpt-4o[1]=gpt-4o-128k", "router.fallbacks.gpt-4o-mini[0]=gpt-4o",
					"router.context-window-fallbacks.gpt-4o[0]=gpt-4o-128k", "router.default-fallbacks[0]=gpt-4o-mini")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(Router.class).policy()).isEqualTo(expectedPolicy());
				assertThat(context.getBean(RouterModelList.class).policy()).isEqualTo(expectedPolicy());
			});
	}

	@Test
	void underscoreSettingsBindLikeKebabCase() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.num_retries=4", "router.cooldown_time=12s", "router.allowed_fails=7",
					"router.max_fallbacks=2", "router.fallbacks.gpt-4o[0]=gpt-4o-mini",
					"router.fallbacks.gpt-4o[1]=gpt-4o-128k", "router.fallbacks.gpt-4o-mini[0]=gpt-4o",
					"router.context_window_fallbacks.gpt-4o[0]=gpt-4o-128k", "router.default_fallbacks[0]=gpt-4o-mini")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(Router.class).policy()).isEqualTo(expectedPolicy());
			});
	}

	@Test
	void policiesPerFailureKindBindByKindOrByLiteLlmsNames() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.retry-policy.misconfigured=0", "router.retry_policy.TimeoutErrorRetries=5",
					"router.allowed-fails-policy.server-error=10",
					"router.allowed_fails_policy.AuthenticationErrorAllowedFails=2",
					"router.content-policy-fallbacks.gpt-4o[0]=gpt-4o-mini")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RouterPolicy policy = context.getBean(Router.class).policy();
				assertThat(policy.retryPolicy())
					.isEqualTo(Map.of(Failure.Kind.MISCONFIGURED, 0, Failure.Kind.TIMEOUT, 5));
				assertThat(policy.allowedFailsPolicy())
					.isEqualTo(Map.of(Failure.Kind.SERVER_ERROR, 10, Failure.Kind.MISCONFIGURED, 2));
				assertThat(policy.contentPolicyFallbacks()).isEqualTo(Map.of("gpt-4o", List.of("gpt-4o-mini")));
				// kinds the policy leaves alone keep num-retries; a content filter is not retried
				assertThat(policy.retriesAfter(Failure.Kind.SERVER_ERROR)).isEqualTo(2);
				assertThat(policy.retriesAfter(Failure.Kind.CONTENT_FILTERED)).isZero();
			});
	}

	@Test
	void aPolicyForAKindItCannotApplyToOrANegativeOneFailsStartUp() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.retry-policy.client-error=3", "router.allowed-fails-policy.rate-limited=2",
					"router.retry-policy.timeout=-1")
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable cause = context.getStartupFailure();
				while (!(cause instanceof InvalidRouterConfigurationException) && cause.getCause() != null) {
					cause = cause.getCause();
				}
				assertThat(cause).isInstanceOf(InvalidRouterConfigurationException.class);
				assertThat(((InvalidRouterConfigurationException) cause).getProblems()).extracting(Object::toString)
					.contains("router.retry-policy.client-error names no failure kind the policy applies to",
							"router.allowed-fails-policy.rate-limited names no failure kind the policy applies to",
							"router.retry-policy.timeout must not be negative, was -1");
			});
	}

	@Test
	void aBareCooldownTimeIsSecondsAsLiteLlmWritesIt() {
		// LiteLLM's cooldown_time: 30 means 30 seconds; read as milliseconds it cooled nothing down
		this.runner.withPropertyValues(MODELS).withPropertyValues("router.cooldown_time=30").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(Router.class).policy().cooldownTime()).isEqualTo(Duration.ofSeconds(30));
		});
	}

	@Test
	void aModelNameWithDotsIsAFallbackKeyInBrackets() {
		this.runner
			.withPropertyValues("router.model-list[0].model-name=gpt-3.5-turbo",
					"router.model-list[0].params.model=gpt-35-turbo", "router.model-list[0].params.api-key=sk-test-0001",
					"router.model-list[1].model-name=gpt-4o", "router.model-list[1].params.model=gpt-4o",
					"router.model-list[1].params.api-key=sk-test-0002", "router.fallbacks.[gpt-3.5-turbo][0]=gpt-4o",
					"router.context-window-fallbacks.[gpt-3.5-turbo][0]=gpt-4o")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RouterPolicy policy = context.getBean(Router.class).policy();
				assertThat(policy.fallbacks()).isEqualTo(Map.of("gpt-3.5-turbo", List.of("gpt-4o")));
				assertThat(policy.contextWindowFallbacks()).isEqualTo(Map.of("gpt-3.5-turbo", List.of("gpt-4o")));
			});
	}

	@Test
	void aBracketedFallbackKeyIsValidatedAndReportedUnderItsModelName() {
		this.runner
			.withPropertyValues("router.model-list[0].model-name=gpt-3.5-turbo",
					"router.model-list[0].params.model=gpt-35-turbo", "router.model-list[0].params.api-key=sk-test-0001",
					"router.fallbacks.[gpt-3.5-turbo][0]=gpt-5")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidRouterConfigurationException.class)
					.hasMessageContaining("router.fallbacks.gpt-3.5-turbo[0] 'gpt-5' names no model");
			});
	}

	@Test
	void liteLlmParamsTimeoutIsSecondsAndStreamTimeoutAndOrderBind() {
		this.runner
			.withPropertyValues("router.model_list[0].model_name=gpt-4o",
					"router.model_list[0].litellm_params.model=gpt-4o",
					"router.model_list[0].litellm_params.api_key=sk-test-0001",
					"router.model_list[0].litellm_params.timeout=30",
					"router.model_list[0].litellm_params.stream_timeout=5",
					"router.model_list[0].litellm_params.order=2", "router.model_list[1].model_name=gpt-4o",
					"router.model_list[1].litellm_params.model=gpt-4o-2024-08-06",
					"router.model_list[1].litellm_params.api_key=sk-test-0002", "router.model_list[1].order=1",
					"router.model_list[1].timeout=10", "router.model_list[1].stream_timeout=3",
					"router.model_list[1].litellm_params.order=3", "router.model_list[1].litellm_params.timeout=99")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				List<Deployment> deployments = context.getBean(RouterModelList.class).deployments();
				assertThat(deployments).hasSize(2);
				assertThat(deployments.get(0).timeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(deployments.get(0).streamTimeout()).isEqualTo(Duration.ofSeconds(5));
				assertThat(deployments.get(0).order()).isEqualTo(2);
				// the entry's own settings win over those inside litellm_params
				assertThat(deployments.get(1).timeout()).isEqualTo(Duration.ofSeconds(10));
				assertThat(deployments.get(1).streamTimeout()).isEqualTo(Duration.ofSeconds(3));
				assertThat(deployments.get(1).order()).isEqualTo(1);
			});
	}

	@Test
	void anEntryTimeoutOverridesTheRouterTimeoutAndTheStreamTimeoutDefaultsToTheTimeout() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.timeout=45", "router.model-list[0].timeout=10s",
					"router.model-list[1].stream-timeout=2s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				List<Deployment> deployments = context.getBean(RouterModelList.class).deployments();
				assertThat(deployments.get(0).timeout()).isEqualTo(Duration.ofSeconds(10));
				assertThat(deployments.get(0).streamTimeout()).isEqualTo(Duration.ofSeconds(10));
				assertThat(deployments.get(1).timeout()).isEqualTo(Duration.ofSeconds(45));
				assertThat(deployments.get(1).streamTimeout()).isEqualTo(Duration.ofSeconds(2));
				assertThat(deployments.get(2).timeout()).isEqualTo(Duration.ofSeconds(45));
				assertThat(deployments.get(2).streamTimeout()).isEqualTo(Duration.ofSeconds(45));
			});
	}

	@Test
	void theRouterStreamTimeoutAppliesToEntriesWithoutTheirOwn() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.timeout=45s", "router.stream-timeout=20",
					"router.model-list[1].stream-timeout=2s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				List<Deployment> deployments = context.getBean(RouterModelList.class).deployments();
				assertThat(deployments.get(0).timeout()).isEqualTo(Duration.ofSeconds(45));
				assertThat(deployments.get(0).streamTimeout()).isEqualTo(Duration.ofSeconds(20));
				assertThat(deployments.get(1).streamTimeout()).isEqualTo(Duration.ofSeconds(2));
			});
	}

	@Test
	void thePolicyIsBuiltFromThePropertiesObject() {
		RouterProperties properties = properties();
		properties.setNumRetries(0);
		properties.setCooldownTime(Duration.ofMillis(1500));
		properties.setAllowedFails(1);
		properties.setMaxFallbacks(0);
		properties.getFallbacks().put("gpt-4o-mini", List.of("gpt-4o"));
		RouterModelList modelList = RouterModelList.of(properties, NO_ENVIRONMENT);
		assertThat(modelList.policy()).isEqualTo(RouterPolicy.builder().numRetries(0).cooldownTime(Duration.ofMillis(1500)).allowedFails(1).fallbacks(Map.of("gpt-4o-mini", List.of("gpt-4o"))).maxFallbacks(0).misconfiguredCooldown(Duration.ofSeconds(60)).build());
	}

	// ---- mistakes, one per property

	@Test
	void negativeNumRetries() {
		RouterProperties properties = properties();
		properties.setNumRetries(-1);
		assertInvalid(properties, "router.num-retries must not be negative, was -1");
	}

	@Test
	void zeroAllowedFails() {
		RouterProperties properties = properties();
		properties.setAllowedFails(0);
		assertInvalid(properties, "router.allowed-fails must be at least 1, was 0");
	}

	@Test
	void negativeMaxFallbacks() {
		RouterProperties properties = properties();
		properties.setMaxFallbacks(-1);
		assertInvalid(properties, "router.max-fallbacks must not be negative, was -1");
	}

	@Test
	void zeroCooldownTime() {
		RouterProperties properties = properties();
		properties.setCooldownTime(Duration.ZERO);
		assertInvalid(properties, "router.cooldown-time must be positive, was PT0S");
	}

	@Test
	void zeroTimeout() {
		RouterProperties properties = properties();
		properties.setTimeout(Duration.ZERO);
		assertInvalid(properties, "router.timeout must be positive, was PT0S");
	}

	@Test
	void negativeRouterStreamTimeout() {
		RouterProperties properties = properties();
		properties.setStreamTimeout(Duration.ofSeconds(-1));
		assertInvalid(properties, "router.stream-timeout must be positive, was PT-1S");
	}

	@Test
	void negativeEntryTimeout() {
		RouterProperties properties = properties((entry) -> entry.setTimeout(Duration.ofSeconds(-5)));
		assertInvalid(properties, "router.model-list[0].timeout must be positive, was PT-5S");
	}

	@Test
	void negativeTimeoutInParamsNamesTheParamsField() {
		RouterProperties properties = properties((entry) -> entry.getParams().setTimeout(Duration.ofSeconds(-5)));
		assertInvalid(properties, "router.model-list[0].params.timeout must be positive, was PT-5S");
	}

	@Test
	void zeroEntryStreamTimeout() {
		RouterProperties properties = properties((entry) -> entry.setStreamTimeout(Duration.ZERO));
		assertInvalid(properties, "router.model-list[0].stream-timeout must be positive, was PT0S");
	}

	@Test
	void fallbacksForAModelThatDoesNotExist() {
		RouterProperties properties = properties();
		properties.getFallbacks().put("gpt-5", List.of("gpt-4o"));
		assertInvalid(properties, "router.fallbacks.gpt-5 is set for 'gpt-5', which names no model; models: ");
	}

	@Test
	void aFallbackTargetThatDoesNotExist() {
		RouterProperties properties = properties();
		properties.getFallbacks().put("gpt-4o", List.of("gpt-4o-mini", "gpt-5"));
		assertInvalid(properties, "router.fallbacks.gpt-4o[1] 'gpt-5' names no model; models: ");
		assertThat(invalid(properties).getProblems()).hasSize(1);
	}

	@Test
	void aFallbackFromAChatModelToAnEmbeddingModel() {
		RouterProperties properties = properties();
		properties.getFallbacks().put("gpt-4o", List.of("embed"));
		assertInvalid(properties, "router.fallbacks.gpt-4o[0] 'embed' is an embedding model, but 'gpt-4o' is chat");
	}

	@Test
	void aDefaultFallbackThatDoesNotExist() {
		RouterProperties properties = properties();
		properties.setDefaultFallbacks(List.of("gpt-4o-mini", "gpt-5"));
		assertInvalid(properties, "router.default-fallbacks[1] 'gpt-5' names no model; models: ");
	}

	@Test
	void aContextWindowFallbackTargetThatDoesNotExist() {
		RouterProperties properties = properties();
		properties.getContextWindowFallbacks().put("gpt-4o", List.of("gpt-4o-1m"));
		assertInvalid(properties, "router.context-window-fallbacks.gpt-4o[0] 'gpt-4o-1m' names no model; models: ");
	}

	@Test
	void everyMistakeIsReportedAtOnce() {
		RouterProperties properties = properties();
		properties.setNumRetries(-1);
		properties.setAllowedFails(0);
		properties.setCooldownTime(Duration.ZERO);
		properties.getFallbacks().put("gpt-4o", List.of("gpt-5"));
		assertThat(invalid(properties).getProblems()).extracting(Problem::property)
			.containsExactlyInAnyOrder("router.num-retries", "router.allowed-fails", "router.cooldown-time",
					"router.fallbacks.gpt-4o[0]");
	}

	@Test
	void mistakesFailStartupNamingTheProperty() {
		this.runner.withPropertyValues(MODELS)
			.withPropertyValues("router.num-retries=-1", "router.fallbacks.gpt-5[0]=gpt-4o",
					"router.fallbacks.gpt-4o[1]=gpt-5", "router.fallbacks.gpt-4o[0]=embed",
					"router.model_list[0].litellm_params.timeout=-5")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidRouterConfigurationException.class)
					.hasMessageContaining("router.num-retries must not be negative, was -1")
					.hasMessageContaining("router.fallbacks.gpt-5 is set for 'gpt-5', which names no model")
					.hasMessageContaining("router.fallbacks.gpt-4o[1] 'gpt-5' names no model")
					.hasMessageContaining("router.fallbacks.gpt-4o[0] 'embed' is an embedding model, but 'gpt-4o' is chat")
					.hasMessageContaining("router.model-list[0].params.timeout must be positive, was PT-5S");
			});
	}

	// ---- helpers

	private static RouterPolicy expectedPolicy() {
		return RouterPolicy.builder().numRetries(4).cooldownTime(Duration.ofSeconds(12)).allowedFails(7).fallbacks(Map.of("gpt-4o", List.of("gpt-4o-mini", "gpt-4o-128k"), "gpt-4o-mini", List.of("gpt-4o"))).contextWindowFallbacks(Map.of("gpt-4o", List.of("gpt-4o-128k"))).defaultFallbacks(List.of("gpt-4o-mini")).maxFallbacks(2).misconfiguredCooldown(Duration.ofSeconds(60)).build();
	}

	private static InvalidRouterConfigurationException invalid(RouterProperties properties) {
		return assertThatExceptionOfType(InvalidRouterConfigurationException.class)
			.isThrownBy(() -> RouterModelList.of(properties, NO_ENVIRONMENT))
			.actual();
	}

	private static void assertInvalid(RouterProperties properties, String expected) {
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getMessage()).contains(expected);
		assertThat(ex.getProblems()).anySatisfy((problem) -> {
			assertThat(problem.toString()).startsWith(expected);
			assertThat(problem.action()).isNotBlank();
		});
	}

	/** gpt-4o, gpt-4o-mini and an embedding model; the first entry customized. */
	private static RouterProperties properties(Consumer<ModelListEntry> firstEntry) {
		ModelListEntry first = entry("gpt-4o", "sk-test-0001");
		firstEntry.accept(first);
		ModelListEntry embedding = entry("embed", "sk-test-0003");
		embedding.getModelInfo().setMode(ModelMode.EMBEDDING);
		RouterProperties properties = new RouterProperties();
		properties.setModelList(
				new ArrayList<>(Stream.of(first, entry("gpt-4o-mini", "sk-test-0002"), embedding).toList()));
		return properties;
	}

	private static RouterProperties properties() {
		return properties((entry) -> {
		});
	}

	private static ModelListEntry entry(String modelName, String apiKey) {
		ModelListEntry entry = new ModelListEntry();
		entry.setModelName(modelName);
		entry.getParams().setModel(modelName);
		entry.getParams().setApiKey(apiKey);
		return entry;
	}

}
