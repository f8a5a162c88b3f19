package io.github.airouter.usage;

/**
 * A deployment's usage in the current 60-second window, reservations of calls in flight
 * included.
 *
 * @param requests the requests counted
 * @param tokens the tokens counted
 * @author airouter
 */
public record WindowUsage(long requests, long tokens) {

	/**
	 * Nothing used.
	 */
	public static final WindowUsage NONE = new WindowUsage(0, 0);

}
