package io.github.airouter.demo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.RoutingListener;
import io.github.airouter.samples.fake.FakeDeployment;
import io.github.airouter.samples.fake.FakeProviders;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's default profile, as {@code spring-boot:run} runs it: the burst goes through the
 * router to the fakes during start-up. The verdict is what each fake received from the
 * router, refused calls included, against the fake's own limits.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest
class RouterDemoApplicationTests {

	/** The deployment whose quota an application the router cannot see shares. */
	private static final String SHARED = "azure-eu/gpt-4o";

	@Autowired
	private DemoBurst burst;

	@Autowired
	private FakeProviders fakes;

	@Autowired
	private RoutingTally tally;

	@Autowired
	private Router router;

	@Autowired
	private Cooldowns cooldowns;

	@Test
	void theRouterSentNoFakeMoreThanItsLimitsInAnySixtySeconds() {
		for (Deployment deployment : deployments()) {
			FakeDeployment fake = fake(deployment);
			FakeDeployment.Stats stats = fake.stats();
			String id = deployment.id();
			assertThat(stats.served()).as("calls %s served", id).isPositive();
			// every call the fake received, refused or not
			assertThat(stats.peakRouterRequests()).as("requests %s received in 60 s", id)
				.isLessThanOrEqualTo(fake.rpm());
			assertThat(stats.peakRouterTokens()).as("tokens %s was asked for in 60 s", id)
				.isLessThanOrEqualTo(fake.tpm());
			// the fake's log is what the router sent: nothing lost, nothing extra
			assertThat(stats.served() + stats.tooManyRequests()).as("calls %s received", id)
				.isEqualTo(this.tally.of(deployment).attempts());
		}
	}

	@Test
	void theBurstTakesEveryRequestTheDeploymentsItOverflowsAllowAndNoMore() {
		// gpt-4o is asked for more than it serves, and its overflow falls back to gpt-4o-mini
		assertThat(fake("azure-us/gpt-4o").stats().peakRouterRequests()).isEqualTo(30);
		assertThat(fake("azure-us/gpt-4o-mini").stats().peakRouterRequests()).isEqualTo(20);
		assertThat(fake("openai/gpt-4o-mini").stats().peakRouterRequests()).isEqualTo(20);
		assertThat(this.tally.fallbacks()).containsKey("gpt-4o -> gpt-4o-mini");
	}

	@Test
	void onlyTheDeploymentSharingItsQuotaRefusesCalls() {
		for (Deployment deployment : deployments()) {
			if (!deployment.id().equals(SHARED)) {
				assertThat(fake(deployment).stats().tooManyRequests()).as("429s of %s", deployment.id()).isZero();
			}
		}
	}

	@Test
	void theSharedQuotaIsLearntFromA429ThenTheDeploymentCoolsDownForItsRetryAfter() {
		FakeDeployment shared = fake(SHARED);
		assertThat(shared.isShared()).isTrue();
		FakeDeployment.Stats stats = shared.stats();
		// the other application comes after the router's 8th call and takes the other 22 of 30 requests
		assertThat(stats.served()).isEqualTo(8);
		assertThat(stats.neighbourRequests()).isEqualTo(22);
		// the next call learns of it; calls already on their way, at most one a burst thread, too
		assertThat(stats.tooManyRequests()).isBetween(1L, 4L);
		RoutingTally.Snapshot seen = this.tally.of(deployment(SHARED));
		assertThat(seen.rateLimited()).isEqualTo(stats.tooManyRequests());
		assertThat(seen.cooldowns()).isEqualTo(stats.tooManyRequests());
		// for the fake's Retry-After (until the router's first call leaves the window), not the
		// router's own 5 s cooldown-time
		assertThat(this.cooldowns.of(SHARED)).hasSize((int) stats.tooManyRequests())
			.allSatisfy((cooldown) -> assertThat(cooldown).isGreaterThan(Duration.ofSeconds(5))
				.isLessThanOrEqualTo(Duration.ofSeconds(60)));
		// each refused call was retried on another deployment
		assertThat(this.tally.retriedCalls()).isGreaterThanOrEqualTo(stats.tooManyRequests());
	}

	@Test
	void theBurstEndsWithNoFailureAndSaysSo(CapturedOutput output) {
		DemoBurst.Result result = this.burst.result();
		assertThat(result).isNotNull();
		assertThat(result.outcomes()).hasSize(150);
		assertThat(result.failed()).as("calls that failed other than by a refusal").isZero();
		assertThat(result.report().rows()).hasSize(7).allMatch(UsageReport.Row::limitRespected);
		assertThat(this.burst.getExitCode()).isZero();
		assertThat(output).contains("limit respected", "azure-eu/gpt-4o *", "No deployment saw its limits exceeded.")
			.doesNotContain("demo-key-not-secret");
	}

	private List<Deployment> deployments() {
		return this.router.groups().stream().flatMap((group) -> group.deployments().stream()).toList();
	}

	private Deployment deployment(String id) {
		return deployments().stream().filter((deployment) -> deployment.id().equals(id)).findFirst().orElseThrow();
	}

	private FakeDeployment fake(String id) {
		return fake(deployment(id));
	}

	private FakeDeployment fake(Deployment deployment) {
		return this.fakes.find(deployment.apiBase(), deployment.target())
			.orElseThrow(() -> new AssertionError("No fake serves " + deployment.id()));
	}

	/** The cooldowns the router entered, by deployment. */
	static final class Cooldowns implements RoutingListener {

		private final Map<String, List<Duration>> durations = new ConcurrentHashMap<>();

		@Override
		public void onCooldown(Deployment deployment, Duration duration, Failure.Kind cause, String reason) {
			this.durations.computeIfAbsent(deployment.id(), (id) -> new CopyOnWriteArrayList<>()).add(duration);
		}

		List<Duration> of(String id) {
			return this.durations.getOrDefault(id, List.of());
		}

	}

	@TestConfiguration(proxyBeanMethods = false)
	static class CooldownsConfiguration {

		@Bean
		Cooldowns cooldowns() {
			return new Cooldowns();
		}

	}

}
