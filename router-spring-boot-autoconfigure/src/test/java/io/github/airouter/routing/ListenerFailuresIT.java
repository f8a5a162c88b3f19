package io.github.airouter.routing;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.routing.RouterResilienceTests.Recorder;
import io.github.airouter.routing.RouterResilienceTests.Status;
import io.github.airouter.routing.RouterResilienceTests.TestClassifier;
import io.github.airouter.testsupport.TestRedis;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;
import io.github.airouter.usage.redis.RedisUsageStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A listener that throws from every method it has changes nothing a caller or a usage store
 * sees: the call's result is the provider's, every reservation is settled (nothing pending,
 * nothing in flight), and the listeners after it still hear every event. In memory and on a
 * real Redis, for calls and streams.
 */
class ListenerFailuresIT {

	private static final long ESTIMATE = 100;

	private static final long REPORTED = 40;

	/** What the listener after the failing one hears: everything. */
	private static final String[] HEARD = { "admitted a1", "failure a1 rate-limited",
			"cooldown a1 30000 ms (a 429 with Retry-After)", "fallback A -> B after 429", "admitted b1",
			"success b1", "completed A in 2 attempts" };

	private static TestRedis redis;

	private static LettuceConnectionFactory connectionFactory;

	@BeforeAll
	static void startRedis() {
		redis = TestRedis.start();
		connectionFactory = redis.connectionFactory();
	}

	@AfterAll
	static void stopRedis() {
		connectionFactory.destroy();
		redis.close();
	}

	static Stream<Arguments> stores() {
		Supplier<UsageStore> memory = () -> new InMemoryUsageStore(Clock.systemUTC(), new Random(3));
		Supplier<UsageStore> shared = () -> {
			redis.flushAll();
			return new RedisUsageStore(connectionFactory, new RedisUsageStore.Settings("listeners:",
					Duration.ofSeconds(5), Duration.ofMinutes(2), null, Duration.ofHours(1), Duration.ofSeconds(1)),
					Clock.systemUTC(), new Random(3));
		};
		return Stream.of(Arguments.of("memory", memory), Arguments.of("redis", shared));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void aCallsResultAndUsageAreTheSameWhenEveryListenerMethodThrows(String name, Supplier<UsageStore> stores)
			throws Exception {
		UsageStore store = stores.get();
		try {
			Recorder recorder = new Recorder();
			Scenario scenario = new Scenario(store, recorder);
			String result = scenario.router.call(scenario.origin, ESTIMATE, (deployment) -> {
				if (deployment.id().equals("a1")) {
					throw new Status(429, Duration.ofSeconds(30));
				}
				return "served by " + deployment.id();
			}, (response) -> REPORTED);
			assertThat(result).isEqualTo("served by b1");
			scenario.assertEverythingSettled(store);
			assertThat(recorder.events).containsExactly(HEARD);
		}
		finally {
			close(store);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void aStreamsElementsAndUsageAreTheSameWhenEveryListenerMethodThrows(String name, Supplier<UsageStore> stores)
			throws Exception {
		UsageStore store = stores.get();
		try {
			Recorder recorder = new Recorder();
			Scenario scenario = new Scenario(store, recorder);
			Flux<Long> stream = scenario.router.stream(scenario.origin, ESTIMATE,
					(deployment) -> deployment.id().equals("a1") ? Flux.error(new Status(429, Duration.ofSeconds(30)))
							: Flux.just(-1L, REPORTED),
					(element) -> element);
			StepVerifier.create(stream).expectNext(-1L, REPORTED).expectComplete().verify(Duration.ofSeconds(10));
			scenario.assertEverythingSettled(store);
			assertThat(recorder.events).containsExactly(HEARD);
		}
		finally {
			close(store);
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("stores")
	void aCancelledStreamIsSettledWhenEveryListenerMethodThrows(String name, Supplier<UsageStore> stores)
			throws Exception {
		UsageStore store = stores.get();
		try {
			Scenario scenario = new Scenario(store, new Recorder());
			Flux<Long> stream = scenario.router.stream(scenario.router.group("B", ModelMode.CHAT), ESTIMATE,
					(deployment) -> Flux.just(-1L, -1L, REPORTED), (element) -> element);
			StepVerifier.create(stream, 1).expectNext(-1L).thenCancel().verify(Duration.ofSeconds(10));
			flush(store);
			// cancelled before it reported usage: the estimate stands, settled
			assertThat(store.usage(scenario.b1)).isEqualTo(new WindowUsage(1, ESTIMATE, 0));
			assertThat(scenario.router.stats(scenario.b1).inFlight()).isZero();
		}
		finally {
			close(store);
		}
	}

	private static void flush(UsageStore store) {
		if (store instanceof RedisUsageStore redisStore) {
			assertThat(redisStore.flush(Duration.ofSeconds(10))).isTrue();
		}
	}

	private static void close(UsageStore store) {
		if (store instanceof RedisUsageStore redisStore) {
			redisStore.close();
		}
	}

	/**
	 * Model A (one deployment, which answers 429) falls back to model B; a listener that
	 * throws from every method comes before one that records what it hears.
	 */
	private static final class Scenario {

		final Deployment a1 = Deployment.of("a1", "A", Limits.UNLIMITED);

		final Deployment b1 = Deployment.of("b1", "B", Limits.UNLIMITED);

		final Router router;

		final ModelGroup origin;

		Scenario(UsageStore store, Recorder recorder) {
			this.router = Router.builder(List.of(this.a1, this.b1))
				.strategy(RoutingStrategy.USAGE_BASED)
				.usageStore(store)
				.policy(RouterPolicy.builder().numRetries(1).cooldownTime(Duration.ofSeconds(5)).allowedFails(3).fallbacks(Map.of("A", List.of("B"))).maxFallbacks(5).misconfiguredCooldown(Duration.ofSeconds(60)).build())
				.failureClassifier(new TestClassifier())
				.listener(new Throwing())
				.listener(recorder)
				.build();
			this.origin = this.router.group("A", ModelMode.CHAT);
		}

		void assertEverythingSettled(UsageStore store) {
			flush(store);
			// the 429 gave its tokens back; the success counts what it reported; nothing pending
			assertThat(store.usage(this.a1)).isEqualTo(new WindowUsage(1, 0, 0));
			assertThat(store.usage(this.b1)).isEqualTo(new WindowUsage(1, REPORTED, 0));
			assertThat(this.router.stats(this.a1).inFlight()).isZero();
			assertThat(this.router.stats(this.b1).inFlight()).isZero();
			assertThat(store.cooldownRemaining(this.a1)).isPositive();
		}

	}

	/** Throws from every method, runtime exceptions and errors alike. */
	private static final class Throwing implements RoutingListener {

		@Override
		public void onAdmitted(Deployment deployment, long decisionNanos) {
			throw new IllegalStateException("onAdmitted");
		}

		@Override
		public void onRejected(ModelGroup group, NoDeploymentAvailableException exception) {
			throw new IllegalArgumentException("onRejected");
		}

		@Override
		public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
			throw new AssertionError("onSuccess");
		}

		@Override
		public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
			throw new UnsupportedOperationException("onFailure");
		}

		@Override
		public void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
			throw new IllegalStateException("onCooldown");
		}

		@Override
		public void onFallback(ModelGroup from, ModelGroup to, @Nullable Throwable cause) {
			throw new NullPointerException("onFallback");
		}

		@Override
		public void onCallCompleted(ModelGroup group, int attempts) {
			throw new IllegalStateException("onCallCompleted");
		}

	}

}
