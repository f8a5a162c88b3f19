package io.github.airouter.metrics;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.github.airouter.autoconfigure.RouterAutoConfiguration;
import io.github.airouter.autoconfigure.RouterMetricsAutoConfiguration;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link RouterMetrics} as auto-configured by {@link RouterMetricsAutoConfiguration}: which
 * meters known traffic against the provider fake produces, their values and tags, and that
 * Spring AI's own observations keep working beside them.
 */
class RouterMetricsTests {

	/** Distinctive keys: no tag value may contain one, nor a part of one. */
	private static final String KEY_PREFIX = "sk-test-SECRET-abcdef000";

	private final FakeProvider provider = new FakeProvider();

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	/**
	 * gpt-4o: a, b, c in tiers 1, 2, 3; limited: l with rpm 1; primary: p with rpm 1,
	 * falling back to backup: k. All Azure deployments on the fake.
	 */
	private ApplicationContextRunner runner() {
		List<String> properties = new ArrayList<>();
		String[][] deployments = { { "a", "gpt-4o", "order=1" }, { "b", "gpt-4o", "order=2" },
				{ "c", "gpt-4o", "order=3" }, { "l", "limited", "rpm=1" }, { "p", "primary", "rpm=1" },
				{ "k", "backup" } };
		for (int i = 0; i < deployments.length; i++) {
			String entry = "router.model-list[" + i + "].";
			String[] deployment = deployments[i];
			properties.add(entry + "model-name=" + deployment[1]);
			properties.add(entry + "params.model=azure/" + deployment[0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=" + KEY_PREFIX + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + deployment[0]);
			for (int j = 2; j < deployment.length; j++) {
				properties.add(entry + deployment[j]);
			}
		}
		properties.add("router.fallbacks.primary[0]=backup");
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class,
					RouterMetricsAutoConfiguration.class))
			.withBean(UsageStore.class, () -> new InMemoryUsageStore(this.clock, new Random(3)))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	/** The router and its metrics with Boot's metrics auto-configuration, which binds meter binders. */
	private ApplicationContextRunner withMeterRegistry() {
		return runner().withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new);
	}

	// ---- without a registry

