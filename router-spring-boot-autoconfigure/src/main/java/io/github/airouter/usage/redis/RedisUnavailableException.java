package io.github.airouter.usage.redis;

/**
 * Redis did not answer in time, or failed; the store falls back to memory.
 *
 * @author airouter
 */
class RedisUnavailableException extends RuntimeException {

	RedisUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
