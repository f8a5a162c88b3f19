package io.github.airouter.provider;

import org.jspecify.annotations.Nullable;

/**
 * No access token could be had for a deployment: its credential failed (a token endpoint that
 * is down or refuses, no managed identity on this host, a wrong client secret, ...) and no
 * cached token is still valid. The request was never sent. The message names the deployment
 * and the credential, never a token; the cause is the credential's own failure.
 *
 * @author airouter
 */
public class AccessTokenUnavailableException extends RuntimeException {

	/**
	 * Create an exception.
	 * @param message what failed, naming the credential
	 * @param cause the credential's failure, or {@code null}
	 */
	public AccessTokenUnavailableException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
