package io.github.airouter.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tokenizer.TokenCountEstimator;
import org.springframework.ai.content.MediaContent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A long prompt's tokens are estimated without tokenizing it once the counter has learned
 * from an exact count, and never below the exact count for text as dense as what it
 * learned from.
 */
class LearnedTokenCounterTests {

	private final JTokkitTokenCountEstimator jtokkit = new JTokkitTokenCountEstimator();

	/** Counts the tokenizer's calls on the caller's thread. */
	private final AtomicInteger tokenized = new AtomicInteger();

	private final TokenCountEstimator counting = new TokenCountEstimator() {

		@Override
		public int estimate(String text) {
			LearnedTokenCounterTests.this.tokenized.incrementAndGet();
			return LearnedTokenCounterTests.this.jtokkit.estimate(text);
		}

		@Override
		public int estimate(MediaContent content) {
			throw new UnsupportedOperationException();
		}

		@Override
		public int estimate(Iterable<MediaContent> messages) {
			throw new UnsupportedOperationException();
		}

	};

	/** Samples run on the caller's thread, when the draw says so. */
	private final List<Runnable> samples = new ArrayList<>();

	private final LearnedTokenCounter counter = new LearnedTokenCounter(this.counting, new Random(1),
			this.samples::add);

	private static String english(int words) {
		StringBuilder text = new StringBuilder();
		String[] vocabulary = { "the", "router", "spreads", "calls", "over", "deployments", "of", "a", "model",
				"and", "counts", "tokens", "in", "every", "window" };
		for (int i = 0; i < words; i++) {
			text.append(vocabulary[(i * 7) % vocabulary.length]).append(' ');
		}
		return text.toString();
	}

	@Test
	void aShortPromptIsCountedExactly() {
		String text = english(100);
		assertThat(text.length()).isLessThanOrEqualTo(LearnedTokenCounter.EXACT_BELOW_CHARS);
		assertThat(this.counter.count(List.of(text))).isEqualTo(this.jtokkit.estimate(text));
	}

	@Test
	void theFirstLongPromptIsCountedExactlyAndLaterOnesWithoutTokenizing() {
		String first = english(20_000);
		long exact = this.jtokkit.estimate(first);
		assertThat(this.counter.count(List.of(first))).isEqualTo(exact);
		this.tokenized.set(0);
		// a tool loop's next round: the same history and one more message, no tokenizing
		String next = english(2_000);
		long estimate = this.counter.count(List.of(first, next));
		assertThat(this.tokenized).hasValue(0);
		long exactBoth = exact + this.jtokkit.estimate(next);
		// as dense as what it learned from: never below the exact count, and close to it
		assertThat(estimate).isGreaterThanOrEqualTo(exactBoth).isLessThanOrEqualTo(exactBoth + exactBoth / 50);
	}

	@Test
	void aDenserPromptIsEstimatedFromTheDensestSampleOnceSampled() {
		this.counter.count(List.of(english(20_000)));
		// digits tokenize far denser than English words
		String digits = "4 8 15 16 23 42 ".repeat(3_000);
		long exact = this.jtokkit.estimate(digits);
		long before = this.counter.count(List.of(digits));
		// denser than every sample: under-estimated until it is sampled
		assertThat(before).isLessThan(exact);
		while (this.samples.isEmpty()) {
			this.counter.count(List.of(digits));
		}
		this.samples.forEach(Runnable::run);
		// sampled: the exact count, and the token a text that begins afresh may cost
		assertThat(this.counter.count(List.of(digits))).isEqualTo(exact + 1);
		// English is now over-estimated, never under
		String text = english(20_000);
		assertThat(this.counter.count(List.of(text))).isGreaterThan(this.jtokkit.estimate(text));
	}

}
