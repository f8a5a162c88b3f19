package io.github.airouter.samples.fake;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.github.airouter.samples.fake.FakeDeployment.Decision;
import io.github.airouter.samples.fake.FakeDeployment.Stats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fake deployment's own limits, on a clock the tests move: what it admits and refuses over
 * a sliding minute, the wait it asks for, the application sharing its quota, and the log of
 * every call it received.
 */
class FakeDeploymentTests {

	private static final long START = 1_700_000_000_000L;

	private final AtomicLong now = new AtomicLong(START);

	private FakeDeployment chat(long rpm, long tpm) {
		return FakeDeployment.chat("gpt-4o-test", "gpt-4o-2024-08-06", rpm, tpm).withClock(this.now::get);
	}

	/** Move the clock to {@code millis} after the start. */
	private void at(long millis) {
		this.now.set(START + millis);
	}

	@Test
	void requestsPerMinuteAreCountedOverASlidingMinute() {
		FakeDeployment deployment = chat(3, 1_000_000);
		at(0);
		assertThat(deployment.admit(10, 5)).isEqualTo(new Decision(true, 2, 999_985, 0));
		at(20_000);
		assertThat(deployment.admit(10, 5).accepted()).isTrue();
		at(40_000);
		assertThat(deployment.admit(10, 5).remainingRequests()).isZero();
		// a millisecond before the first call leaves the window: refused, asked to wait that millisecond
		at(59_999);
		assertThat(deployment.admit(10, 5)).isEqualTo(new Decision(false, 0, 999_955, 1));
		at(60_000);
		assertThat(deployment.admit(10, 5).accepted()).isTrue();
		at(60_001);
		assertThat(deployment.admit(10, 5)).isEqualTo(new Decision(false, 0, 999_955, 19_999));
		Stats stats = deployment.stats();
		assertThat(stats.served()).isEqualTo(4);
		assertThat(stats.tooManyRequests()).isEqualTo(2);
		assertThat(stats.peakRequests()).isEqualTo(3);
	}

	@Test
	void tokensPerMinuteAreCountedOverASlidingMinute() {
		FakeDeployment deployment = chat(100, 100);
		at(0);
		assertThat(deployment.admit(40, 20).remainingTokens()).isEqualTo(40);
		at(30_000);
		// exactly the limit: admitted
		assertThat(deployment.admit(30, 10)).isEqualTo(new Decision(true, 98, 0, 0));
		at(45_000);
		// the 60 tokens of the first call free up at 60 s
		assertThat(deployment.admit(1, 0)).isEqualTo(new Decision(false, 98, 0, 15_000));
		at(60_000);
		assertThat(deployment.admit(50, 10)).isEqualTo(new Decision(true, 98, 0, 0));
		Stats stats = deployment.stats();
		assertThat(stats.served()).isEqualTo(3);
		assertThat(stats.tooManyRequests()).isEqualTo(1);
		assertThat(stats.promptTokens()).isEqualTo(120);
		assertThat(stats.completionTokens()).isEqualTo(40);
		assertThat(stats.peakTokens()).isEqualTo(100);
	}

	@Test
	void aRefusedCallDoesNotCount() {
		FakeDeployment deployment = chat(1, 1_000);
		at(0);
		assertThat(deployment.admit(10, 5).accepted()).isTrue();
		at(1_000);
		assertThat(deployment.admit(10, 5).accepted()).isFalse();
		// had the refused call counted, the window would be full until 61 s
		at(60_000);
		assertThat(deployment.admit(10, 5).accepted()).isTrue();
		assertThat(deployment.stats().peakRequests()).isEqualTo(1);
	}

	@Test
	void aCallLargerThanTheTokenLimitNeverFits() {
		FakeDeployment deployment = chat(10, 100);
		at(0);
		assertThat(deployment.admit(80, 30)).isEqualTo(new Decision(false, 10, 100, -1));
		assertThat(deployment.stats().tooManyRequests()).isEqualTo(1);
	}

	@Test
	void theApplicationSharingTheQuotaUsesTheRestOfTheMinuteAfterTheRoutersNthCall() {
		FakeDeployment deployment = chat(10, 1_000).sharedWithAnotherApplication(2);
		assertThat(deployment.isShared()).isTrue();
		at(0);
		assertThat(deployment.admit(20, 10).accepted()).isTrue();
		assertThat(deployment.stats().neighbourRequests()).isZero();
		at(1_000);
		// the answer to the 2nd call cannot tell: the other application comes after it
		assertThat(deployment.admit(20, 10)).isEqualTo(new Decision(true, 8, 940, 0));
		Stats afterSecond = deployment.stats();
		assertThat(afterSecond.neighbourRequests()).isEqualTo(8);
		// 60 tokens a request: 480 of the 940 left
		assertThat(afterSecond.neighbourTokens()).isEqualTo(480);
		at(2_000);
		// full until the router's first call leaves the window
		assertThat(deployment.admit(20, 10)).isEqualTo(new Decision(false, 0, 460, 58_000));
		Stats stats = deployment.stats();
		assertThat(stats.served()).isEqualTo(2);
		assertThat(stats.tooManyRequests()).isEqualTo(1);
		assertThat(stats.peakRequests()).isEqualTo(10);
		assertThat(stats.peakTokens()).isEqualTo(540);
		// the router sent 3 calls and 90 tokens: within the limits it knows
		assertThat(stats.peakRouterRequests()).isEqualTo(3);
		assertThat(stats.peakRouterTokens()).isEqualTo(90);
	}

	@Test
	void theApplicationSharingTheQuotaTakesNoMoreTokensThanAreLeft() {
		FakeDeployment deployment = chat(10, 200).sharedWithAnotherApplication(1);
		at(0);
		assertThat(deployment.admit(20, 10).accepted()).isTrue();
		assertThat(deployment.stats().neighbourRequests()).isEqualTo(9);
		assertThat(deployment.stats().neighbourTokens()).isEqualTo(170);
		assertThat(deployment.stats().peakTokens()).isEqualTo(200);
	}

	@Test
	void theLogOfReceivedCallsHoldsRefusedOnesWithTheirTokens() {
		FakeDeployment deployment = chat(2, 1_000);
		at(0);
		deployment.admit(20, 10);
		at(30_000);
		deployment.admit(20, 10);
		at(59_999);
		assertThat(deployment.admit(20, 10).accepted()).isFalse();
		at(60_000);
		// the call at 0 has left every window that holds this one
		assertThat(deployment.admit(20, 10).accepted()).isTrue();
		Stats stats = deployment.stats();
		assertThat(stats.served()).isEqualTo(3);
		assertThat(stats.tooManyRequests()).isEqualTo(1);
		assertThat(stats.peakRequests()).isEqualTo(2);
		assertThat(stats.peakTokens()).isEqualTo(60);
		assertThat(stats.peakRouterRequests()).isEqualTo(3);
		assertThat(stats.peakRouterTokens()).isEqualTo(90);
	}

}
