package io.github.airouter.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.SseException;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.RoutingListener;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Failures injected by the local provider fake: what the caller sees, and what each fake
 * deployment received.
 */
class ResilienceWireTests {

	private final FakeProvider provider = new FakeProvider();

	private final HoldingProvider held = new HoldingProvider();

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	@AfterEach
	void close() throws Exception {
		this.held.close();
		this.provider.close();
	}

	/** Azure deployments {@code name -> model group}, then extra properties. */
	private ApplicationContextRunner runner(List<String[]> deployments, String... extra) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < deployments.size(); i++) {
			String entry = "router.model-list[" + i + "].";
			String[] deployment = deployments.get(i);
			properties.add(entry + "model-name=" + deployment[1]);
			properties.add(entry + "params.model=azure/" + deployment[0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + deployment[0]);
			for (int j = 2; j < deployment.length; j++) {
				properties.add(entry + deployment[j]);
			}
		}
		properties.addAll(List.of(extra));
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withBean(UsageStore.class, () -> new InMemoryUsageStore(this.clock, new Random(3)))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	private static String[] deployment(String name, String group, String... settings) {
		String[] all = new String[2 + settings.length];
		all[0] = name;
		all[1] = group;
		System.arraycopy(settings, 0, all, 2, settings.length);
		return all;
	}

	private String path(String deployment) {
		return "/openai/deployments/" + deployment;
	}

	private static Prompt prompt(String model) {
		return new Prompt("Hello", ChatOptions.builder().model(model).build());
	}

	@Test
	void aServerErrorIsRetriedOnAnotherDeployment() {
		this.provider.enqueue(path("a"), FakeProvider.error(500, "server_error", null, "boom"));
		runner(List.of(deployment("a", "gpt-4o", "order=1"), deployment("b", "gpt-4o", "order=2"))).run((context) -> {
			ChatResponse response = context.getBean(RoutingChatModel.class).call(prompt("gpt-4o"));
			assertThat(response.getResult().getOutput().getText()).isEqualTo("Hello from " + path("b"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("b"))).hasSize(1);
		});
	}

	@Test
	void a429WithRetryAfterKeepsTheDeploymentOutOfRoutingForThatLongWhileOthersServe() {
		this.provider.enqueue(path("a"), FakeProvider.error(429, "rate_limit_exceeded", "429", "slow down").setHeader("Retry-After", "30"));
		runner(List.of(deployment("a", "gpt-4o", "order=1"), deployment("b", "gpt-4o", "order=2"))).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			Router router = context.getBean(Router.class);
			Deployment a = router.group("gpt-4o", ModelMode.CHAT).deployments().get(0);
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("b"));
			assertThat(router.usageStore().cooldownRemaining(a)).isEqualTo(Duration.ofSeconds(30));
			for (int second = 0; second < 29; second++) {
				this.clock.advance(Duration.ofSeconds(1));
				chat.call(prompt("gpt-4o"));
			}
			// a is the first tier: only its cooldown kept it out
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("b"))).hasSize(30);
			this.clock.advance(Duration.ofMillis(1_001));
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("a"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(2);
		});
	}

	@Test
	void aHangingDeploymentIsAbandonedAfterItsTimeoutAndTheCallServedElsewhere() {
		// slow holds its answer until the end of the test: only its timeout can end the attempt
		runner(List.of(deployment("slow", "gpt-4o", "order=1", "timeout=300ms", "params.api-base=" + this.held.url()),
				deployment("b", "gpt-4o", "order=2")))
			.withBean(Failures.class, Failures::new)
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				CompletableFuture<ChatResponse> call = CompletableFuture.supplyAsync(() -> chat.call(prompt("gpt-4o")));
				// a guard against hanging, not a budget: the answer is held until after the call
				ChatResponse response = call.get(30, TimeUnit.SECONDS);
				assertThat(response.getResult().getOutput().getText()).endsWith(path("b"));
				assertThat(this.held.received()).isEqualTo(1);
				assertThat(this.held.answered()).isZero();
				assertThat(this.provider.requestsTo(path("b"))).hasSize(1);
				assertThat(context.getBean(Failures.class).of("slow")).containsExactly(Failure.Kind.TIMEOUT);
			});
	}

	@Test
	void aBadRequestIsTheCallersErrorAndIsNotRetried() {
		this.provider.enqueue(path("a"), FakeProvider.error(400, "invalid_request_error", "invalid_value", "temperature too high"));
		runner(List.of(deployment("a", "gpt-4o", "order=1"), deployment("b", "gpt-4o", "order=2"))).run((context) -> {
			assertThatExceptionOfType(BadRequestException.class)
				.isThrownBy(() -> context.getBean(RoutingChatModel.class).call(prompt("gpt-4o")))
				.withMessageContaining("temperature too high");
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("b"))).isEmpty();
		});
	}

	@Test
	void aPromptTooLongForTheContextWindowGoesToTheContextWindowFallback() {
		this.provider.enqueue(path("small-1"), FakeProvider.error(400, "invalid_request_error", "context_length_exceeded",
				"This model's maximum context length is 8192 tokens"));
		runner(List.of(deployment("small-1", "gpt-4", "order=1"), deployment("small-2", "gpt-4", "order=2"),
				deployment("large", "gpt-4-32k"), deployment("other", "gpt-35")),
				"router.context-window-fallbacks.gpt-4[0]=gpt-4-32k", "router.fallbacks.gpt-4[0]=gpt-35")
			.run((context) -> {
				ChatResponse response = context.getBean(RoutingChatModel.class).call(prompt("gpt-4"));
				assertThat(response.getResult().getOutput().getText()).endsWith(path("large"));
				assertThat(this.provider.requestsTo(path("small-1"))).hasSize(1);
				// the other deployment of gpt-4 has the same window: not tried; nor the ordinary fallback
				assertThat(this.provider.requestsTo(path("small-2"))).isEmpty();
				assertThat(this.provider.requestsTo(path("other"))).isEmpty();
			});
	}

	@Test
	void aFallbackChainThatWouldLoopVisitsEachModelOnce() {
		for (int i = 0; i < 5; i++) {
			this.provider.enqueue(path("four"), FakeProvider.error(500, "server_error", null, "down"));
			this.provider.enqueue(path("mini"), FakeProvider.error(503, "server_error", null, "down too"));
		}
		runner(List.of(deployment("four", "gpt-4o"), deployment("mini", "gpt-4o-mini")),
				"router.fallbacks.gpt-4o[0]=gpt-4o-mini", "router.fallbacks.gpt-4o-mini[0]=gpt-4o")
			.run((context) -> {
				assertThatExceptionOfType(NoDeploymentAvailableException.class)
					.isThrownBy(() -> context.getBean(RoutingChatModel.class).call(prompt("gpt-4o")))
					.withMessage("No deployment of model 'gpt-4o' can take this call: all 2 attempts failed (the "
							+ "last: server-error 503 from mini)")
					.satisfies((ex) -> {
						assertThat(ex.getCause()).isInstanceOf(InternalServerException.class)
							.hasMessageContaining("down too");
						assertThat(ex.getSuppressed()).singleElement()
							.isInstanceOf(InternalServerException.class);
					});
				assertThat(this.provider.requestsTo(path("four"))).hasSize(1);
				assertThat(this.provider.requestsTo(path("mini"))).hasSize(1);
			});
	}

	@Test
	void aFallbackServesWhenAModelIsExhausted() {
		runner(List.of(deployment("four", "gpt-4o", "rpm=1"), deployment("mini", "gpt-4o-mini")),
				"router.fallbacks.gpt-4o[0]=gpt-4o-mini")
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("four"));
				assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("mini"));
				assertThat(this.provider.requestsTo(path("four"))).hasSize(1);
			});
	}

	@Test
	void aStreamFailingBeforeItsFirstChunkIsRetriedElsewhere() {
		this.provider.enqueue(path("a"), FakeProvider.error(500, "server_error", null, "boom"));
		runner(List.of(deployment("a", "gpt-4o", "order=1"), deployment("b", "gpt-4o", "order=2"))).run((context) -> {
			List<ChatResponse> chunks = context.getBean(RoutingChatModel.class).stream(prompt("gpt-4o")).collectList()
				.block(Duration.ofSeconds(30));
			assertThat(FakeProvider.text(chunks)).isEqualTo("Hello from " + path("b"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("b"))).hasSize(1);
		});
	}

	@Test
	void aStreamSilentPastItsStreamTimeoutIsRetriedElsewhere() {
		// slow holds its answer until the end of the test: only its stream timeout can end the attempt
		runner(List.of(
				deployment("slow", "gpt-4o", "order=1", "stream-timeout=300ms", "params.api-base=" + this.held.url()),
				deployment("b", "gpt-4o", "order=2")))
			.withBean(Failures.class, Failures::new)
			.run((context) -> {
				// a guard against hanging, not a budget: the answer is held until after the stream
				List<ChatResponse> chunks = context.getBean(RoutingChatModel.class)
					.stream(prompt("gpt-4o"))
					.collectList()
					.block(Duration.ofSeconds(30));
				assertThat(FakeProvider.text(chunks)).isEqualTo("Hello from " + path("b"));
				assertThat(this.held.received()).isEqualTo(1);
				assertThat(this.held.answered()).isZero();
				assertThat(this.provider.requestsTo(path("b"))).hasSize(1);
				assertThat(context.getBean(Failures.class).of("slow")).containsExactly(Failure.Kind.TIMEOUT);
			});
	}

	@Test
	void aStreamFailingAfterItsFirstChunkIsNeverReplayed() {
		String firstChunk = this.provider.streamBody(path("a")).lines().filter((line) -> line.startsWith("data: "))
			.findFirst()
			.orElseThrow();
		String body = firstChunk + "\n\n"
				+ "data: {\"error\":{\"message\":\"overloaded mid-stream\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
		this.provider.enqueue(path("a"), new MockResponse().setHeader("Content-Type", "text/event-stream").setBody(body));
		runner(List.of(deployment("a", "gpt-4o", "order=1"), deployment("b", "gpt-4o", "order=2"))).run((context) -> {
			Router router = context.getBean(Router.class);
			Deployment a = router.group("gpt-4o", ModelMode.CHAT).deployments().get(0);
			StepVerifier.create(context.getBean(RoutingChatModel.class).stream(prompt("gpt-4o")))
				.assertNext((chunk) -> assertThat(chunk.getResult().getOutput().getText()).isEqualTo("Hello"))
				.expectErrorSatisfies((ex) -> assertThat(ex).isInstanceOf(SseException.class)
					.hasMessageContaining("overloaded mid-stream"))
				.verify(Duration.ofSeconds(30));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("b"))).isEmpty();
			// the streamed call stays counted: its estimate, as no usage chunk came
			assertThat(router.usageStore().usage(a).requests()).isEqualTo(1);
			assertThat(router.usageStore().usage(a).tokens()).isPositive();
		});
	}

	@Test
	void aHigherTierTakesTrafficOnlyWhenTheLowerTierIsFull() {
		runner(List.of(deployment("payg", "gpt-4o", "order=2"), deployment("ptu-1", "gpt-4o", "order=1", "rpm=2"),
				deployment("ptu-2", "gpt-4o", "order=1", "rpm=2")))
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				for (int i = 0; i < 4; i++) {
					chat.call(prompt("gpt-4o"));
				}
				assertThat(this.provider.requestsTo(path("payg"))).isEmpty();
				assertThat(this.provider.requestsTo(path("ptu-1"))).hasSize(2);
				assertThat(this.provider.requestsTo(path("ptu-2"))).hasSize(2);
				for (int i = 0; i < 3; i++) {
					chat.call(prompt("gpt-4o"));
				}
				assertThat(this.provider.requestsTo(path("payg"))).hasSize(3);
			});
	}

	/**
	 * A provider that receives calls and answers none of them until it is closed: an attempt
	 * to it ends only when the router gives up on it.
	 */
	static final class HoldingProvider implements AutoCloseable {

		private final MockWebServer server = new MockWebServer();

		private final CountDownLatch release = new CountDownLatch(1);

		private final AtomicInteger received = new AtomicInteger();

		private final AtomicInteger answered = new AtomicInteger();

		HoldingProvider() {
			this.server.setDispatcher(new Dispatcher() {
				@Override
				public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
					HoldingProvider.this.received.incrementAndGet();
					HoldingProvider.this.release.await();
					HoldingProvider.this.answered.incrementAndGet();
					return FakeProvider.error(500, "server_error", null, "answered too late");
				}
			});
			try {
				this.server.start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		String url() {
			String url = this.server.url("/").toString();
			return url.substring(0, url.length() - 1);
		}

		int received() {
			return this.received.get();
		}

		int answered() {
			return this.answered.get();
		}

		@Override
		public void close() throws IOException {
			this.release.countDown();
			this.server.shutdown();
		}

	}

	/** The failures the router classified, by deployment. */
	static final class Failures implements RoutingListener {

		private final Map<String, List<Failure.Kind>> kinds = new ConcurrentHashMap<>();

		@Override
		public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
			this.kinds.computeIfAbsent(deployment.id(), (id) -> new CopyOnWriteArrayList<>()).add(failure.kind());
		}

		List<Failure.Kind> of(String deployment) {
			return this.kinds.getOrDefault(deployment, List.of());
		}

	}

}
