package io.github.airouter.proxy.api;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a request cannot be served as sent: malformed JSON, a missing or mistyped
 * field. Answered with a 400 {@code invalid_request_error}.
 */
class InvalidRequestException extends RuntimeException {

	private final @Nullable String param;

	private final @Nullable String code;

	InvalidRequestException(String message, @Nullable String param, @Nullable String code) {
		super(message);
		this.param = param;
		this.code = code;
	}

	OpenAiError error() {
		String message = getMessage();
		return OpenAiError.invalidRequest((message != null) ? message : "Invalid request.", this.param, this.code);
	}

}
