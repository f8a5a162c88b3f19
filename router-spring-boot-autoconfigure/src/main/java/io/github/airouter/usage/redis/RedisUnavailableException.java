package io.github.airouter.usage.redis;

/**
 * Redis did not answer in time, failed, or answered what the script never answers; the store
 * falls back to memory.
 *
 * @author airouter
 */
class RedisUnavailableException extends RuntimeException {

	RedisUnavailableException(String message) {
		super(message);
	}

	RedisUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
