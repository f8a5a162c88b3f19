package io.github.airouter.routing;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Listener dispatch: every listener hears every event in order, and a failing one is logged
 * at WARN once a minute per listener and event, never passed on.
 */
@ExtendWith(OutputCaptureExtension.class)
class RoutingListenersTests {

	private final Deployment deployment = Deployment.of("a", "gpt-4o", Limits.UNLIMITED);

	@Test
	void aFailingListenerIsWarnedAboutOnceAMinutePerEventAndTheOthersStillHear(CapturedOutput output) {
		List<String> heard = new ArrayList<>();
		RoutingListener failing = new RoutingListener() {

			@Override
			public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
				throw new IllegalStateException("metrics backend down");
			}

			@Override
			public void onAdmitted(Deployment deployment, long decisionNanos) {
				throw new IllegalStateException("metrics backend down");
			}

		};
		RoutingListener recording = new RoutingListener() {

			@Override
			public void onSuccess(Deployment deployment, long latencyNanos, @Nullable TokenUsage usage) {
				heard.add("success " + latencyNanos);
			}

		};
		RoutingListeners listeners = new RoutingListeners(List.of(failing, recording));
		for (int i = 1; i <= 5; i++) {
			listeners.onSuccess(this.deployment, i, null);
		}
		listeners.onAdmitted(this.deployment, 1);
		assertThat(heard).containsExactly("success 1", "success 2", "success 3", "success 4", "success 5");
		String warning = "failed in onSuccess; the call goes on unaffected";
		assertThat(output.getOut().split(warning, -1)).hasSize(2);
		assertThat(output.getOut()).contains("failed in onAdmitted; the call goes on unaffected")
			.contains("java.lang.IllegalStateException: metrics backend down");
	}

}
