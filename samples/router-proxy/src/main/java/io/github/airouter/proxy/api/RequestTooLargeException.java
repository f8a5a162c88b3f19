package io.github.airouter.proxy.api;

import org.springframework.http.HttpStatus;

/**
 * Thrown when a request's body is larger than {@code router.proxy.max-request-size}, as
 * its {@code Content-Length} declares or as far as it was read. Answered with a 413
 * {@code invalid_request_error}.
 */
class RequestTooLargeException extends RuntimeException {

	RequestTooLargeException(long limit) {
		super("The request body is larger than this proxy accepts (" + limit + " bytes, router.proxy.max-request-size). "
				+ "Send a smaller request.");
	}

	OpenAiError error() {
		String message = getMessage();
		return new OpenAiError(HttpStatus.CONTENT_TOO_LARGE, (message != null) ? message : "Request too large.",
				OpenAiError.INVALID_REQUEST, null, "request_too_large", null);
	}

}
