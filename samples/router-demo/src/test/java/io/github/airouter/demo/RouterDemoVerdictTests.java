package io.github.airouter.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's verdict can say no: configured with more than a fake allows (azure-us/gpt-4o at
 * rpm 40 against the fake's 30) and without the provider headers that would correct it, the
 * router sends that fake more than it allows, and the demo must say so and exit with 1.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest
@ActiveProfiles("overlimit")
class RouterDemoVerdictTests {

	@Autowired
	private DemoBurst burst;

	@Test
	void aDeploymentSentMoreThanItsProviderAllowsFailsTheVerdict(CapturedOutput output) {
		assertThat(this.burst.getExitCode()).isEqualTo(1);
		assertThat(output.getOut()).doesNotContain("No deployment saw its limits exceeded.")
			.containsPattern("azure-us/gpt-4o\\s.*\\s3[1-9] / 30\\s.*\\sNO");
	}

}
