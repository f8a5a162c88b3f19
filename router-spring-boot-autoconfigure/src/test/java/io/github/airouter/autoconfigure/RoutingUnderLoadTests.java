package io.github.airouter.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.ChatTokenEstimator;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.testsupport.FakeProvider;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many concurrent callers over three deployments of one model: exactly the capacity reaches
 * the providers, spread evenly, and the rest is refused before anything is sent.
 */
class RoutingUnderLoadTests {

	private final FakeProvider provider = new FakeProvider();

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	private ApplicationContextRunner threeDeployments(String limit, long value) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			String entry = "router.model-list[" + i + "].";
			properties.add(entry + "model-name=gpt-35-turbo");
			properties.add(entry + "params.model=azure/chat-" + i);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + limit + "=" + value);
		}
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	@Test
	void rpmLimitsAdmitExactlyTheCapacityAcrossThreads() {
		threeDeployments("rpm", 20).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			Outcome outcome = hammer(6, 75, () -> chat.call(new Prompt("Hello")));
			assertThat(outcome.succeeded()).isEqualTo(60);
			assertThat(outcome.refused()).isEqualTo(15);
			assertThat(outcome.otherFailures()).isEmpty();
			assertThat(this.provider.requests()).hasSize(60);
			for (int i = 0; i < 3; i++) {
				assertThat(this.provider.requestsTo("/openai/deployments/chat-" + i)).hasSize(20);
			}
		});
	}

	@Test
	void tpmLimitsAdmitExactlyTheCapacityAcrossThreadsWithLongPrompts() {
		Prompt prompt = new Prompt("word ".repeat(1_500), OpenAiChatOptions.builder().maxTokens(50).build());
		long estimate = new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 256).estimate(prompt);
		assertThat(estimate).isGreaterThan(1_500);
		// room for three such calls per deployment, not four
		long tpm = 3 * estimate + estimate / 2;
		this.provider.usage((int) estimate - 50, 50);
		threeDeployments("tpm", tpm).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(chat.estimateTokens(prompt)).isEqualTo(estimate);
			Outcome outcome = hammer(6, 12, () -> chat.call(prompt));
			assertThat(outcome.succeeded()).isEqualTo(9);
			assertThat(outcome.refused()).isEqualTo(3);
			assertThat(outcome.otherFailures()).isEmpty();
			for (int i = 0; i < 3; i++) {
				assertThat(this.provider.requestsTo("/openai/deployments/chat-" + i)).hasSize(3);
			}
		});
	}

	private static Outcome hammer(int threads, int calls, Callable<?> call) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int i = 0; i < calls; i++) {
				futures.add(pool.submit(call));
			}
			int succeeded = 0;
			int refused = 0;
			List<Throwable> other = new ArrayList<>();
			for (Future<?> future : futures) {
				try {
					future.get(60, TimeUnit.SECONDS);
					succeeded++;
				}
				catch (java.util.concurrent.ExecutionException ex) {
					if (ex.getCause() instanceof NoDeploymentAvailableException) {
						refused++;
					}
					else {
						other.add(ex.getCause());
					}
				}
			}
			return new Outcome(succeeded, refused, other);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private record Outcome(int succeeded, int refused, List<Throwable> otherFailures) {
	}

}
