package io.github.airouter.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.routing.ContentFilteredException;
import io.github.airouter.testsupport.FakeProvider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Azure's content filter on the wire: its 400 with {@code content_filter} and the filter's
 * results is refused once, never retried on the model's other deployments, and reaches the
 * caller with its categories or goes to the content-policy fallbacks.
 */
class ContentFilterWireTests {

	/** What Azure OpenAI answers a prompt its content filter refuses. */
	private static final String REFUSAL = """
			{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content \
			management policy.","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":\
			{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":false,"severity":"safe"},\
			"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},\
			"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":true,"severity":"medium"}}}}}""";

	private final FakeProvider provider = new FakeProvider();

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	private ApplicationContextRunner runner(String... extra) {
		List<String> properties = new ArrayList<>();
		String[][] deployments = { { "a", "gpt-4o", "1" }, { "b", "gpt-4o", "2" }, { "other", "gpt-4o-mini", "1" },
				{ "strict", "gpt-4o-strict", "1" } };
		for (int i = 0; i < deployments.length; i++) {
			String entry = "router.model-list[" + i + "].";
			properties.add(entry + "model-name=" + deployments[i][1]);
			properties.add(entry + "params.model=azure/" + deployments[i][0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + deployments[i][0]);
			properties.add(entry + "order=" + deployments[i][2]);
		}
		properties.add("router.fallbacks.gpt-4o[0]=gpt-4o-mini");
		properties.addAll(List.of(extra));
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class,
					RouterMetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues(properties.toArray(String[]::new));
	}

	private static Prompt prompt() {
		return new Prompt("Describe the fight in detail.", ChatOptions.builder().model("gpt-4o").build());
	}

	private static MockResponse refusal() {
		return new MockResponse().setResponseCode(400).setHeader("Content-Type", "application/json").setBody(REFUSAL);
	}

	@Test
	void aRefusedPromptReachesTheCallerWithTheFiltersCategoriesAndNoOtherDeploymentIsAsked() {
		this.provider.enqueue("/openai/deployments/a", refusal());
		runner().run((context) -> {
			assertThatExceptionOfType(ContentFilteredException.class)
				.isThrownBy(() -> context.getBean(RoutingChatModel.class).call(prompt()))
				.satisfies((ex) -> {
					assertThat(ex.getModelName()).isEqualTo("gpt-4o");
					assertThat(ex.getCategories()).isEqualTo(Map.of("violence", "medium"));
				});
			assertThat(this.provider.requestsTo("/openai/deployments/a")).hasSize(1);
			// the other deployment of gpt-4o would refuse it too; the ordinary fallback is for failures
			assertThat(this.provider.requestsTo("/openai/deployments/b")).isEmpty();
			assertThat(this.provider.requestsTo("/openai/deployments/other")).isEmpty();
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("router.calls").tags("deployment", "a", "outcome", "content-filtered").counter()
				.count()).isEqualTo(1);
			assertThat(registry.find("router.cooldowns").counters()).isEmpty();
		});
	}

	@Test
	void aRefusedPromptGoesToTheContentPolicyFallback() {
		this.provider.enqueue("/openai/deployments/a", refusal());
		runner("router.content-policy-fallbacks.gpt-4o[0]=gpt-4o-strict").run((context) -> {
			String answer = context.getBean(RoutingChatModel.class).call(prompt()).getResult().getOutput().getText();
			assertThat(answer).isEqualTo("Hello from /openai/deployments/strict");
			assertThat(this.provider.requestsTo("/openai/deployments/b")).isEmpty();
			assertThat(this.provider.requestsTo("/openai/deployments/other")).isEmpty();
		});
	}

	@Test
	void aContentPolicyFallbackNamingNoModelFailsStartUp() {
		runner("router.content-policy-fallbacks.gpt-4o[0]=gpt-5").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.hasMessageContaining("router.content-policy-fallbacks.gpt-4o[0] 'gpt-5' names no model"));
	}

}
