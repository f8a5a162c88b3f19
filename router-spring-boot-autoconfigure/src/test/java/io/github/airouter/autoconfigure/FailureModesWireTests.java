package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.airouter.autoconfigure.ResilienceWireTests.Failures;
import io.github.airouter.autoconfigure.ResilienceWireTests.HoldingProvider;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.StreamTimeoutException;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failures real deployments meet, against the local provider fake: a deployment whose
 * key, role or name is wrong, streams longer than a call's timeout or silent between chunks,
 * callers that are interrupted, and what a failed attempt leaves counted. Each test asserts
 * what the caller saw and what each fake deployment received.
 */
@ExtendWith(OutputCaptureExtension.class)
class FailureModesWireTests {

	private final FakeProvider provider = new FakeProvider();

	private final HoldingProvider held = new HoldingProvider();

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	@AfterEach
	void close() throws Exception {
		this.held.close();
		this.provider.close();
	}

	/** Azure deployments of gpt-4o, each {@code name, settings...}, then extra properties. */
	private ApplicationContextRunner runner(List<String[]> deployments, String... extra) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < deployments.size(); i++) {
			String entry = "router.model-list[" + i + "].";
			String[] deployment = deployments.get(i);
			properties.add(entry + "model-name=gpt-4o");
			properties.add(entry + "params.model=azure/" + deployment[0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i + "-f3e1b7c9");
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + deployment[0]);
			for (int j = 1; j < deployment.length; j++) {
				properties.add(entry + deployment[j]);
			}
		}
		properties.addAll(List.of(extra));
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withBean(UsageStore.class, () -> new InMemoryUsageStore(this.clock, new Random(3)))
			.withBean(Failures.class, Failures::new)
			.withPropertyValues(properties.toArray(String[]::new));
	}

	private static String[] deployment(String name, String... settings) {
		String[] all = new String[1 + settings.length];
		all[0] = name;
		System.arraycopy(settings, 0, all, 1, settings.length);
		return all;
	}

	private static String path(String deployment) {
		return "/openai/deployments/" + deployment;
	}

	private static Prompt prompt() {
		return new Prompt("Hello", ChatOptions.builder().model("gpt-4o").build());
	}

	private static Deployment deployment(Router router, String id) {
		return router.group("gpt-4o", ModelMode.CHAT)
			.deployments()
			.stream()
			.filter((deployment) -> deployment.id().equals(id))
			.findFirst()
			.orElseThrow();
	}

	// ---- 1. a wrong key, a missing role assignment, a misspelt deployment

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "usage-based", "latency-based", "least-busy", "simple-shuffle" })
	void aDeploymentAnswering401IsRoutedAroundAndCooledDownWhateverTheStrategy(String strategy,
			CapturedOutput output) {
		for (int i = 0; i < 20; i++) {
			this.provider.enqueue(path("bad"), FakeProvider.error(401, "invalid_request_error", "401",
					"Access denied due to invalid subscription key or wrong API endpoint."));
		}
		runner(List.of(deployment("bad"), deployment("good")), "router.routing-strategy=" + strategy)
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				Router router = context.getBean(Router.class);
				for (int i = 0; i < 20; i++) {
					assertThat(chat.call(prompt()).getResult().getOutput().getText()).endsWith(path("good"));
				}
				// tried once, then out of rotation for the misconfigured cooldown
				assertThat(this.provider.requestsTo(path("bad"))).hasSizeLessThanOrEqualTo(1);
				assertThat(this.provider.requestsTo(path("good"))).hasSize(20);
				if (!this.provider.requestsTo(path("bad")).isEmpty()) {
					Deployment bad = deployment(router, "bad");
					assertThat(router.usageStore().cooldownRemaining(bad)).isEqualTo(Duration.ofSeconds(60));
					assertThat(context.getBean(Failures.class).of("bad")).containsExactly(Failure.Kind.MISCONFIGURED);
					assertThat(output).contains("Deployment bad of model 'gpt-4o' cools down for 60000 ms after it "
							+ "answered 401: check its key, its role assignments and its deployment name");
				}
				assertThat(output).doesNotContain("f3e1b7c9");
			});
	}

	@Test
	void aDeploymentThatDoesNotExistIsRoutedAroundForTheConfiguredCooldown() {
		this.provider.enqueue(path("gone"), FakeProvider.error(404, "invalid_request_error", "DeploymentNotFound",
				"The API deployment for this resource does not exist."));
		runner(List.of(deployment("gone", "order=1"), deployment("good", "order=2")),
				"router.misconfigured-cooldown=2m")
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				Router router = context.getBean(Router.class);
				for (int i = 0; i < 5; i++) {
					assertThat(chat.call(prompt()).getResult().getOutput().getText()).endsWith(path("good"));
				}
				assertThat(this.provider.requestsTo(path("gone"))).hasSize(1);
				assertThat(router.usageStore().cooldownRemaining(deployment(router, "gone")))
					.isEqualTo(Duration.ofMinutes(2));
			});
	}

	// ---- 2. streams are held to stream limits, not to a call's timeout

	@Test
	void aStreamLongerThanTheCallTimeoutRunsToItsEnd() {
		// the body drips over about two seconds; a call may take one, a stream's chunks five
		// each (generous: a loaded machine must not turn the drip into a timeout)
		String body = this.provider.streamBody(path("a"));
		this.provider.enqueue(path("a"), new MockResponse().setHeader("Content-Type", "text/event-stream")
			.setBody(body)
			.throttleBody(body.length() / 5 + 1, 500, TimeUnit.MILLISECONDS));
		runner(List.of(deployment("a", "order=1", "timeout=1s", "stream-timeout=5s", "stream-idle-timeout=5s"),
				deployment("b", "order=2")))
			.run((context) -> {
			List<ChatResponse> chunks = context.getBean(RoutingChatModel.class).stream(prompt()).collectList()
				.block(Duration.ofSeconds(30));
			assertThat(FakeProvider.text(chunks)).isEqualTo("Hello from " + path("a"));
			assertThat(this.provider.requestsTo(path("b"))).isEmpty();
			assertThat(context.getBean(Failures.class).of("a")).isEmpty();
		});
	}

	@Test
	void aStreamSilentBetweenChunksPastItsIdleTimeoutFailsAsTheDeploymentsFailure() {
		String body = this.provider.streamBody(path("a"));
		int firstEvent = body.indexOf("\n\n") + 2;
		// the first chunk at once, the rest two seconds later
		this.provider.enqueue(path("a"), new MockResponse().setHeader("Content-Type", "text/event-stream")
			.setBody(body)
			.throttleBody(firstEvent, 2, TimeUnit.SECONDS));
		runner(List.of(deployment("a", "order=1", "stream-idle-timeout=300ms"), deployment("b", "order=2")))
			.run((context) -> {
				StepVerifier.create(context.getBean(RoutingChatModel.class).stream(prompt()))
					.assertNext((chunk) -> assertThat(chunk.getResult().getOutput().getText()).isEqualTo("Hello"))
					.expectError(StreamTimeoutException.class)
					.verify(Duration.ofSeconds(30));
				// begun: never replayed elsewhere
				assertThat(this.provider.requestsTo(path("b"))).isEmpty();
				assertThat(context.getBean(Failures.class).of("a")).containsExactly(Failure.Kind.TIMEOUT);
			});
	}

	@Test
	void aStreamLongerThanItsMaximumDurationIsCut() {
		String body = this.provider.streamBody(path("a"));
		this.provider.enqueue(path("a"), new MockResponse().setHeader("Content-Type", "text/event-stream")
			.setBody(body)
			.throttleBody(body.length() / 10 + 1, 400, TimeUnit.MILLISECONDS));
		runner(List.<String[]>of(deployment("a", "order=1")), "router.stream-max-duration=1s").run((context) -> {
			StepVerifier.create(context.getBean(RoutingChatModel.class).stream(prompt()))
				.thenConsumeWhile((chunk) -> true)
				.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(StreamTimeoutException.class)
					.hasMessage("The stream took longer than its maximum duration of 1000 ms"))
				.verify(Duration.ofSeconds(30));
		});
	}

	// ---- 3. an interrupted caller

	@Test
	void anInterruptedCallerIsNotADeploymentFailure() throws Exception {
		runner(List.of(deployment("slow", "order=1", "timeout=1s", "params.api-base=" + this.held.url()),
				deployment("b", "order=2"), deployment("c", "order=2")))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				Router router = context.getBean(Router.class);
				AtomicReference<Throwable> thrown = new AtomicReference<>();
				AtomicBoolean stillInterrupted = new AtomicBoolean();
				Thread caller = new Thread(() -> {
					try {
						chat.call(prompt());
					}
					catch (Throwable ex) {
						thrown.set(ex);
					}
					stillInterrupted.set(Thread.currentThread().isInterrupted());
				});
				caller.start();
				while (this.held.received() == 0) {
					Thread.sleep(10);
				}
				caller.interrupt();
				caller.join(30_000);
				// the caller got the interruption, with its flag kept
				assertThat(thrown.get()).isNotNull();
				assertThat(stillInterrupted).isTrue();
				// nothing was retried, nothing cooled down
				assertThat(this.provider.requestsTo(path("b"))).isEmpty();
				assertThat(this.provider.requestsTo(path("c"))).isEmpty();
				Failures failures = context.getBean(Failures.class);
				assertThat(failures.of("slow")).containsExactly(Failure.Kind.CANCELLED);
				assertThat(failures.of("b")).isEmpty();
				assertThat(failures.of("c")).isEmpty();
				for (Deployment deployment : router.group("gpt-4o", ModelMode.CHAT).deployments()) {
					assertThat(router.usageStore().cooldownRemaining(deployment)).isZero();
					assertThat(router.stats(deployment).inFlight()).isZero();
				}
			});
	}

	// ---- 6. what a failed attempt leaves counted

	@Test
	void aServerErrorKeepsItsEstimateAndA429GivesItBack() {
		this.provider.enqueue(path("overloaded"), FakeProvider.error(500, "server_error", null, "boom"));
		this.provider.enqueue(path("limited"),
				FakeProvider.error(429, "rate_limit_exceeded", "429", "slow down").setHeader("Retry-After", "30"));
		runner(List.of(deployment("overloaded", "order=1"), deployment("limited", "order=2"),
				deployment("good", "order=3")))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				Router router = context.getBean(Router.class);
				long estimate = chat.estimateTokens(prompt());
				assertThat(chat.call(prompt()).getResult().getOutput().getText()).endsWith(path("good"));
				assertThat(this.provider.requestsTo(path("overloaded"))).hasSize(1);
				assertThat(this.provider.requestsTo(path("limited"))).hasSize(1);
				// the provider may have counted what it answered 500 to; it refused the 429
				assertThat(router.usageStore().usage(deployment(router, "overloaded")).tokens()).isEqualTo(estimate);
				assertThat(router.usageStore().usage(deployment(router, "limited")).tokens()).isZero();
			});
	}

	@Test
	void severalChoicesMultiplyTheCompletionEstimate() {
		runner(List.<String[]>of(deployment("a"))).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			long one = chat.estimateTokens(
					new Prompt("Hello", OpenAiChatOptions.builder().model("gpt-4o").maxTokens(100).build()));
			long three = chat.estimateTokens(
					new Prompt("Hello", OpenAiChatOptions.builder().model("gpt-4o").maxTokens(100).n(3).build()));
			assertThat(three - one).isEqualTo(200);
		});
	}

}
