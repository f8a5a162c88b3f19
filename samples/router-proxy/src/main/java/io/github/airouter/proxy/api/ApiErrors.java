package io.github.airouter.proxy.api;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponse;

import io.github.airouter.autoconfigure.RouterProperties;
import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.proxy.ProxyProperties;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.StreamTimeoutException;
import io.github.airouter.routing.UnknownModelException;

/**
 * What a failed call becomes for the client, in OpenAI's error format:
 * <ul>
 * <li>a malformed request: 400 {@code invalid_request_error}; a body over
 * {@code router.proxy.max-request-size}: 413 {@code request_too_large};</li>
 * <li>{@link UnknownModelException}: 404 {@code model_not_found};</li>
 * <li>{@link NoDeploymentAvailableException} (every deployment of the model is at its
 * limits or cooling down): 429 {@code rate_limit_exceeded} with {@code Retry-After} in
 * whole seconds, rounded up (none when no deployment could ever take the call);</li>
 * <li>a provider's error ({@link OpenAIServiceException}, after the router's retries): its
 * status, type, code and message, with secrets and URLs removed; but a provider's 401 or
 * 403 is the proxy's own credentials failing, so it becomes a 502 that says no more, and a
 * provider's 404 (Azure's {@code DeploymentNotFound}, OpenAI's {@code model_not_found})
 * is a deployment of a model the proxy knows missing upstream, so it becomes a 502 naming
 * that deployment by id;</li>
 * <li>a provider that cannot be reached: 502; one that takes too long: 504;</li>
 * <li>anything else: 500 with a generic message (logged).</li>
 * </ul>
 */
@Component
public class ApiErrors {

	private static final Log logger = LogFactory.getLog(ApiErrors.class);

	private static final String ENVIRONMENT_REFERENCE = "os.environ/";

	private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

	private final SecretRedactor redactor;

	private final FailedDeployments failedDeployments;

	@Autowired
	ApiErrors(ObjectProvider<RouterProperties> router, ProxyProperties proxy, Environment environment,
			FailedDeployments failedDeployments) {
		this(secrets(router.getIfAvailable(), proxy, environment), failedDeployments);
	}

	/**
	 * Errors whose messages never contain any of the given secrets.
	 * @param secrets provider and client keys
	 */
	ApiErrors(Collection<String> secrets) {
		this(secrets, new FailedDeployments());
	}

	/**
	 * Errors whose messages never contain any of the given secrets.
	 * @param secrets provider and client keys
	 * @param failedDeployments which deployment answered each provider's 404
	 */
	ApiErrors(Collection<String> secrets, FailedDeployments failedDeployments) {
		this.redactor = new SecretRedactor(secrets);
		this.failedDeployments = failedDeployments;
	}

	/** Every provider key of the model list, and the client keys. */
	private static List<String> secrets(@Nullable RouterProperties properties, ProxyProperties proxy,
			Environment environment) {
		List<String> secrets = new ArrayList<>(proxy.getKeys());
		if (properties != null) {
			for (ModelListEntry entry : properties.getModelList()) {
				String key = entry.getParams().getApiKey();
				if (key != null && key.startsWith(ENVIRONMENT_REFERENCE)) {
					key = environment.getProperty(key.substring(ENVIRONMENT_REFERENCE.length()));
				}
				if (key != null) {
					secrets.add(key);
				}
			}
		}
		return secrets;
	}

	/**
	 * The error a failure becomes.
	 * @param failure what the call failed with
	 * @return the error for the client
	 */
	public OpenAiError of(Throwable failure) {
		Throwable cause = unwrap(failure);
		if (cause instanceof InvalidRequestException invalid) {
			return invalid.error();
		}
		if (cause instanceof RequestTooLargeException tooLarge) {
			return tooLarge.error();
		}
		if (cause instanceof UnknownModelException unknown) {
			return new OpenAiError(HttpStatus.NOT_FOUND, unknown.getMessage() + ".", OpenAiError.INVALID_REQUEST,
					"model", "model_not_found", null);
		}
		if (cause instanceof NoDeploymentAvailableException unavailable
				&& unavailable.getCause() instanceof OpenAIServiceException provider) {
			// every deployment tried failed: answered as the last provider failure, as before the
			// router attached them all to one exception
			return provider(provider);
		}
		if (cause instanceof NoDeploymentAvailableException unavailable
				&& unavailable.getCause() instanceof RuntimeException last && !(last instanceof OpenAIServiceException)) {
			return of(last);
		}
		if (cause instanceof NoDeploymentAvailableException unavailable && unavailable.isEveryDeploymentMisconfigured()) {
			// not the client's rate: the operator's configuration; asking again will not help soon
			return new OpenAiError(HttpStatus.BAD_GATEWAY, unavailable.getMessage()
					+ ". The request is valid; the proxy's operator must fix those deployments in router.model-list.",
					"server_error", null, "upstream_deployment_misconfigured", null);
		}
		if (cause instanceof NoDeploymentAvailableException unavailable) {
			return new OpenAiError(HttpStatus.TOO_MANY_REQUESTS, unavailable.getMessage() + ".", "rate_limit_exceeded",
					null, "rate_limit_exceeded", unavailable.getRetryAfter().orElse(null));
		}
		if (cause instanceof OpenAIServiceException provider) {
			return provider(provider);
		}
		if (cause instanceof ErrorResponse response) {
			// Spring MVC's own: a body it cannot read, a media type it cannot produce, ...
			HttpStatus status = HttpStatus.resolve(response.getStatusCode().value());
			String detail = response.getBody().getDetail();
			return new OpenAiError((status != null) ? status : HttpStatus.BAD_REQUEST,
					(detail != null) ? detail : "The request cannot be served.",
					(status != null && status.is5xxServerError()) ? "server_error" : OpenAiError.INVALID_REQUEST, null,
					null, null);
		}
		if (cause instanceof StreamTimeoutException || isTimeout(cause)) {
			return new OpenAiError(HttpStatus.GATEWAY_TIMEOUT, "The model's deployments took too long to answer.",
					"timeout", null, "timeout", null);
		}
		if (cause instanceof OpenAIIoException) {
			return new OpenAiError(HttpStatus.BAD_GATEWAY, "The model's deployments could not be reached.",
					"server_error", null, "upstream_unreachable", null);
		}
		// the message may come from anywhere: redacted, and the stack trace only at DEBUG
		logger.error("Failed to serve a request: " + this.redactor.redact(cause.toString())
				+ (logger.isDebugEnabled() ? "" : " (stack trace at DEBUG level of " + ApiErrors.class.getName() + ")"));
		logger.debug("Failed to serve a request", cause);
		return new OpenAiError(HttpStatus.INTERNAL_SERVER_ERROR,
				"The proxy failed to serve the request; its log has the details.", "server_error", null, null, null);
	}

