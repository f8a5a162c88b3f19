package io.github.airouter.routing;

/**
 * A stream delivered no element within its deployment's stream timeout.
 *
 * @author airouter
 */
public class StreamTimeoutException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message the message
	 * @param cause the timeout signalled
	 */
	public StreamTimeoutException(String message, Throwable cause) {
		super(message, cause);
	}

}
