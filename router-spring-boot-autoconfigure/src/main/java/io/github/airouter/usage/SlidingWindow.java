package io.github.airouter.usage;

/**
 * Requests and tokens of one deployment over the last 60 seconds, in one-second slots.
 * <p>
 * Accuracy: an admission made during second {@code s} is counted until second
 * {@code s + 61} begins, that is for between 60 and 61 seconds. Every true 60-second window
 * is therefore covered: the limits are never exceeded, and capacity comes back at most one
 * second later than an exact log of timestamps would give it. Memory is constant: 61 slots
 * of two counters.
 * <p>
 * Not thread-safe: the owning store serialises access.
 *
 * @author airouter
 */
final class SlidingWindow {

	/** Slots kept: the 60 seconds of the window plus the current, partial one. */
	static final int SLOTS = 61;

	private final long[] requests = new long[SLOTS];

	private final long[] tokens = new long[SLOTS];

	private long totalRequests;

	private long totalTokens;

	/**
	 * Tokens reserved by calls not yet settled: estimates the provider has not confirmed;
	 * at most the window's tokens.
	 */
	private long pendingTokens;

	/** The second the newest slot holds. */
	private long current = Long.MIN_VALUE / 2;

	private static int slot(long second) {
		return (int) Math.floorMod(second, SLOTS);
	}

	/**
	 * Move the window to {@code nowSecond}, dropping the slots that leave it. A clock that
	 * goes back leaves the window where it is. Pending tokens are part of the window's tokens,
	 * so they never exceed them: the estimates of calls that outlive their slot leave with it.
	 */
	void advance(long nowSecond) {
		if (nowSecond <= this.current) {
			return;
		}
		long steps = Math.min(nowSecond - this.current, SLOTS);
		for (long second = nowSecond - steps + 1; second <= nowSecond; second++) {
			int slot = slot(second);
			this.totalRequests -= this.requests[slot];
			this.totalTokens -= this.tokens[slot];
			this.requests[slot] = 0;
			this.tokens[slot] = 0;
		}
		this.pendingTokens = Math.min(this.pendingTokens, this.totalTokens);
		this.current = nowSecond;
	}

	/** Count a reservation in the current slot; returns the slot's second. */
	long add(long requestCount, long tokenCount) {
		int slot = slot(this.current);
		this.requests[slot] += requestCount;
		this.tokens[slot] += tokenCount;
		this.totalRequests += requestCount;
		this.totalTokens += tokenCount;
		return this.current;
	}

	/** Count an admitted call's reservation, which stays pending until it is settled. */
	long reserve(long tokenCount) {
		this.pendingTokens += tokenCount;
		return add(1, tokenCount);
	}

	/**
	 * A reservation of {@code tokenCount} tokens was settled, whether or not its slot is still
	 * in the window: once every reservation is settled nothing is pending.
	 */
	void settled(long tokenCount) {
		this.pendingTokens = Math.max(0, this.pendingTokens - tokenCount);
	}

	/** Tokens in the window that are settled (reported by providers), not estimates. */
	long settledTokens() {
		return Math.max(0, this.totalTokens - this.pendingTokens);
	}

	/**
	 * Change the tokens counted in the slot of {@code second}, if it is still in the window;
	 * a slot never goes below zero.
	 */
	void adjustTokens(long second, long delta) {
		if (second > this.current || second <= this.current - SLOTS) {
			return;
		}
		int slot = slot(second);
		long applied = Math.max(delta, -this.tokens[slot]);
		this.tokens[slot] += applied;
		this.totalTokens += applied;
	}

	long pendingTokens() {
		return this.pendingTokens;
	}

	long requests() {
		return this.totalRequests;
	}

	long tokens() {
		return this.totalTokens;
	}

	boolean fits(long rpm, long tpm, long requestCount, long tokenCount) {
		return this.totalRequests + requestCount <= rpm && tokenCount <= tpm - this.totalTokens;
	}

	/**
	 * Milliseconds from {@code nowMillis} until a call of {@code tokenCount} tokens fits, or
	 * {@code -1} if it never can (it is larger than the limit itself).
	 */
	long millisUntilFits(long nowMillis, long rpm, long tpm, long requestCount, long tokenCount) {
		if (requestCount > rpm || tokenCount > tpm) {
			return -1;
		}
		long excessRequests = this.totalRequests + requestCount - rpm;
		long excessTokens = tokenCount - (tpm - this.totalTokens);
		if (excessRequests <= 0 && excessTokens <= 0) {
			return 0;
		}
		long freedRequests = 0;
		long freedTokens = 0;
		for (long second = this.current - SLOTS + 1; second <= this.current; second++) {
			int slot = slot(second);
			freedRequests += this.requests[slot];
			freedTokens += this.tokens[slot];
			if (freedRequests >= excessRequests && freedTokens >= excessTokens) {
				long expiresAt = (second + SLOTS) * 1000;
				return Math.max(0, expiresAt - nowMillis);
			}
		}
		return -1;
	}

}
