package io.github.airouter.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.Router;
import io.github.airouter.samples.fake.FakeDeployment;
import io.github.airouter.samples.fake.FakeProviders;
import io.github.airouter.samples.fake.FakeResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's default profile, as {@code spring-boot:run} runs it: the burst goes through the
 * router to the fakes during start-up.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest
class RouterDemoApplicationTests {

	@Autowired
	private DemoBurst burst;

	@Autowired
	private FakeProviders fakes;

	@Autowired
	private RoutingTally tally;

	@Autowired
	private Router router;

	@Test
	void burstSpreadsOverTheFakesAndNoFakeSeesItsLimitExceeded(CapturedOutput output) {
		DemoBurst.Result result = this.burst.result();
		assertThat(result).isNotNull();
		assertThat(result.failed()).as("calls that failed other than by a refusal").isZero();
		assertThat(result.served()).isPositive();
		for (FakeResource resource : this.fakes.resources()) {
			for (FakeDeployment deployment : resource.deployments()) {
				FakeDeployment.Stats stats = deployment.stats();
				String name = resource.name() + "/" + deployment.name();
				assertThat(stats.served()).as("calls served by %s", name).isPositive();
				assertThat(stats.peakRequests()).as("peak requests of %s", name).isLessThanOrEqualTo(deployment.rpm());
				assertThat(stats.peakTokens()).as("peak tokens of %s", name).isLessThanOrEqualTo(deployment.tpm());
				if (deployment.isShared()) {
					// the quota the other application used up is news to the router: one 429
					assertThat(stats.tooManyRequests()).as("429s of %s", name).isPositive();
				}
				else {
					assertThat(stats.tooManyRequests()).as("429s of %s", name).isZero();
					assertThat(stats.peakRouterRequests()).as("requests the router sent %s", name)
						.isLessThanOrEqualTo(deployment.rpm());
				}
			}
		}
		Deployment shared = this.router.group("gpt-4o", ModelMode.CHAT)
			.deployments()
			.stream()
			.filter((deployment) -> deployment.id().equals("azure-eu/gpt-4o"))
			.findFirst()
			.orElseThrow();
		assertThat(this.tally.of(shared).cooldowns()).isPositive();
		assertThat(this.tally.retriedCalls()).isPositive();
		assertThat(this.tally.fallbacks()).containsKey("gpt-4o -> gpt-4o-mini");
		assertThat(result.report().limitsRespected()).isTrue();
		assertThat(result.report().rows()).hasSize(7).allMatch(UsageReport.Row::limitRespected);
		assertThat(output).contains("limit respected", "azure-eu/gpt-4o *", "No deployment saw its limits exceeded.")
			.doesNotContain("demo-key-not-secret");
	}

}
