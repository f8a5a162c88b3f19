package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What the router knows of a deployment before any call: its context window
 * ({@code model-info.max-input-tokens}) keeps prompts it cannot hold away from it, its own
 * cooldown time, and an embedding deployment's vector length.
 */
class PreCallChecksWireTests {

	/** About 2,000 tokens. */
	private static final Prompt LONG = new Prompt("word ".repeat(2_000),
			ChatOptions.builder().model("gpt-4o").build());

	private final FakeProvider provider = new FakeProvider();

	private final MutableClock clock = MutableClock.atSecond(2_000_000);

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	/** Each entry: deployment name, model name, settings... */
	private ApplicationContextRunner runner(List<String[]> entries, String... extra) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < entries.size(); i++) {
			String entry = "router.model-list[" + i + "].";
			String[] e = entries.get(i);
			properties.add(entry + "model-name=" + e[1]);
			properties.add(entry + "params.model=azure/" + e[0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + e[0]);
			for (int j = 2; j < e.length; j++) {
				properties.add(entry + e[j]);
			}
		}
		properties.addAll(List.of(extra));
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withBean(UsageStore.class, () -> new InMemoryUsageStore(this.clock, new Random(3)))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	private static String path(String deployment) {
		return "/openai/deployments/" + deployment;
	}

	@Test
	void aDeploymentWhoseContextWindowCannotHoldThePromptIsSkipped() {
		runner(List.of(new String[] { "small", "gpt-4o", "order=1", "model-info.max-input-tokens=1000" },
				new String[] { "large", "gpt-4o", "order=2", "model-info.max-input-tokens=128000" }))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				assertThat(chat.call(LONG).getResult().getOutput().getText()).endsWith(path("large"));
				// the first tier, skipped without a call
				assertThat(this.provider.requestsTo(path("small"))).isEmpty();
				assertThat(chat.call(new Prompt("Hi", ChatOptions.builder().model("gpt-4o").build())).getResult()
					.getOutput()
					.getText()).endsWith(path("small"));
			});
	}

	@Test
	void whenNoDeploymentCanHoldThePromptTheCallGoesToTheContextWindowFallbackWithoutACall() {
		runner(List.of(new String[] { "small", "gpt-4o", "model-info.max-input-tokens=1000" },
				new String[] { "large", "gpt-4o-128k" }), "router.context-window-fallbacks.gpt-4o[0]=gpt-4o-128k")
			.run((context) -> {
				assertThat(context.getBean(RoutingChatModel.class).call(LONG).getResult().getOutput().getText())
					.endsWith(path("large"));
				assertThat(this.provider.requestsTo(path("small"))).isEmpty();
			});
	}

	@Test
	void withoutAContextWindowFallbackTheCallerLearnsTheWindowAndTheEstimateAndNoProviderIsCalled() {
		runner(List.<String[]>of(new String[] { "small", "gpt-4o", "model-info.max-input-tokens=1000" }))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				long prompt = context.getBean(io.github.airouter.chat.ChatTokenEstimator.class).tokenEstimate(LONG)
					.promptTokens();
				assertThat(prompt).isGreaterThan(1_000);
				assertThatExceptionOfType(NoDeploymentAvailableException.class).isThrownBy(() -> chat.call(LONG))
					.withMessageMatching("No deployment of model 'gpt-4o' can take this call: the prompt's estimated "
							+ "\\d+ tokens exceed the context window of every deployment \\(the largest takes 1000\\)")
					.satisfies((ex) -> {
						assertThat(ex.getRetryAfter()).isEmpty();
						// a long prompt is estimated from its length: never below its exact count
						long estimated = Long.parseLong(ex.getMessage().replaceAll(".*estimated (\\d+) tokens.*", "$1"));
						assertThat(estimated).isBetween(prompt, prompt + 1);
					});
				assertThat(this.provider.requests()).isEmpty();
			});
	}

	@Test
	void aDeploymentsOwnCooldownTimeHoldsAfterA429WithoutRetryAfter() {
		this.provider.enqueue(path("own"), FakeProvider.error(429, "rate_limit_exceeded", "429", "slow down"));
		runner(List.of(new String[] { "own", "gpt-4o", "order=1", "cooldown-time=40" },
				new String[] { "other", "gpt-4o", "order=2" }), "router.cooldown-time=5s")
			.run((context) -> {
				context.getBean(RoutingChatModel.class).call(new Prompt("Hi", ChatOptions.builder().model("gpt-4o").build()));
				Router router = context.getBean(Router.class);
				assertThat(router.usageStore()
					.cooldownRemaining(router.group("gpt-4o", ModelMode.CHAT).deployments().get(0)))
					.isEqualTo(Duration.ofSeconds(40));
			});
	}

	@Test
	void configuredDimensionsAreAnsweredWithoutACall() {
		runner(List.<String[]>of(new String[] { "embed", "text-embedding-3-small", "model-info.mode=embedding",
				"model-info.dimensions=256" }))
			.run((context) -> {
				assertThat(context.getBean(RoutingEmbeddingModel.class).dimensions()).isEqualTo(256);
				assertThat(this.provider.requests()).isEmpty();
			});
	}

}
