package io.github.airouter.provider;

import java.util.function.Supplier;

import org.springframework.util.Assert;

/**
 * How a deployment's client authenticates: with an API key (Azure's {@code api-key} header,
 * OpenAI's bearer key), or with access tokens asked for per request (Microsoft Entra ID, for
 * an Azure deployment without a key). Neither prints its secret.
 *
 * @author airouter
 */
public sealed interface ClientCredential permits ClientCredential.ApiKey, ClientCredential.AccessTokens {

	/**
	 * An API key.
	 * @param key the key
	 * @return the credential
	 */
	static ClientCredential apiKey(String key) {
		return new ApiKey(key);
	}

	/**
	 * Access tokens, sent as {@code Authorization: Bearer}.
	 * @param tokens gives the token for each request: quick, from a cache, except when the
	 * cached token is stale; throws {@link AccessTokenUnavailableException} when there is none
	 * @return the credential
	 */
	static ClientCredential accessTokens(Supplier<String> tokens) {
		return new AccessTokens(tokens);
	}

	/**
	 * An API key.
	 *
	 * @param key the key
	 */
	record ApiKey(String key) implements ClientCredential {

		public ApiKey {
			Assert.hasText(key, "key must not be empty");
		}

		@Override
		public String toString() {
			return "ApiKey[(redacted)]";
		}

	}

	/**
	 * Access tokens asked for per request.
	 *
	 * @param tokens gives the token for a request
	 */
	record AccessTokens(Supplier<String> tokens) implements ClientCredential {

		@Override
		public String toString() {
			return "AccessTokens";
		}

	}

}
