package io.github.airouter.routing;

/**
 * Tells the router what a provider's exception means: retry elsewhere, cool the deployment
 * down, fall back for a longer context, or surface to the caller unchanged.
 *
 * @author airouter
 */
@FunctionalInterface
public interface FailureClassifier {

	/**
	 * A classifier that retries nothing.
	 */
	FailureClassifier NONE = (ex) -> Failure.of(Failure.Kind.NOT_RETRYABLE);

	/**
	 * Classify an exception thrown (or signalled by a stream) by a deployment's client.
	 * @param exception the exception, already unwrapped from
	 * {@link java.util.concurrent.CompletionException} and the like
	 * @return what it means for routing
	 */
	Failure classify(Throwable exception);

}
