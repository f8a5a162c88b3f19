package io.github.airouter.usage;

/**
 * A deployment's usage in the current 60-second window, reservations of calls in flight
 * included.
 *
 * @param requests the requests counted
 * @param tokens the tokens counted
 * @param pendingTokens the part of {@code tokens} that is still an estimate: reserved by
 * calls not yet settled (a call that outlives its window slot takes its estimate out of the
 * window with the slot); zero once every call is settled
 * @author airouter
 */
public record WindowUsage(long requests, long tokens, long pendingTokens) {

	/**
	 * Nothing used.
	 */
	public static final WindowUsage NONE = new WindowUsage(0, 0, 0);

	/**
	 * Usage with nothing pending: every call counted has been settled.
	 * @param requests the requests counted
	 * @param tokens the tokens counted
	 */
	public WindowUsage(long requests, long tokens) {
		this(requests, tokens, 0);
	}

}
