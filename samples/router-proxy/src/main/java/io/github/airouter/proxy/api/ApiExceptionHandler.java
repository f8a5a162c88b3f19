package io.github.airouter.proxy.api;

import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers every failure of the {@code /v1} endpoints in OpenAI's error format, as
 * {@link ApiErrors} maps it.
 */
@RestControllerAdvice(basePackageClasses = ApiExceptionHandler.class)
class ApiExceptionHandler {

	private final ApiErrors errors;

	ApiExceptionHandler(ApiErrors errors) {
		this.errors = errors;
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<ObjectNode> handle(Exception ex) {
		return this.errors.of(ex).toResponseEntity();
	}

}
