package io.github.airouter.provider;

import io.github.airouter.deployment.Deployment;

/**
 * Hears the rate-limit headers of every response from a deployment.
 *
 * @author airouter
 */
@FunctionalInterface
public interface ProviderRateLimitsListener {

	/**
	 * A response from the deployment carried rate-limit headers. Called on the HTTP client's
	 * thread: must be quick and must not throw.
	 * @param deployment the deployment
	 * @param limits what the headers say
	 */
	void onRateLimits(Deployment deployment, ProviderRateLimits limits);

}
