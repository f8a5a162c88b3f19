package io.github.airouter.samples.fake;

import java.util.ArrayList;
import java.util.List;

/**
 * Time-stamped requests and tokens, with the sums over a sliding 60-second window and the
 * largest sums any 60-second window ever held. An event at {@code t} counts while
 * {@code now - t < 60 s}. Thread-safe.
 */
public final class UsageLog {

	/** The length of the window rate limits are counted over. */
	public static final long WINDOW_MILLIS = 60_000;

	private final List<Event> events = new ArrayList<>();

	/**
	 * Record usage.
	 * @param atMillis when (a time before the last event's counts as the last event's)
	 * @param requests how many requests
	 * @param tokens how many tokens
	 */
	public synchronized void add(long atMillis, long requests, long tokens) {
		// callers read the clock before they get here: keep the log in time order
		long last = this.events.isEmpty() ? atMillis : this.events.get(this.events.size() - 1).atMillis();
		this.events.add(new Event(Math.max(atMillis, last), requests, tokens));
	}

	/**
	 * Requests in the window that ends now.
	 * @param nowMillis now
	 * @return the requests
	 */
	public synchronized long requests(long nowMillis) {
		long sum = 0;
		for (Event event : this.events) {
			sum += inWindow(event, nowMillis) ? event.requests() : 0;
		}
		return sum;
	}

	/**
	 * Tokens in the window that ends now.
	 * @param nowMillis now
	 * @return the tokens
	 */
	public synchronized long tokens(long nowMillis) {
		long sum = 0;
		for (Event event : this.events) {
			sum += inWindow(event, nowMillis) ? event.tokens() : 0;
		}
		return sum;
	}

	/**
	 * How long until {@code requests} more requests and {@code tokens} more tokens fit under
	 * the limits, as older usage leaves the window.
	 * @param nowMillis now
	 * @param rpm requests per minute
	 * @param tpm tokens per minute
	 * @param requests requests to fit
	 * @param tokens tokens to fit
	 * @return milliseconds, 0 if they fit now, -1 if they never fit
	 */
	public synchronized long millisUntilFits(long nowMillis, long rpm, long tpm, long requests, long tokens) {
		if (requests > rpm || tokens > tpm) {
			return -1;
		}
		long usedRequests = requests(nowMillis);
		long usedTokens = tokens(nowMillis);
		if (usedRequests + requests <= rpm && usedTokens + tokens <= tpm) {
			return 0;
		}
		// events are added in time order: the oldest in the window leave first
		for (Event event : this.events) {
			if (!inWindow(event, nowMillis)) {
				continue;
			}
			usedRequests -= event.requests();
			usedTokens -= event.tokens();
			if (usedRequests + requests <= rpm && usedTokens + tokens <= tpm) {
				return event.atMillis() + WINDOW_MILLIS - nowMillis;
			}
		}
		return -1;
	}

	/**
	 * The most requests any 60-second window held.
	 * @return the peak
	 */
	public synchronized long peakRequests() {
		return peak(true);
	}

	/**
	 * The most tokens any 60-second window held.
	 * @return the peak
	 */
	public synchronized long peakTokens() {
		return peak(false);
	}

	private long peak(boolean requests) {
		long peak = 0;
		long sum = 0;
		int oldest = 0;
		for (Event event : this.events) {
			sum += requests ? event.requests() : event.tokens();
			while (event.atMillis() - this.events.get(oldest).atMillis() >= WINDOW_MILLIS) {
				Event leaving = this.events.get(oldest++);
				sum -= requests ? leaving.requests() : leaving.tokens();
			}
			peak = Math.max(peak, sum);
		}
		return peak;
	}

	private static boolean inWindow(Event event, long nowMillis) {
		return nowMillis - event.atMillis() < WINDOW_MILLIS;
	}

	private record Event(long atMillis, long requests, long tokens) {
	}

}
