package io.github.airouter.routing;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * Thrown when a call ends without an answer: no deployment of the requested model (or of its
 * fallbacks) could take it now, because every one is at its rpm or tpm limit for the
 * current 60-second window, cooling down, or too small for it, or because every attempt the
 * router could make failed. The router never sends a call it knows would exceed a limit. When
 * attempts failed, the last provider failure is the {@link #getCause() cause} and the earlier
 * ones are {@link #getSuppressed() suppressed}. A caller's own error (a 400), a content
 * filter's refusal and an interrupt are not turned into this exception.
 * <p>
 * {@link #getRetryAfter()} says when the first deployment can take the call; an HTTP
 * front end can map it to {@code 429 Too Many Requests} with a {@code Retry-After} header.
 *
 * @author airouter
 */
public class NoDeploymentAvailableException extends RuntimeException {

	private final String modelName;

	private final @Nullable Duration retryAfter;

	private final boolean misconfigured;

	private final String reason;

	/**
	 * Create an exception.
	 * @param modelName the model requested
	 * @param retryAfter when capacity frees up, or {@code null} if no deployment can ever
	 * take the call
	 * @param reason why no deployment could take it
	 */
	public NoDeploymentAvailableException(String modelName, @Nullable Duration retryAfter, String reason) {
		this(modelName, retryAfter, reason, false);
	}

	/**
	 * Create an exception.
	 * @param modelName the model requested
	 * @param retryAfter when capacity frees up, or {@code null} if no deployment can ever
	 * take the call
	 * @param reason why no deployment could take it
	 * @param misconfigured whether every deployment of the model is out because it is
	 * misconfigured
	 */
	public NoDeploymentAvailableException(String modelName, @Nullable Duration retryAfter, String reason,
			boolean misconfigured) {
		super(message(modelName, retryAfter, reason));
		this.modelName = modelName;
		this.retryAfter = retryAfter;
		this.misconfigured = misconfigured;
		this.reason = reason;
	}

	private static String message(String modelName, @Nullable Duration retryAfter, String reason) {
		String message = "No deployment of model '" + modelName + "' can take this call: " + reason;
		if (retryAfter != null) {
			message += "; capacity frees up in "
					+ String.format(Locale.ROOT, "%.1f s", retryAfter.toMillis() / 1000.0);
		}
		return message;
	}

	/**
	 * The model the call asked for.
	 * @return the model name
	 */
	public String getModelName() {
		return this.modelName;
	}

	/**
	 * Why no deployment could take the call, without the model's name.
	 * @return the reason, e.g. {@code all 2 deployments are cooling down after failures}
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * Whether no deployment could take the call because every one of them is misconfigured
	 * (it answered 401, 403 or 404 and cools down): an operator must fix a key, a role
	 * assignment or a deployment name; {@link #getRetryAfter()} is then only when the router
	 * will try them again.
	 * @return whether every deployment is misconfigured
	 */
	public boolean isEveryDeploymentMisconfigured() {
		return this.misconfigured;
	}

	/**
	 * How long until a deployment of the model can take the call.
	 * @return the wait, or empty if no deployment can ever take it
	 */
	public Optional<Duration> getRetryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

}
