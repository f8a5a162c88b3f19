package io.github.airouter.proxy.api;

import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers every failure of the {@code /v1} endpoints in OpenAI's error format, as
 * {@link ApiErrors} maps it; unless the answer has begun (a stream whose client went away,
 * or whose time ran out), when nothing can be said any more.
 */
@RestControllerAdvice(basePackageClasses = ApiExceptionHandler.class)
class ApiExceptionHandler {

	private static final Log logger = LogFactory.getLog(ApiExceptionHandler.class);

	private final ApiErrors errors;

	ApiExceptionHandler(ApiErrors errors) {
		this.errors = errors;
	}

	@ExceptionHandler(Exception.class)
	@Nullable ResponseEntity<ObjectNode> handle(Exception ex, HttpServletResponse response) {
		if (response.isCommitted()) {
			// the stream has stopped its provider already
			if (logger.isDebugEnabled()) {
				logger.debug("A streamed answer ended early: " + ex.getClass().getName());
			}
			return null;
		}
		return this.errors.of(ex).toResponseEntity();
	}

}
