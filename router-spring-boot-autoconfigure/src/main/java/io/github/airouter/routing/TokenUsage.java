package io.github.airouter.routing;

/**
 * Tokens a provider reported for a call.
 *
 * @param promptTokens prompt (input) tokens, or -1 when only the total is known
 * @param completionTokens completion (output) tokens, or -1 when only the total is known
 * @param total all tokens of the call
 * @author airouter
 */
public record TokenUsage(long promptTokens, long completionTokens, long total) {

	/**
	 * Usage split into prompt and completion tokens.
	 * @param promptTokens prompt tokens
	 * @param completionTokens completion tokens
	 * @return the usage
	 */
	public static TokenUsage of(long promptTokens, long completionTokens) {
		return new TokenUsage(promptTokens, completionTokens, promptTokens + completionTokens);
	}

	/**
	 * Usage known only as a total.
	 * @param total all tokens
	 * @return the usage
	 */
	public static TokenUsage ofTotal(long total) {
		return new TokenUsage(-1, -1, total);
	}

	/**
	 * Whether the split into prompt and completion tokens is known.
	 * @return whether it is
	 */
	public boolean isSplit() {
		return this.promptTokens >= 0 && this.completionTokens >= 0;
	}

}
