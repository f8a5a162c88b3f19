package io.github.airouter.routing;

import org.jspecify.annotations.Nullable;

/**
 * A stream broke one of its deployment's time limits: no first element within the stream
 * timeout, a silence between elements longer than the idle timeout, or more time in all than
 * the maximum duration.
 *
 * @author airouter
 */
public class StreamTimeoutException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message the message
	 * @param cause the timeout signalled, or {@code null}
	 */
	public StreamTimeoutException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
