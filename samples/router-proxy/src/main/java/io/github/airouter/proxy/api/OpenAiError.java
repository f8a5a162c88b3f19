package io.github.airouter.proxy.api;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * An error as OpenAI reports it: an HTTP status and
 * {@code {"error": {"message", "type", "param", "code"}}}, with {@code Retry-After} when
 * waiting helps.
 *
 * @param status the HTTP status
 * @param message what went wrong, for a person; never a key
 * @param type the error's type, e.g. {@code invalid_request_error}
 * @param param the request parameter at fault, or {@code null}
 * @param code a machine-readable code, e.g. {@code model_not_found}, or {@code null}
 * @param retryAfter how long to wait before trying again, or {@code null}
 */
public record OpenAiError(HttpStatus status, String message, String type, @Nullable String param,
		@Nullable String code, @Nullable Duration retryAfter) {

	/** The type of an error that is the request's fault. */
	public static final String INVALID_REQUEST = "invalid_request_error";

	/**
	 * A 400 for a request that cannot be served as sent.
	 * @param message what is wrong
	 * @param param the parameter at fault, or {@code null}
	 * @param code a code, or {@code null}
	 * @return the error
	 */
	public static OpenAiError invalidRequest(String message, @Nullable String param, @Nullable String code) {
		return new OpenAiError(HttpStatus.BAD_REQUEST, message, INVALID_REQUEST, param, code, null);
	}

	/**
	 * A 401 for a request without one of the proxy's client keys.
	 * @param message what is wrong
	 * @return the error
	 */
	public static OpenAiError invalidApiKey(String message) {
		return new OpenAiError(HttpStatus.UNAUTHORIZED, message, INVALID_REQUEST, null, "invalid_api_key", null);
	}

	/**
	 * The JSON body: {@code {"error": {...}}}.
	 * @return the body
	 */
	public ObjectNode body() {
		ObjectNode root = JsonNodeFactory.instance.objectNode();
		ObjectNode error = root.putObject("error");
		error.put("message", this.message);
		error.put("type", this.type);
		error.put("param", this.param);
		error.put("code", this.code);
		return root;
	}

	/**
	 * The {@code Retry-After} header's value: whole seconds, rounded up.
	 * @return the seconds, or {@code null} when there is no header to send
	 */
	public @Nullable String retryAfterSeconds() {
		if (this.retryAfter == null) {
			return null;
		}
		long millis = Math.max(0, this.retryAfter.toMillis());
		return Long.toString(Math.max(1, (millis + 999) / 1000));
	}

	/**
	 * The error as a response.
	 * @return status, headers and body
	 */
	public ResponseEntity<ObjectNode> toResponseEntity() {
		// JSON whatever the request accepts (a client that streams may accept only text/event-stream)
		ResponseEntity.BodyBuilder response = ResponseEntity.status(this.status).contentType(MediaType.APPLICATION_JSON);
		String seconds = retryAfterSeconds();
		if (seconds != null) {
			response.header(HttpHeaders.RETRY_AFTER, seconds);
		}
		return response.body(body());
	}

}
