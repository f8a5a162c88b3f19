package io.github.airouter.provider;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.openai.core.http.Headers;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import org.jspecify.annotations.Nullable;

import io.github.airouter.routing.Failure;
import io.github.airouter.routing.Failure.Kind;
import io.github.airouter.routing.FailureClassifier;
import io.github.airouter.routing.StreamTimeoutException;

/**
 * Classifies the exceptions of the OpenAI Java SDK, which Spring AI's OpenAI and Azure
 * OpenAI clients throw (bare from {@code call()}, wrapped in a
 * {@link java.util.concurrent.CompletionException} from {@code stream()}, which the router
 * unwraps):
 * <ul>
 * <li>429: rate limited, with the wait from {@code retry-after-ms}, else {@code Retry-After}
 * (seconds or an HTTP date);</li>
 * <li>408 and timeouts: timeout; 5xx and unreadable answers: server error; I/O failures:
 * connection;</li>
 * <li>401, 403, 404, and the codes {@code DeploymentNotFound} and {@code model_not_found}:
 * the deployment is misconfigured (the router chose its key, endpoint and deployment name,
 * so the caller cannot be at fault);</li>
 * <li>400 with code {@code content_filter} (Azure's content filter refused the prompt):
 * content filtered, with the categories it found;</li>
 * <li>400 with code {@code context_length_exceeded} (or a message saying the prompt exceeds
 * the context length): context window exceeded;</li>
 * <li>an error event inside a stream that began with 200: rate limited or context window
 * exceeded when its code says so, else server error;</li>
 * <li>no Microsoft Entra ID access token for a keyless Azure deployment
 * ({@link AccessTokenUnavailableException}: its credential failed and no cached token is
 * valid): the deployment is misconfigured. The request never left, so its tokens are given
 * back; it is retried on another deployment, and this one cools down for the misconfigured
 * cooldown rather than being asked, call after call, for a token its credential cannot give
 * (azure-identity has already retried a managed identity endpoint's transient errors, and a
 * refresh that fails while the cached token is valid never reaches the router).</li>
 * <li>any other 4xx, and anything else: not retryable, surfaced to the caller unchanged.</li>
 * </ul>
 *
 * @author airouter
 */
public class OpenAiFailureClassifier implements FailureClassifier {

	private final Clock clock;

	/**
	 * Create a classifier on the system clock (for Retry-After dates).
	 */
	public OpenAiFailureClassifier() {
		this(Clock.systemUTC());
	}

	/**
	 * Create a classifier.
	 * @param clock the clock Retry-After dates are measured from
	 */
	public OpenAiFailureClassifier(Clock clock) {
		this.clock = clock;
	}

	@Override
	public Failure classify(Throwable exception) {
		if (isAccessTokenUnavailable(exception)) {
			return Failure.of(Kind.MISCONFIGURED);
		}
		if (exception instanceof OpenAIServiceException service) {
			return classify(service);
		}
		if (exception instanceof StreamTimeoutException) {
			return Failure.of(Kind.TIMEOUT);
		}
		if (exception instanceof OpenAIIoException io) {
			return Failure.of(isTimeout(io) ? Kind.TIMEOUT : Kind.CONNECTION);
		}
		if (exception instanceof OpenAIInvalidDataException) {
			return Failure.of(Kind.SERVER_ERROR);
		}
		if (exception instanceof InterruptedIOException) {
			return Failure.of(Kind.TIMEOUT);
		}
		if (exception instanceof ConnectException || exception instanceof UnknownHostException) {
			return Failure.of(Kind.CONNECTION);
		}
		return Failure.of(Kind.NOT_RETRYABLE);
	}

	private Failure classify(OpenAIServiceException exception) {
		int status = exception.statusCode();
		if (status < 400) {
			// an error event inside a stream that began with 200
			String kind = (exception.code().orElse("") + " " + exception.type().orElse("")).toLowerCase(Locale.ROOT);
			if (kind.contains("rate_limit")) {
				return Failure.of(Kind.RATE_LIMITED);
			}
			if (isContextWindowExceeded(exception)) {
				return Failure.of(Kind.CONTEXT_WINDOW_EXCEEDED);
			}
			return Failure.of(Kind.SERVER_ERROR);
		}
		if (status == 429) {
			return new Failure(Kind.RATE_LIMITED, retryAfter(exception.headers()), status);
		}
		if (status == 401 || status == 403 || status == 404 || isDeploymentMissing(exception)) {
			// the router chose the key, the endpoint and the deployment: the deployment is wrong
			return Failure.of(Kind.MISCONFIGURED, status);
		}
		if (status == 408) {
			return Failure.of(Kind.TIMEOUT, status);
		}
		Map<String, String> filtered = contentFilter(exception);
		if (filtered != null) {
			return new Failure(Kind.CONTENT_FILTERED, null, status, filtered);
		}
		if (status >= 500) {
			return Failure.of(Kind.SERVER_ERROR, status);
		}
		if (isContextWindowExceeded(exception)) {
			return Failure.of(Kind.CONTEXT_WINDOW_EXCEEDED, status);
		}
		return Failure.of(Kind.NOT_RETRYABLE, status);
	}

