package io.github.airouter.routing;

/**
 * The tokens a call is expected to use before it is sent: what its prompt takes (counted, so
 * a deployment whose context window cannot hold it is skipped) and what its completion may
 * take. The router reserves the total against each deployment's tpm.
 *
 * @param promptTokens the prompt's tokens, or -1 when only the total is known
 * @param total all the tokens the call is expected to use
 * @author airouter
 */
public record TokenEstimate(long promptTokens, long total) {

	public TokenEstimate {
		if (total < 0) {
			throw new IllegalArgumentException("total must not be negative, was " + total);
		}
	}

	/**
	 * An estimate split into prompt and completion.
	 * @param promptTokens the prompt's tokens
	 * @param completionTokens the completion's expected tokens
	 * @return the estimate
	 */
	public static TokenEstimate of(long promptTokens, long completionTokens) {
		return new TokenEstimate(promptTokens, promptTokens + completionTokens);
	}

	/**
	 * An estimate known only as a total: no context window is checked.
	 * @param total the tokens
	 * @return the estimate
	 */
	public static TokenEstimate ofTotal(long total) {
		return new TokenEstimate(-1, Math.max(0, total));
	}

}
