package io.github.airouter.autoconfigure;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * {@link InvalidRouterConfigurationFailureAnalyzer}: what a developer reads when the
 * {@code router.*} configuration is invalid, and that Spring Boot finds the analyzer.
 */
class InvalidRouterConfigurationFailureAnalyzerTests {

	private static final String KEY = "sk-test-SECRET-abcdef0001";

	private static final String OTHER_KEY = "sk-test-SECRET-abcdef0002";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class));

	// ---- one analysis per kind of problem

	@Test
	void negativeRpm() {
		FailureAnalysis analysis = analyze(valid(), "router.model-list[0].rpm=-5");
		assertProblem(analysis, "router.model-list[0].rpm", "must be positive, was -5",
				"Set a positive rpm, or remove it for no limit.");
	}

	@Test
	void misspeltKey() {
		FailureAnalysis analysis = analyze(valid(), "router.model-list[0].rmp=20");
		assertProblem(analysis, "router.model-list[0].rmp", "is unknown and would be ignored; did you mean rpm?",
				"Rename it to rpm, or remove it.");
	}

	@Test
	void missingApiKey() {
		FailureAnalysis analysis = analyze(new String[] { "router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].params.model=openai/gpt-4o" }, "router.model-list[1].model-name=gpt-4o",
				"router.model-list[1].params.model=gpt-4o", "router.model-list[1].params.api-key=" + KEY);
		assertProblem(analysis, "router.model-list[0].params.api-key", "is required",
				"Set the deployment's API key, e.g. api-key: ${OPENAI_API_KEY} or os.environ/OPENAI_API_KEY.");
	}

	@Test
	void unknownProvider() {
		FailureAnalysis analysis = analyze(valid(), "router.model-list[1].model-name=claude",
				"router.model-list[1].params.model=bedrock/claude",
				"router.model-list[1].params.api-key=" + OTHER_KEY);
		assertProblem(analysis, "router.model-list[1].params.model",
				"has unknown provider prefix 'bedrock' in 'bedrock/claude'",
				"Use azure/<deployment> for Azure OpenAI, or openai/<model> (or <model>) for OpenAI.");
	}

	@Test
	void datedAzureApiVersionOnTheV1Endpoint() {
		FailureAnalysis analysis = analyze(new String[] { "router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].params.model=azure/chat-eu",
				"router.model-list[0].params.api-base=https://my-eu.openai.azure.com/openai/v1",
				"router.model-list[0].params.api-version=2024-10-21", "router.model-list[0].params.api-key=" + KEY });
		assertProblem(analysis, "router.model-list[0].params.api-version",
				"is a dated version, but params.api-base ends with /openai/v1, the v1 API, which takes none",
				"Remove api-version to use the v1 API, or remove /openai/v1 from api-base to use the deployments API "
						+ "with that version.");
	}

	@Test
	void defaultModelNamingNoChatEntry() {
		FailureAnalysis analysis = analyze(valid(), "router.default-model=gpt-5");
		assertProblem(analysis, "router.default-model", "'gpt-5' names no chat entry; chat models: [gpt-4o]",
				"Set it to the model-name of a chat entry, or remove it.");
	}

	@Test
	void fallbackNamingNoModel() {
		FailureAnalysis analysis = analyze(valid(), "router.fallbacks.gpt-4o[0]=gpt-5");
		assertProblem(analysis, "router.fallbacks.gpt-4o[0]", "'gpt-5' names no model; models: [gpt-4o]",
				"Name the model-name of an entry.");
	}

	@Test
	void fallbacksOfAnUnknownModel() {
		FailureAnalysis analysis = analyze(valid(), "router.fallbacks.gpt-5[0]=gpt-4o");
		assertProblem(analysis, "router.fallbacks.gpt-5", "is set for 'gpt-5', which names no model; models: [gpt-4o]",
				"Use the model-name of an entry as the key.");
	}

	@Test
	void aKeyPastedIntoTheEndpointIsNotEchoed() {
		FailureAnalysis analysis = analyze(valid(), "router.model-list[0].params.api-base=" + OTHER_KEY);
		assertProblem(analysis, "router.model-list[0].params.api-base",
				"must be an http or https URL: the value has no http:// or https:// scheme",
				"Set the endpoint, e.g. https://my-resource.openai.azure.com or https://api.openai.com/v1.");
	}

	@Test
	void everyProblemIsListedWithItsAction() {
		FailureAnalysis analysis = analyze(new String[] { "router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].params.model=azure/chat-eu", "router.model-list[0].rpm=-5",
				"router.model-list[1].model-name=claude", "router.model-list[1].params.model=bedrock/claude",
				"router.model-list[1].params.api-key=" + KEY, "router.model-list[2].model-name=gpt-4o",
				"router.model-list[2].params.model=openai/gpt-4o" });
		String description = analysis.getDescription();
		String action = analysis.getAction();
		List<String> properties = List.of("router.model-list[0].params.api-base", "router.model-list[0].rpm",
				"router.model-list[1].params.model", "router.model-list[2].params.api-key");
		for (String property : properties) {
			assertThat(description).contains("Property: " + property);
			assertThat(action).contains(property + ": ");
		}
		// in the order of the configuration
		assertThat(description.indexOf("router.model-list[0].params.api-base"))
			.isLessThan(description.indexOf("router.model-list[1].params.model"));
		assertThat(description.indexOf("router.model-list[1].params.model"))
			.isLessThan(description.indexOf("router.model-list[2].params.api-key"));
		assertThat(description).contains("Reason: is required")
			.contains("Reason: must be positive, was -5")
			.contains("Reason: has unknown provider prefix 'bedrock' in 'bedrock/claude'");
		assertNoKey(analysis);
	}

	@Test
	void theAnalysisKeepsTheExceptionAsItsCause() {
		InvalidRouterConfigurationException exception = new InvalidRouterConfigurationException(
				List.of(new Problem("router.num-retries", "must not be negative, was -1", "Set 0 for no retries.")));
		FailureAnalysis analysis = new InvalidRouterConfigurationFailureAnalyzer()
			.analyze(new IllegalStateException("wrapper", exception));
		assertThat(analysis).isNotNull();
		assertThat(analysis.getCause()).isSameAs(exception);
		assertThat(analysis.getDescription()).isEqualTo("The router configuration is invalid:\n"
				+ "\n    Property: router.num-retries\n    Reason: must not be negative, was -1\n");
		assertThat(analysis.getAction())
			.isEqualTo("Update your application's configuration:\n\n    router.num-retries: Set 0 for no retries.");
	}

	@Test
	void otherFailuresAreLeftToOtherAnalyzers() {
		assertThat(new InvalidRouterConfigurationFailureAnalyzer().analyze(new IllegalStateException("other")))
			.isNull();
	}

	// ---- registration

	@Test
	void isRegisteredInSpringFactories() {
		// Boot's own analyzers need a bean factory: skip those that cannot be built here
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation(getClass().getClassLoader())
			.load(FailureAnalyzer.class, null, FailureHandler.handleMessage((message, failure) -> {
			}));
		assertThat(analyzers).hasAtLeastOneElementOfType(InvalidRouterConfigurationFailureAnalyzer.class);
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void anApplicationWithAnInvalidConfigurationFailsToStartWithTheAnalysis(CapturedOutput output) {
		SpringApplication application = new SpringApplicationBuilder(RouterApplication.class)
			.web(WebApplicationType.NONE)
			.properties("router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=openai/gpt-4o",
					"router.model-list[0].params.api-key=" + KEY, "router.model-list[0].rpm=-5",
					"spring.main.banner-mode=off")
			.build();
		assertThatException().isThrownBy(application::run)
			.havingRootCause()
			.isInstanceOf(InvalidRouterConfigurationException.class);
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("The router configuration is invalid:")
			.contains("Property: router.model-list[0].rpm")
			.contains("Reason: must be positive, was -5")
			.contains("Action:")
			.contains("router.model-list[0].rpm: Set a positive rpm, or remove it for no limit.")
			.doesNotContain(KEY)
			.doesNotContain("SECRET");
	}

	// ---- helpers

	/** One valid OpenAI deployment of gpt-4o at index 0. */
	private static String[] valid() {
		return new String[] { "router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=gpt-4o",
				"router.model-list[0].params.api-key=" + KEY };
	}

	private FailureAnalysis analyze(String[] properties, String... more) {
		FailureAnalysis[] analysis = new FailureAnalysis[1];
		this.runner.withPropertyValues(properties).withPropertyValues(more).run((context) -> {
			assertThat(context).hasFailed();
			analysis[0] = new InvalidRouterConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
		});
		assertThat(analysis[0]).as("analysis").isNotNull();
		return analysis[0];
	}

	private static void assertProblem(FailureAnalysis analysis, String property, String reason, String action) {
		assertThat(analysis.getDescription()).startsWith("The router configuration is invalid:")
			.contains("Property: " + property + "\n    Reason: " + reason + "\n");
		assertThat(analysis.getAction()).startsWith("Update your application's configuration:")
			.contains(property + ": " + action);
		assertNoKey(analysis);
	}

	private static void assertNoKey(FailureAnalysis analysis) {
		for (String text : List.of(analysis.getDescription(), analysis.getAction())) {
			assertThat(text).doesNotContain(KEY).doesNotContain(OTHER_KEY).doesNotContain("SECRET");
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(RouterAutoConfiguration.class)
	static class RouterApplication {

	}

}
