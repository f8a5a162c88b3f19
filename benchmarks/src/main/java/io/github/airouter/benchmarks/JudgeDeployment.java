package io.github.airouter.benchmarks;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A fake deployment that enforces its own rpm and tpm over an exact sliding 60-second window,
 * as a provider does, and answers 429 beyond them. Its counters are the judge of every
 * balancer in the simulation.
 */
final class JudgeDeployment {

	private final String id;

	private final long rpm;

	private final long tpm;

	private final Clock clock;

	private final Deque<long[]> log = new ArrayDeque<>();

	private long tokensInWindow;

	long served;

	long rateLimited;

	long peakRequests;

	long peakTokens;

	double peakPercent;

	JudgeDeployment(String id, long rpm, long tpm, Clock clock) {
		this.id = id;
		this.rpm = rpm;
		this.tpm = tpm;
		this.clock = clock;
	}

	String id() {
		return this.id;
	}

	long rpm() {
		return this.rpm;
	}

	long tpm() {
		return this.tpm;
	}

	/** Serve a call of {@code tokens} tokens, or throw a 429. */
	synchronized void serve(long tokens) {
		long now = this.clock.millis();
		expire(now);
		if (this.log.size() + 1 > this.rpm || this.tokensInWindow + tokens > this.tpm) {
			this.rateLimited++;
			throw new RateLimited(this.id);
		}
		this.log.addLast(new long[] { now, tokens });
		this.tokensInWindow += tokens;
		this.served++;
		this.peakRequests = Math.max(this.peakRequests, this.log.size());
		this.peakTokens = Math.max(this.peakTokens, this.tokensInWindow);
		this.peakPercent = Math.max(this.peakPercent,
				100.0 * Math.max(this.log.size() / (double) this.rpm, this.tokensInWindow / (double) this.tpm));
	}

	/** The larger of the shares of rpm and tpm used in the trailing 60 seconds, in percent. */
	synchronized double percentOfLimit() {
		expire(this.clock.millis());
		return 100.0 * Math.max(this.log.size() / (double) this.rpm, this.tokensInWindow / (double) this.tpm);
	}

	private void expire(long now) {
		while (!this.log.isEmpty() && this.log.peekFirst()[0] <= now - 60_000) {
			this.tokensInWindow -= this.log.removeFirst()[1];
		}
	}

	/** The provider's 429. */
	static final class RateLimited extends RuntimeException {

		RateLimited(String id) {
			super("429 from " + id, null, false, false);
		}

	}

}
