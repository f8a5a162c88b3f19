package io.github.airouter.provider;

import org.jspecify.annotations.Nullable;

import okhttp3.Headers;

/**
 * What a provider's response headers say of a deployment's budget:
 * {@code x-ratelimit-remaining-requests} / {@code x-ratelimit-remaining-tokens} and their
 * {@code x-ratelimit-limit-*} companions (OpenAI and Azure OpenAI use the same names).
 *
 * @param remainingRequests requests left in the provider's current window, or {@code null}
 * @param remainingTokens tokens left in the provider's current window, or {@code null}
 * @param limitRequests the provider's request limit, or {@code null}
 * @param limitTokens the provider's token limit, or {@code null}
 * @author airouter
 */
public record ProviderRateLimits(@Nullable Long remainingRequests, @Nullable Long remainingTokens,
		@Nullable Long limitRequests, @Nullable Long limitTokens) {

	/**
	 * Read the rate-limit headers of a response.
	 * @param headers the response headers
	 * @return the limits, or {@code null} when the response carries no remaining count
	 */
	public static @Nullable ProviderRateLimits from(Headers headers) {
		Long requests = number(headers.get("x-ratelimit-remaining-requests"));
		Long tokens = number(headers.get("x-ratelimit-remaining-tokens"));
		if (requests == null && tokens == null) {
			return null;
		}
		return new ProviderRateLimits(requests, tokens, number(headers.get("x-ratelimit-limit-requests")),
				number(headers.get("x-ratelimit-limit-tokens")));
	}

	private static @Nullable Long number(@Nullable String value) {
		if (value == null) {
			return null;
		}
		try {
			long parsed = Long.parseLong(value.trim());
			return (parsed >= 0) ? parsed : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

}
