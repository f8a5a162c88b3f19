package io.github.airouter.provider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import io.github.airouter.autoconfigure.RouterAutoConfiguration;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.MutableClock;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.WindowUsage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The providers' {@code x-ratelimit-remaining-*} response headers correcting the router's
 * view of a deployment's budget: never looser than configured, off when
 * {@code router.calibrate-from-provider-headers=false}, and never failing a call.
 */
class ProviderHeaderCalibrationTests {

	private static final String REMAINING_TOKENS = "x-ratelimit-remaining-tokens";

	private static final String REMAINING_REQUESTS = "x-ratelimit-remaining-requests";

	private final FakeProvider provider = new FakeProvider();

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	/** Azure deployments {@code name, settings...} of model gpt-4o, then extra properties. */
	private ApplicationContextRunner runner(List<String[]> deployments, String... extra) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < deployments.size(); i++) {
			String entry = "router.model-list[" + i + "].";
			String[] deployment = deployments.get(i);
			properties.add(entry + "model-name=gpt-4o");
			properties.add(entry + "params.model=azure/" + deployment[0]);
			properties.add(entry + "params.api-base=" + this.provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + deployment[0]);
			for (int j = 1; j < deployment.length; j++) {
				properties.add(entry + deployment[j]);
			}
		}
		properties.addAll(List.of(extra));
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withBean(UsageStore.class, () -> new InMemoryUsageStore(this.clock, new Random(3)))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	private List<String[]> twoTiers(String... settingsOfA) {
		String[] a = new String[2 + settingsOfA.length];
		a[0] = "a";
		a[1] = "order=1";
		System.arraycopy(settingsOfA, 0, a, 2, settingsOfA.length);
		return List.of(a, new String[] { "b", "order=2" });
	}

	// ---- calibration

	@Test
	void fewRemainingTokensKeepALargerCallOffTheDeployment() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(twoTiers("tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			// a call that needs more than the 300 tokens the provider says remain
			Prompt large = prompt(400);
			assertThat(chat.estimateTokens(large)).isGreaterThan(300);
			assertThat(text(chat.call(large))).endsWith(path("b"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
			assertThat(this.provider.requestsTo(path("b"))).hasSize(1);
		});
	}

	@Test
	void afterTheCallTheWindowLeavesNoMoreThanTheProviderSaysRemains() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(List.<String[]>of(new String[] { "a", "tpm=10000" })).run((context) -> {
			context.getBean(RoutingChatModel.class).call(prompt(null));
			WindowUsage usage = usage(context.getBean(Router.class), 0);
			assertThat(usage.requests()).isEqualTo(1);
			assertThat(10_000 - usage.tokens()).as("tokens the router believes remain").isLessThanOrEqualTo(300);
		});
	}

	@Test
	void fewRemainingTokensKeepAFarLargerCallOffTheDeployment() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(twoTiers("tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(text(chat.call(prompt(1_000)))).endsWith(path("b"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
		});
	}

	@Test
	void fewRemainingTokensStillLeaveRoomForASmallCall() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(twoTiers("tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			Prompt small = prompt(50);
			assertThat(chat.estimateTokens(small)).isLessThan(250);
			assertThat(text(chat.call(small))).endsWith(path("a"));
			assertThat(this.provider.requestsTo(path("b"))).isEmpty();
		});
	}

	@Test
	void fewRemainingTokensOnTheOnlyDeploymentRefuseALargerCall() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(List.<String[]>of(new String[] { "a", "tpm=10000" })).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThatExceptionOfType(NoDeploymentAvailableException.class).isThrownBy(() -> chat.call(prompt(400)))
				.satisfies((ex) -> assertThat(ex.getRetryAfter()).isPresent());
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
		});
	}

	@Test
	void fewRemainingRequestsKeepTheNextCallOffTheDeployment() {
		this.provider.headers(Map.of(REMAINING_REQUESTS, "0"));
		runner(twoTiers("rpm=100")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(text(chat.call(prompt(null)))).endsWith(path("b"));
			assertThat(usage(context.getBean(Router.class), 0).requests()).isEqualTo(100);
		});
	}

	@Test
	void theStreamsHeadersCalibrateToo() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(twoTiers("tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			List<ChatResponse> chunks = chat.stream(prompt(null)).collectList().block(Duration.ofSeconds(10));
			assertThat(chunks).isNotEmpty();
			assertThat(text(chat.call(prompt(1_000)))).endsWith(path("b"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(1);
		});
	}

	@Test
	void calibrationLastsOnlyForTheWindow() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300"));
		runner(twoTiers("tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			chat.call(prompt(null));
			this.provider.headers(Map.of());
			this.clock.advance(Duration.ofSeconds(62));
			assertThat(usage(context.getBean(Router.class), 0)).isEqualTo(WindowUsage.NONE);
			assertThat(text(chat.call(prompt(1_000)))).endsWith(path("a"));
		});
	}

	@Test
	void aHighRemainingValueNeverLoosensTheConfiguredLimit() {
		this.provider.headers(Map.of(REMAINING_REQUESTS, "100000", REMAINING_TOKENS, "100000000"));
		runner(twoTiers("rpm=2", "tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(usage(context.getBean(Router.class), 0)).isEqualTo(new WindowUsage(2, 30));
			assertThat(text(chat.call(prompt(null)))).endsWith(path("b"));
			assertThat(this.provider.requestsTo(path("a"))).hasSize(2);
		});
	}

	@Test
	void aHighRemainingTokenCountNeverLoosensTheConfiguredTpm() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "100000000"));
		runner(twoTiers("tpm=1000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(900)))).endsWith(path("a"));
			assertThat(usage(context.getBean(Router.class), 0)).isEqualTo(new WindowUsage(1, 15));
			// 15 used: a call of more than 985 tokens does not fit a, whatever the provider says
			assertThat(text(chat.call(prompt(990)))).endsWith(path("b"));
		});
	}

	@Test
	void headersAreIgnoredWhenCalibrationIsOff() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "300", REMAINING_REQUESTS, "0"));
		runner(twoTiers("rpm=100", "tpm=10000"), "router.calibrate-from-provider-headers=false").run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(usage(context.getBean(Router.class), 0)).isEqualTo(new WindowUsage(1, 15));
			assertThat(text(chat.call(prompt(1_000)))).endsWith(path("a"));
			assertThat(this.provider.requestsTo(path("b"))).isEmpty();
		});
	}

	@Test
	void headersWithGarbageValuesAreIgnoredAndTheCallSucceeds() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "lots", REMAINING_REQUESTS, "-3", "x-ratelimit-limit-tokens",
				"99999999999999999999999"));
		runner(twoTiers("rpm=100", "tpm=10000")).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(usage(context.getBean(Router.class), 0)).isEqualTo(new WindowUsage(1, 15));
			assertThat(text(chat.call(prompt(1_000)))).endsWith(path("a"));
			assertThat(this.provider.requestsTo(path("b"))).isEmpty();
		});
	}

	@Test
	void headersOfADeploymentWithoutLimitsChangeNothing() {
		this.provider.headers(Map.of(REMAINING_TOKENS, "0", REMAINING_REQUESTS, "0"));
		runner(twoTiers()).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
			assertThat(usage(context.getBean(Router.class), 0)).isEqualTo(new WindowUsage(1, 15));
			assertThat(text(chat.call(prompt(null)))).endsWith(path("a"));
		});
	}

	// ---- ProviderRateLimits.from

	@Test
	void fromReadsRemainingAndLimitHeaders() {
		Headers headers = Headers.of(REMAINING_REQUESTS, "59", REMAINING_TOKENS, "149850", "x-ratelimit-limit-requests",
				"60", "x-ratelimit-limit-tokens", "150000", "x-ratelimit-reset-tokens", "6ms");
		assertThat(ProviderRateLimits.from(headers)).isEqualTo(new ProviderRateLimits(59L, 149850L, 60L, 150000L));
	}

	@Test
	void fromReadsHeaderNamesInAnyCase() {
		Headers headers = Headers.of("X-RateLimit-Remaining-Tokens", "300", "X-RateLimit-Limit-Tokens", "10000");
		assertThat(ProviderRateLimits.from(headers)).isEqualTo(new ProviderRateLimits(null, 300L, null, 10000L));
	}

	@Test
	void fromReadsOneRemainingCountAlone() {
		assertThat(ProviderRateLimits.from(Headers.of(REMAINING_REQUESTS, "0")))
			.isEqualTo(new ProviderRateLimits(0L, null, null, null));
		assertThat(ProviderRateLimits.from(Headers.of(REMAINING_TOKENS, "12")))
			.isEqualTo(new ProviderRateLimits(null, 12L, null, null));
	}

	@Test
	void fromGivesNullWithoutRemainingCounts() {
		assertThat(ProviderRateLimits.from(Headers.of())).isNull();
		assertThat(ProviderRateLimits.from(Headers.of("Content-Type", "application/json"))).isNull();
		assertThat(ProviderRateLimits.from(Headers.of("x-ratelimit-limit-requests", "60", "x-ratelimit-limit-tokens",
				"150000"))).isNull();
	}

	@Test
	void fromIgnoresValuesThatAreNotNonNegativeWholeNumbers() {
		for (String garbage : List.of("lots", "-3", "1.5", "12ms", "", "99999999999999999999999", "0x10")) {
			assertThat(ProviderRateLimits.from(Headers.of(REMAINING_TOKENS, garbage))).as("'%s'", garbage).isNull();
		}
		assertThat(ProviderRateLimits.from(Headers.of(REMAINING_TOKENS, "lots", REMAINING_REQUESTS, "7",
				"x-ratelimit-limit-requests", "-1", "x-ratelimit-limit-tokens", "many")))
			.isEqualTo(new ProviderRateLimits(7L, null, null, null));
	}

	// ---- helpers

	private static WindowUsage usage(Router router, int index) {
		Deployment deployment = router.group("gpt-4o", ModelMode.CHAT).deployments().get(index);
		return router.usageStore().usage(deployment);
	}

	private String path(String deployment) {
		return "/openai/deployments/" + deployment;
	}

	/** A prompt of model gpt-4o, with the given max tokens or none. */
	private static Prompt prompt(Integer maxTokens) {
		return new Prompt("Hello", OpenAiChatOptions.builder().model("gpt-4o").maxTokens(maxTokens).build());
	}

	private static String text(ChatResponse response) {
		return response.getResult().getOutput().getText();
	}

}