	/** The credential gave no token: thrown bare, or wrapped by the SDK or an executor. */
	private static boolean isAccessTokenUnavailable(Throwable exception) {
		int depth = 0;
		for (Throwable cause = exception; cause != null && depth < 8; cause = cause.getCause(), depth++) {
			if (cause instanceof AccessTokenUnavailableException) {
				return true;
			}
			if (cause instanceof OpenAIServiceException) {
				return false;
			}
		}
		return false;
	}

	/**
	 * What Azure's content filter found, when it refused the prompt (code
	 * {@code content_filter}, inner code {@code ResponsibleAIPolicyViolation}): each category
	 * it filtered with its severity, each detection filter that fired as {@code detected};
	 * {@code null} when the failure is no content filter's.
	 */
	static @Nullable Map<String, String> contentFilter(OpenAIServiceException exception) {
		Map<?, ?> error = errorObject(exception);
		Object inner = (error != null) ? error.get("innererror") : null;
		Map<?, ?> innerError = (inner instanceof Map<?, ?> map) ? map : null;
		boolean filtered = "content_filter".equalsIgnoreCase(exception.code().orElse(""))
				|| (innerError != null && "ResponsibleAIPolicyViolation".equals(innerError.get("code")));
		if (!filtered) {
			return null;
		}
		Map<String, String> categories = new TreeMap<>();
		Object results = (innerError != null) ? innerError.get("content_filter_result") : null;
		if (results instanceof Map<?, ?> byCategory) {
			byCategory.forEach((category, result) -> {
				if (result instanceof Map<?, ?> verdict) {
					if (Boolean.TRUE.equals(verdict.get("filtered"))) {
						Object severity = verdict.get("severity");
						categories.put(String.valueOf(category), (severity != null) ? String.valueOf(severity) : "filtered");
					}
					else if (Boolean.TRUE.equals(verdict.get("detected"))) {
						categories.put(String.valueOf(category), "detected");
					}
				}
			});
		}
		return categories;
	}

	private static @Nullable Map<?, ?> errorObject(OpenAIServiceException exception) {
		try {
			Object body = exception.body().convert(Object.class);
			if (body instanceof Map<?, ?> map) {
				Object error = map.get("error");
				return (error instanceof Map<?, ?> inner) ? inner : map;
			}
		}
		catch (RuntimeException ex) {
			// an answer that is no JSON object carries no content filter result
		}
		return null;
	}

	/** Azure's DeploymentNotFound and OpenAI's model_not_found, whatever status carries them. */
	private static boolean isDeploymentMissing(OpenAIServiceException exception) {
		String code = exception.code().orElse("");
		return "DeploymentNotFound".equalsIgnoreCase(code) || "model_not_found".equalsIgnoreCase(code);
	}

	private static boolean isContextWindowExceeded(OpenAIServiceException exception) {
		if (exception.statusCode() != 400 && exception.statusCode() >= 300) {
			return false;
		}
		if ("context_length_exceeded".equals(exception.code().orElse(null))) {
			return true;
		}
		String message = String.valueOf(exception.getMessage()).toLowerCase(Locale.ROOT);
		return message.contains("context_length_exceeded") || message.contains("maximum context length")
				|| message.contains("context window");
	}

	private static boolean isTimeout(OpenAIIoException exception) {
		for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
			if (cause instanceof InterruptedIOException) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	/**
	 * The wait a 429 asks for: {@code retry-after-ms} (milliseconds), else
	 * {@code Retry-After} as seconds or as an HTTP date.
	 */
	@Nullable Duration retryAfter(Headers headers) {
		String millis = first(headers, "retry-after-ms");
		if (millis != null) {
			try {
				return Duration.ofMillis(Math.round(Double.parseDouble(millis.trim())));
			}
			catch (NumberFormatException ex) {
				// fall through to Retry-After
			}
		}
		String value = first(headers, "retry-after");
		if (value == null) {
			return null;
		}
		try {
			return Duration.ofMillis(Math.round(Double.parseDouble(value.trim()) * 1000));
		}
		catch (NumberFormatException ex) {
			// an HTTP date
		}
		try {
			Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
			Duration wait = Duration.between(this.clock.instant(), at);
			return wait.isNegative() ? Duration.ZERO : wait;
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

	private static @Nullable String first(Headers headers, String name) {
		List<String> values = headers.values(name);
		if (values.isEmpty()) {
			for (String candidate : headers.names()) {
				if (candidate.equalsIgnoreCase(name)) {
					values = headers.values(candidate);
					break;
				}
			}
		}
		return values.isEmpty() ? null : values.get(0);
	}

}