	@Test
	void withoutAMeterRegistryThereAreNoMetricsAndCallsStillWork() {
		runner().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(MeterRegistry.class);
			assertThat(context).doesNotHaveBean(RouterMetrics.class);
			assertThat(context).doesNotHaveBean(MeterBinder.class);
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("a"));
			assertThat(FakeProvider.text(chat.stream(prompt("gpt-4o")).collectList().block(Duration.ofSeconds(10))))
				.endsWith(path("a"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(2);
		});
	}

	@Test
	void withAMeterRegistryTheRouterHasTheMetricsListener() {
		runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(RouterMetrics.class);
			context.getBean(RoutingChatModel.class).call(prompt("gpt-4o"));
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("router.calls").tags("deployment", "a", "outcome", "success").counter().count())
				.isEqualTo(1);
		});
	}

	// ---- known traffic

	@Test
	void knownTrafficGivesCallsTokensCooldownsFallbacksAttemptsAndDecisions() {
		this.provider.enqueue(path("a"), FakeProvider.error(429, "rate_limit_exceeded", null, "slow down").setHeader("Retry-After", "30"));
		this.provider.enqueue(path("b"), FakeProvider.error(500, "server_error", null, "boom"));
		withMeterRegistry().run((context) -> {
			assertThat(context).hasNotFailed();
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			traffic(chat);

			// router.calls by deployment and outcome
			assertThat(calls(registry, "gpt-4o", "a", "rate-limited")).isEqualTo(1);
			assertThat(calls(registry, "gpt-4o", "b", "server-error")).isEqualTo(1);
			assertThat(calls(registry, "gpt-4o", "c", "success")).isEqualTo(1);
			assertThat(calls(registry, "gpt-4o", "b", "success")).isEqualTo(2);
			assertThat(calls(registry, "limited", "l", "success")).isEqualTo(1);
			assertThat(calls(registry, "primary", "p", "success")).isEqualTo(1);
			assertThat(calls(registry, "backup", "k", "success")).isEqualTo(1);
			assertThat(registry.get("router.calls")
				.tags("model", "limited", "deployment", "none", "provider", "none", "outcome", "rejected")
				.counter()
				.count()).isEqualTo(1);
			// primary refused the call that its fallback then served: the group's refusal is counted
			assertThat(registry.get("router.calls")
				.tags("model", "primary", "deployment", "none", "provider", "none", "outcome", "rejected")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.find("router.calls").tags("deployment", "a", "outcome", "success").counter()).isNull();
			assertThat(registry.find("router.calls").tags("deployment", "c").counters()).hasSize(1);
			// every attempt counted once: 8 successes or failures on deployments, 2 refusals of a group
			assertThat(registry.get("router.calls").counters().stream().mapToDouble((c) -> c.count()).sum())
				.isEqualTo(10);

			// router.tokens: the fake reports 10 prompt and 5 completion tokens per call, streams included
			for (String[] served : new String[][] { { "gpt-4o", "b", "2" }, { "gpt-4o", "c", "1" },
					{ "limited", "l", "1" }, { "primary", "p", "1" }, { "backup", "k", "1" } }) {
				int successes = Integer.parseInt(served[2]);
				assertThat(tokens(registry, served[0], served[1], "prompt")).as("prompt tokens of %s", served[1])
					.isEqualTo(10.0 * successes);
				assertThat(tokens(registry, served[0], served[1], "completion"))
					.as("completion tokens of %s", served[1])
					.isEqualTo(5.0 * successes);
			}
			assertThat(registry.find("router.tokens").tags("deployment", "a").counters()).isEmpty();
			assertThat(registry.find("router.tokens").tags("type", "total").counters()).isEmpty();
			assertThat(sum(registry, "router.tokens", "type", "prompt")).isEqualTo(60);
			assertThat(sum(registry, "router.tokens", "type", "completion")).isEqualTo(30);

			// router.cooldowns: the 429 cooled a down
			assertThat(registry.get("router.cooldowns")
				.tags("model", "gpt-4o", "deployment", "a", "provider", "azure", "reason", "rate-limited")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.get("router.cooldowns").counters()).hasSize(1);

			// router.fallbacks: primary was exhausted and backup served
			assertThat(registry.get("router.fallbacks")
				.tags("model", "primary", "fallback", "backup")
				.counter()
				.count()).isEqualTo(1);
			assertThat(registry.get("router.fallbacks").counters()).hasSize(1);

			// router.attempts: 3 + 1 + 1 for gpt-4o; 1 + 0 for limited; 1 + 1 for primary
			assertAttempts(registry, "gpt-4o", 3, 5);
			assertAttempts(registry, "limited", 2, 1);
			assertAttempts(registry, "primary", 2, 2);
			assertThat(registry.find("router.attempts").tags("model", "backup").summary()).isNull();

			// router.decision: one per admission, by the model of the deployment admitted
			assertThat(decisions(registry, "gpt-4o")).isEqualTo(5);
			assertThat(decisions(registry, "limited")).isEqualTo(1);
			assertThat(decisions(registry, "primary")).isEqualTo(1);
			assertThat(decisions(registry, "backup")).isEqualTo(1);
			assertThat(registry.get("router.decision").timers().stream().mapToLong(Timer::count).sum())
				.isEqualTo(this.provider.requests().size());

			// gauges: the windows of the usage store
			assertThat(gauge(registry, "router.window.requests", "gpt-4o", "a")).isEqualTo(1);
			assertThat(gauge(registry, "router.window.tokens", "gpt-4o", "a")).isZero();
			assertThat(gauge(registry, "router.window.requests", "gpt-4o", "b")).isEqualTo(3);
			// b: two successes of 15 tokens, and the estimate of the call it answered 500 to
			// (8 prompt tokens and 256 expected completion tokens), which the provider may
			// have counted
			assertThat(gauge(registry, "router.window.tokens", "gpt-4o", "b")).isEqualTo(30 + 264);
			assertThat(gauge(registry, "router.window.requests", "gpt-4o", "c")).isEqualTo(1);
			assertThat(gauge(registry, "router.window.tokens", "gpt-4o", "c")).isEqualTo(15);
			assertThat(gauge(registry, "router.window.requests", "limited", "l")).isEqualTo(1);
			assertThat(gauge(registry, "router.window.tokens", "limited", "l")).isEqualTo(15);
			assertThat(gauge(registry, "router.limit.requests", "limited", "l")).isEqualTo(1);
			assertThat(gauge(registry, "router.limit.requests", "primary", "p")).isEqualTo(1);
			assertThat(registry.find("router.limit.requests").tags("deployment", "a").gauge()).isNull();
			assertThat(registry.find("router.limit.tokens").gauges()).isEmpty();
			for (String deployment : List.of("a", "b", "c", "l", "p", "k")) {
				assertThat(registry.get("router.in.flight").tags("deployment", deployment).gauge().value()).isZero();
			}
			Router router = context.getBean(Router.class);
			router.groups().forEach((group) -> group.deployments().forEach((deployment) -> {
				assertThat(gauge(registry, "router.window.requests", group.name(), deployment.id()))
					.isEqualTo(router.usageStore().usage(deployment).requests());
				assertThat(gauge(registry, "router.window.tokens", group.name(), deployment.id()))
					.isEqualTo(router.usageStore().usage(deployment).tokens());
			}));

			// the window moves on: after a minute the gauges read zero
			this.clock.advance(Duration.ofSeconds(62));
			assertThat(gauge(registry, "router.window.requests", "gpt-4o", "b")).isZero();
			assertThat(gauge(registry, "router.window.tokens", "gpt-4o", "b")).isZero();
		});
	}

	@Test
	void tagsAreTheModelDeploymentAndProviderAndNeverAKey() {
		this.provider.enqueue(path("a"), FakeProvider.error(429, "rate_limit_exceeded", null, "slow down").setHeader("Retry-After", "30"));
		this.provider.enqueue(path("b"), FakeProvider.error(500, "server_error", null, "boom"));
		withMeterRegistry().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			traffic(context.getBean(RoutingChatModel.class));
			Map<String, Set<String>> expected = Map.ofEntries(
					Map.entry("router.calls", Set.of("model", "deployment", "provider", "outcome")),
					Map.entry("router.tokens", Set.of("model", "deployment", "provider", "type")),
					Map.entry("router.cooldowns", Set.of("model", "deployment", "provider", "reason")),
					Map.entry("router.window.requests", Set.of("model", "deployment", "provider")),
					Map.entry("router.window.tokens", Set.of("model", "deployment", "provider")),
					Map.entry("router.limit.requests", Set.of("model", "deployment", "provider")),
					Map.entry("router.in.flight", Set.of("model", "deployment", "provider")),
					Map.entry("router.decision", Set.of("model")), Map.entry("router.attempts", Set.of("model")),
					Map.entry("router.fallbacks", Set.of("model", "fallback")));
			Set<String> names = new TreeSet<>();
			for (Meter meter : registry.getMeters()) {
				String name = meter.getId().getName();
				if (!name.startsWith("router.")) {
					continue;
				}
				names.add(name);
				Set<String> keys = new TreeSet<>();
				for (Tag tag : meter.getId().getTags()) {
					keys.add(tag.getKey());
					assertThat(tag.getValue()).as("tag %s of %s", tag.getKey(), name)
						.doesNotContain("SECRET")
						.doesNotContain(KEY_PREFIX.substring(0, 7))
						.isIn("gpt-4o", "limited", "primary", "backup", "a", "b", "c", "l", "p", "k", "azure", "none",
								"success", "rate-limited", "server-error", "rejected", "prompt", "completion");
				}
				assertThat(keys).as("tag keys of %s", name).isEqualTo(expected.get(name));
			}
			assertThat(names).isEqualTo(expected.keySet());
		});
	}

	@Test
	void inFlightGaugeCountsACallWaitingForItsResponse() throws Exception {
		// a's answer is held until the test has read the gauges
		try (HeldAnswer held = new HeldAnswer(new MockResponse().setHeader("Content-Type", "application/json")
			.setBody(completionBody()))) {
			withMeterRegistry().withPropertyValues("router.model-list[0].params.api-base=" + held.url())
				.run((context) -> {
					MeterRegistry registry = context.getBean(MeterRegistry.class);
					RoutingChatModel chat = context.getBean(RoutingChatModel.class);
					CompletableFuture<ChatResponse> call = CompletableFuture
						.supplyAsync(() -> chat.call(prompt("gpt-4o")));
					// a guard against hanging, not a budget: the request arrives, then waits for us
					assertThat(held.awaitRequest(30, TimeUnit.SECONDS)).as("a received the call").isTrue();
					assertThat(registry.get("router.in.flight").tags("deployment", "a").gauge().value()).isEqualTo(1);
					assertThat(registry.get("router.in.flight").tags("deployment", "b").gauge().value()).isZero();
					assertThat(gauge(registry, "router.window.requests", "gpt-4o", "a")).isEqualTo(1);
					assertThat(gauge(registry, "router.window.tokens", "gpt-4o", "a"))
						.isEqualTo(chat.estimateTokens(prompt("gpt-4o")));
					held.release();
					assertThat(call.get(30, TimeUnit.SECONDS).getResult().getOutput().getText()).isEqualTo("slow");
					assertThat(registry.get("router.in.flight").tags("deployment", "a").gauge().value()).isZero();
					assertThat(gauge(registry, "router.window.tokens", "gpt-4o", "a")).isEqualTo(42);
				});
		}
	}

	// ---- Spring AI's observations

	@Test
	void springAiObservationsStillWorkBesideRouterMetrics() {
		runner().withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withUserConfiguration(ObservationConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				chat.call(prompt("gpt-4o"));
				Timer operation = registry.get("gen_ai.client.operation").tag("gen_ai.operation.name", "chat").timer();
				assertThat(operation.count()).isEqualTo(1);
				assertThat(calls(registry, "gpt-4o", "a", "success")).isEqualTo(1);
				assertThat(tokens(registry, "gpt-4o", "a", "prompt")).isEqualTo(10);
				for (Meter meter : registry.getMeters()) {
					for (Tag tag : meter.getId().getTags()) {
						assertThat(tag.getValue()).as("tag %s of %s", tag.getKey(), meter.getId().getName())
							.doesNotContain("SECRET");
					}
				}
			});
	}

	// ---- helpers

	/**
	 * gpt-4o: a 429 on a, a 500 on b, success on c; a call and a stream on b (a cools down);
	 * limited: one call served, one refused; primary: one served, one by the fallback.
	 */
	private void traffic(RoutingChatModel chat) {
		assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("c"));
		assertThat(chat.call(prompt("gpt-4o")).getResult().getOutput().getText()).endsWith(path("b"));
		assertThat(FakeProvider.text(chat.stream(prompt("gpt-4o")).collectList().block(Duration.ofSeconds(10))))
			.endsWith(path("b"));
		assertThat(chat.call(prompt("limited")).getResult().getOutput().getText()).endsWith(path("l"));
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> chat.call(prompt("limited")));
		assertThat(chat.call(prompt("primary")).getResult().getOutput().getText()).endsWith(path("p"));
		assertThat(chat.call(prompt("primary")).getResult().getOutput().getText()).endsWith(path("k"));
		assertThat(this.provider.requests()).hasSize(8);
	}

	private static double calls(MeterRegistry registry, String model, String deployment, String outcome) {
		return registry.get("router.calls")
			.tags("model", model, "deployment", deployment, "provider", "azure", "outcome", outcome)
			.counter()
			.count();
	}

	private static double tokens(MeterRegistry registry, String model, String deployment, String type) {
		return registry.get("router.tokens")
			.tags("model", model, "deployment", deployment, "provider", "azure", "type", type)
			.counter()
			.count();
	}

	private static double sum(MeterRegistry registry, String name, String... tags) {
		return registry.get(name).tags(tags).counters().stream().mapToDouble((counter) -> counter.count()).sum();
	}

	private static long decisions(MeterRegistry registry, String model) {
		return registry.get("router.decision").tags("model", model).timer().count();
	}

	private static void assertAttempts(MeterRegistry registry, String model, long calls, double attempts) {
		DistributionSummary summary = registry.get("router.attempts").tags("model", model).summary();
		assertThat(summary.count()).as("calls of %s", model).isEqualTo(calls);
		assertThat(summary.totalAmount()).as("attempts of %s", model).isEqualTo(attempts);
	}

	private static double gauge(MeterRegistry registry, String name, String model, String deployment) {
		RequiredSearch search = registry.get(name).tags("model", model, "deployment", deployment, "provider", "azure");
		return search.gauge().value();
	}

	private String path(String deployment) {
		return "/openai/deployments/" + deployment;
	}

	private static Prompt prompt(String model) {
		return new Prompt("Hello", ChatOptions.builder().model(model).build());
	}

	/** A completion reporting 30 prompt and 12 completion tokens. */
	private static String completionBody() {
		return "{\"id\":\"chatcmpl-slow\",\"object\":\"chat.completion\",\"created\":1700000000,"
				+ "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
				+ "\"content\":\"slow\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
				+ "\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":12,\"total_tokens\":42}}";
	}

	@Configuration(proxyBeanMethods = false)
	static class ObservationConfiguration {

		@Bean
		ObservationRegistry observationRegistry(MeterRegistry meterRegistry) {
			ObservationRegistry registry = ObservationRegistry.create();
			registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meterRegistry));
			return registry;
		}

	}

	/** A provider that holds every answer until the test releases it. */
	private static final class HeldAnswer implements AutoCloseable {

		private final MockWebServer server = new MockWebServer();

		private final Semaphore arrived = new Semaphore(0);

		private final CountDownLatch release = new CountDownLatch(1);

		HeldAnswer(MockResponse answer) throws IOException {
			this.server.setDispatcher(new Dispatcher() {
				@Override
				public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
					HeldAnswer.this.arrived.release();
					HeldAnswer.this.release.await();
					return answer;
				}
			});
			this.server.start();
		}

		String url() {
			String url = this.server.url("/").toString();
			return url.substring(0, url.length() - 1);
		}

		boolean awaitRequest(long timeout, TimeUnit unit) throws InterruptedException {
			return this.arrived.tryAcquire(timeout, unit);
		}

		void release() {
			this.release.countDown();
		}

		@Override
		public void close() throws IOException {
			release();
			this.server.shutdown();
		}

	}

}
