package io.github.airouter.chat;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import org.springframework.ai.tokenizer.TokenCountEstimator;

/**
 * Counts the tokens of a prompt's texts in time that does not grow with the prompt. Texts
 * of at most {@link #EXACT_BELOW_CHARS} characters in all are counted exactly; longer ones
 * are estimated from their length and the fewest characters per token seen among the last
 * {@link #SAMPLES} long prompts, which are counted exactly off the caller's thread (one in
 * {@link #SAMPLE_EVERY}, and the first one on it, before any is known).
 * <p>
 * <b>Error bound.</b> A prompt whose characters-per-token ratio is at least the lowest of
 * the samples is never under-estimated (one token is added per text, for where each text
 * begins afresh); it is over-estimated by at most the spread of the samples' ratios. A prompt denser than every sample (say the first text in Chinese after
 * English ones) is under-estimated by the ratio of the two until it is sampled. Either way
 * the reservation is replaced by the tokens the provider reports when the call ends, so the
 * window holds exact counts once calls are settled; at a tpm limit, a call in flight may be
 * counted as fewer tokens than it sends by that ratio, never more than one such call per
 * decision.
 *
 * @author airouter
 */
final class LearnedTokenCounter {

	/** Up to this many characters in all, texts are counted exactly: a few tens of microseconds. */
	static final int EXACT_BELOW_CHARS = 1_024;

	/** How many long prompts the ratio is learned from. */
	static final int SAMPLES = 32;

	/** One in how many long prompts is counted exactly, off the caller's thread. */
	static final int SAMPLE_EVERY = 16;

	private final TokenCountEstimator tokenizer;

	/** Characters and exact tokens of the last long prompts, in a ring; 0 chars: none yet. */
	private final long[] sampleChars = new long[SAMPLES];

	private final long[] sampleTokens = new long[SAMPLES];

	private int next;

	private volatile boolean learned;

	private final AtomicBoolean sampling = new AtomicBoolean();

	private final RandomGenerator random;

	private final Executor sampler;

	LearnedTokenCounter(TokenCountEstimator tokenizer) {
		this(tokenizer, null, ForkJoinPool.commonPool());
	}

	/**
	 * A counter drawing its samples from the given source and counting them on the given
	 * executor; for tests.
	 */
	LearnedTokenCounter(TokenCountEstimator tokenizer, @Nullable RandomGenerator random, Executor sampler) {
		this.tokenizer = tokenizer;
		this.random = (random != null) ? random : ThreadLocalRandom.current();
		this.sampler = sampler;
	}

	/**
	 * The tokens of the texts of one prompt.
	 * @param texts the texts, {@code null} ones skipped
	 * @return the count or estimate
	 */
	long count(List<String> texts) {
		long chars = 0;
		int pieces = 0;
		for (String text : texts) {
			if (text != null && !text.isEmpty()) {
				chars += text.length();
				pieces++;
			}
		}
		if (chars <= EXACT_BELOW_CHARS) {
			return exact(texts);
		}
		if (!this.learned) {
			long tokens = exact(texts);
			learn(chars, tokens);
			return tokens;
		}
		if (draw() == 0 && this.sampling.compareAndSet(false, true)) {
			long sampled = chars;
			this.sampler.execute(() -> {
				try {
					learn(sampled, exact(texts));
				}
				finally {
					this.sampling.set(false);
				}
			});
		}
		// a text that begins afresh can cost a token more than its share of a long one
		return estimate(chars) + pieces;
	}

	private int draw() {
		return (this.random instanceof ThreadLocalRandom) ? ThreadLocalRandom.current().nextInt(SAMPLE_EVERY)
				: this.random.nextInt(SAMPLE_EVERY);
	}

	private long exact(List<String> texts) {
		long tokens = 0;
		for (String text : texts) {
			if (text != null && !text.isEmpty()) {
				tokens += this.tokenizer.estimate(text);
			}
		}
		return tokens;
	}

	/** The tokens of {@code chars} characters at the densest ratio sampled, rounded up. */
	synchronized long estimate(long chars) {
		long bestChars = 0;
		long bestTokens = 0;
		for (int i = 0; i < SAMPLES; i++) {
			long c = this.sampleChars[i];
			long t = this.sampleTokens[i];
			// t / c > bestTokens / bestChars, without division
			if (c > 0 && (bestChars == 0 || t * bestChars > bestTokens * c)) {
				bestChars = c;
				bestTokens = t;
			}
		}
		try {
			return Math.addExact(Math.multiplyExact(chars, bestTokens), bestChars - 1) / bestChars;
		}
		catch (ArithmeticException ex) {
			return Long.MAX_VALUE;
		}
	}

	synchronized void learn(long chars, long tokens) {
		if (chars <= 0) {
			return;
		}
		this.sampleChars[this.next] = chars;
		this.sampleTokens[this.next] = Math.max(1, tokens);
		this.next = (this.next + 1) % SAMPLES;
		this.learned = true;
	}

}