	private OpenAiError provider(OpenAIServiceException ex) {
		int status = ex.statusCode();
		if (status == 401 || status == 403) {
			return new OpenAiError(HttpStatus.BAD_GATEWAY, "A deployment refused the proxy's own credentials (HTTP "
					+ status + "): the proxy's operator must check that deployment's api-key.", "server_error", null,
					"upstream_authentication_failed", null);
		}
		if (status == 404) {
			return notFoundUpstream(ex);
		}
		HttpStatus resolved = HttpStatus.resolve(status);
		if (resolved == null || status < 400) {
			resolved = HttpStatus.BAD_GATEWAY;
		}
		String message = providerMessage(ex);
		message = (message != null) ? this.redactor.redact(message)
				: "The model's deployment answered HTTP " + status + ".";
		String type = token(ex::type).orElse(resolved.is5xxServerError() ? "server_error"
				: (status == 429) ? "rate_limit_exceeded" : OpenAiError.INVALID_REQUEST);
		String code = token(ex::code).orElse((status == 429) ? "rate_limit_exceeded" : null);
		return new OpenAiError(resolved, message, type, token(ex::param).orElse(null), code, retryAfter(ex));
	}

	/**
	 * A provider's 404 for a model the proxy knows: the request was valid, a deployment of
	 * the model list is missing upstream (a wrong Azure deployment or OpenAI model name).
	 */
	private OpenAiError notFoundUpstream(OpenAIServiceException ex) {
		Deployment deployment = this.failedDeployments.of(ex);
		String which = (deployment != null)
				? "Deployment '" + deployment.id() + "' of model '" + deployment.modelName() + "'"
				: "A deployment of the model";
		String code = token(ex::code).map((text) -> " " + text).orElse("");
		String message = providerMessage(ex);
		String answer = which + " does not exist at its provider (HTTP 404" + code
				+ ((message != null) ? ": " + this.redactor.redact(message) : "")
				+ "). The request is valid; the proxy's operator must fix that deployment in router.model-list.";
		logger.warn(answer);
		return new OpenAiError(HttpStatus.BAD_GATEWAY, answer, "server_error", null, "upstream_deployment_not_found",
				null);
	}

	/** The provider's {@code error.message} (OpenAI and Azure both put it there). */
	private static @Nullable String providerMessage(OpenAIServiceException ex) {
		try {
			Object body = ex.body().convert(Object.class);
			if (body instanceof Map<?, ?> map) {
				Object error = map.get("error");
				Object message = (error instanceof Map<?, ?> details) ? details.get("message") : map.get("message");
				if (message instanceof String text && !text.isBlank()) {
					return text;
				}
			}
		}
		catch (RuntimeException ex2) {
			// no readable body: a generic message
		}
		return null;
	}

	/** The provider's own wait: {@code retry-after-ms}, else {@code Retry-After} in seconds. */
	private static @Nullable Duration retryAfter(OpenAIServiceException ex) {
		try {
			List<String> millis = ex.headers().values("retry-after-ms");
			if (!millis.isEmpty()) {
				return Duration.ofMillis((long) Double.parseDouble(millis.get(0).strip()));
			}
			List<String> seconds = ex.headers().values("retry-after");
			if (!seconds.isEmpty()) {
				return Duration.ofMillis((long) (Double.parseDouble(seconds.get(0).strip()) * 1000));
			}
		}
		catch (RuntimeException ex2) {
			// an HTTP date or garbage: no header
		}
		return null;
	}

	/**
	 * A field of the provider's error when it is a plain token; Azure's errors lack some
	 * (the SDK then throws).
	 */
	private static Optional<String> token(Supplier<Optional<String>> field) {
		try {
			return field.get().filter((text) -> TOKEN.matcher(text).matches());
		}
		catch (RuntimeException ex) {
			return Optional.empty();
		}
	}

	private static boolean isTimeout(Throwable ex) {
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (current instanceof InterruptedIOException || current instanceof java.util.concurrent.TimeoutException) {
				return true;
			}
			if (current.getCause() == current) {
				break;
			}
		}
		return false;
	}

	static Throwable unwrap(Throwable failure) {
		Throwable current = Exceptions.unwrap(failure);
		while ((current instanceof CompletionException || current instanceof ExecutionException)
				&& current.getCause() != null) {
			current = Exceptions.unwrap(current.getCause());
		}
		return current;
	}

}
