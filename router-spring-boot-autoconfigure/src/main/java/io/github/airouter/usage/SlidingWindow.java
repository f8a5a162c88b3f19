package io.github.airouter.usage;

/**
 * Requests and tokens of one deployment over the last 60 seconds, in one-second slots.
 * <p>
 * Each slot also holds the tokens its calls reserved and have not settled yet (estimates the
 * provider has not confirmed). They leave the window with their slot: a reservation never
 * settled (its settlement lost, or its call outliving the store) stops counting as pending
 * when its slot leaves, so what is settled is always known to within the last 61 seconds.
 * <p>
 * Accuracy: an admission made during second {@code s} is counted until second
 * {@code s + 61} begins, that is for between 60 and 61 seconds. Every true 60-second window
 * is therefore covered: the limits are never exceeded, and capacity comes back at most one
 * second later than an exact log of timestamps would give it. Memory is constant: 61 slots
 * of three counters.
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

	/** Per slot, the part of its tokens reserved by calls not yet settled; at most its tokens. */
	private final long[] pending = new long[SLOTS];

	private long totalRequests;

	private long totalTokens;

	private long totalPending;

	/** The second the newest slot holds. */
	private long current = Long.MIN_VALUE / 2;

	private static int slot(long second) {
		return (int) Math.floorMod(second, SLOTS);
	}

	/**
	 * Move the window to {@code nowSecond}, dropping the slots that leave it, with their
	 * pending tokens. A clock that goes back leaves the window where it is.
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
			this.totalPending -= this.pending[slot];
			this.requests[slot] = 0;
			this.tokens[slot] = 0;
			this.pending[slot] = 0;
		}
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

	/**
	 * Count an admitted call's reservation, pending in the current slot until it is settled.
	 */
	long reserve(long tokenCount) {
		this.pending[slot(this.current)] += tokenCount;
		this.totalPending += tokenCount;
		return add(1, tokenCount);
	}

	/**
	 * Settle a reservation of {@code reserved} tokens made in the slot of {@code second}: it is
	 * no longer pending, and {@code delta} tokens are added to the slot (negative to take
	 * some back; the slot never goes below what stays pending in it). Nothing changes once the
	 * slot has left the window: its tokens and its pending tokens left with it.
	 */
	void settle(long second, long reserved, long delta) {
		if (second > this.current || second <= this.current - SLOTS) {
			return;
		}
		int slot = slot(second);
		long settled = Math.min(reserved, this.pending[slot]);
		this.pending[slot] -= settled;
		this.totalPending -= settled;
		long applied = Math.max(delta, this.pending[slot] - this.tokens[slot]);
		this.tokens[slot] += applied;
		this.totalTokens += applied;
	}

	/** Tokens in the window that are settled (reported by providers), not estimates. */
	long settledTokens() {
		return this.totalTokens - this.totalPending;
	}

	long pendingTokens() {
		return this.totalPending;
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
