package io.github.airouter.routing;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.WindowUsage;
import io.github.airouter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The router loop: admission, the call, and settlement of usage, for calls and streams.
 */
class RouterTests {

	private final MutableClock clock = MutableClock.atSecond(5_000);

	private final InMemoryUsageStore store = new InMemoryUsageStore(this.clock, new Random(7));

	private final Deployment a = Deployment.of("a", "gpt-4o", new Limits(2L, 1_000L));

	private final Deployment embed = new Deployment("e", "embed", ModelMode.EMBEDDING, Provider.OPENAI,
			"text-embedding-3-small", URI.create("https://api.openai.com/v1"), null, Limits.UNLIMITED, null);

	private final Router router = new Router(List.of(this.a, this.embed), RoutingStrategy.USAGE_BASED, this.store);

	private final ModelGroup group = this.router.group("gpt-4o", ModelMode.CHAT);

	@Test
	void aCallIsReconciledWithTheTokensItsResultReports() {
		String result = this.router.call(this.group, 300, (deployment) -> "served by " + deployment.id(),
				(response) -> 120);
		assertThat(result).isEqualTo("served by a");
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(1, 120));
	}

	@Test
	void aResultThatReportsNoUsageKeepsTheEstimate() {
		this.router.call(this.group, 300, (deployment) -> "ok", (response) -> -1);
		this.router.call(this.group, 200, (deployment) -> "ok", (response) -> {
			throw new IllegalStateException("garbage usage");
		});
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(2, 500));
	}

	@Test
	void aFailedCallReleasesItsTokensAndTheCallerSeesTheProvidersException() {
		IllegalStateException failure = new IllegalStateException("provider said 500");
		assertThatIllegalStateException()
			.isThrownBy(() -> this.router.call(this.group, 300, (deployment) -> {
				throw failure;
			}, (response) -> 0))
			.isSameAs(failure);
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(1, 0));
	}

	@Test
	void whenNoDeploymentCanTakeTheCallNothingIsSentAndTheCallerLearnsWhenCapacityFreesUp() {
		AtomicInteger sent = new AtomicInteger();
		this.router.call(this.group, 10, (deployment) -> sent.incrementAndGet(), (response) -> 10);
		this.clock.advance(Duration.ofMillis(30_500));
		this.router.call(this.group, 10, (deployment) -> sent.incrementAndGet(), (response) -> 10);
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> this.router.call(this.group, 10, (deployment) -> sent.incrementAndGet(), (r) -> 10))
			.satisfies((ex) -> {
				assertThat(ex.getModelName()).isEqualTo("gpt-4o");
				assertThat(ex.getRetryAfter()).contains(Duration.ofMillis(30_500));
				assertThat(ex.getMessage()).isEqualTo("No deployment of model 'gpt-4o' can take this call: all 1 "
						+ "deployments are at their rpm or tpm limit in the current 60 s window; capacity frees up in 30.5 s");
			});
		assertThat(sent).hasValue(2);
	}

	@Test
	void aCallLargerThanAnyLimitSaysSo() {
		assertThatExceptionOfType(NoDeploymentAvailableException.class)
			.isThrownBy(() -> this.router.call(this.group, 5_000, (deployment) -> "x", (r) -> 0))
			.satisfies((ex) -> assertThat(ex.getRetryAfter()).isEmpty())
			.withMessageContaining("estimated 5000 tokens exceed the tpm limit of every deployment");
	}

	@Test
	void unknownModelsAreNamedWithTheKnownOnes() {
		assertThatExceptionOfType(UnknownModelException.class).isThrownBy(() -> this.router.group("gpt-5", ModelMode.CHAT))
			.withMessage("Unknown model 'gpt-5' for chat; known: [gpt-4o]");
		assertThatExceptionOfType(UnknownModelException.class).isThrownBy(() -> this.router.group("embed", ModelMode.CHAT))
			.withMessage("Unknown model 'embed' for chat: it is an embedding model; known: [gpt-4o]");
	}

	@Test
	void aStreamIsAdmittedOnSubscriptionAndReconciledWithTheLastReportedUsage() {
		Flux<Integer> stream = this.router.stream(this.group, 400, (deployment) -> Flux.just(-1, -1, 250),
				(element) -> element);
		assertThat(this.store.usage(this.a)).isEqualTo(WindowUsage.NONE);
		StepVerifier.create(stream).expectNext(-1, -1, 250).verifyComplete();
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(1, 250));
	}

	@Test
	void aStreamFailingBeforeItsFirstElementReleasesItsTokens() {
		Flux<Integer> stream = this.router.stream(this.group, 400,
				(deployment) -> Flux.error(new IllegalStateException("boom")), (element) -> element);
		StepVerifier.create(stream).expectErrorMessage("boom").verify();
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(1, 0));
	}

	@Test
	void aStreamFailingAfterItsFirstElementKeepsItsUsage() {
		Flux<Integer> stream = this.router.stream(this.group, 400,
				(deployment) -> Flux.just(-1).concatWith(Flux.error(new IllegalStateException("cut"))),
				(element) -> element);
		StepVerifier.create(stream).expectNext(-1).expectErrorMessage("cut").verify();
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(1, 400));
	}

	@Test
	void aCancelledStreamKeepsItsEstimate() {
		Flux<Integer> stream = this.router.stream(this.group, 400, (deployment) -> Flux.just(-1, -1, 300),
				(element) -> element);
		StepVerifier.create(stream, 1).expectNext(-1).thenCancel().verify();
		assertThat(this.store.usage(this.a)).isEqualTo(new WindowUsage(1, 400));
	}

	@Test
	void aStreamThatCannotBeAdmittedFailsWithoutCallingTheDeployment() {
		List<String> called = new ArrayList<>();
		Flux<Integer> stream = this.router.stream(this.group, 5_000, (deployment) -> {
			called.add(deployment.id());
			return Flux.just(1);
		}, (element) -> element);
		StepVerifier.create(stream).expectError(NoDeploymentAvailableException.class).verify();
		assertThat(called).isEmpty();
	}

	@Test
	void describeNamesEveryGroupAndDeploymentWithoutSecrets() {
		assertThat(this.router.describe()).isEqualTo(
				"gpt-4o (chat): [a (openai/gpt-4o @api.openai.com, rpm=2 tpm=1000)]; embed (embedding): [e (openai/text-embedding-3-small @api.openai.com, rpm=unlimited tpm=unlimited)]");
	}

}
