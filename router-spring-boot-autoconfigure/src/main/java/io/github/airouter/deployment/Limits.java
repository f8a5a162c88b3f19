package io.github.airouter.deployment;

import org.jspecify.annotations.Nullable;

/**
 * A deployment's budget over any 60-second window. An absent limit is unlimited.
 *
 * @param requestsPerMinute the rpm limit, or {@code null} for unlimited
 * @param tokensPerMinute the tpm limit, or {@code null} for unlimited
 * @author airouter
 */
public record Limits(@Nullable Long requestsPerMinute, @Nullable Long tokensPerMinute) {

	/**
	 * No limit at all.
	 */
	public static final Limits UNLIMITED = new Limits(null, null);

	public Limits {
		if (requestsPerMinute != null && requestsPerMinute <= 0) {
			throw new IllegalArgumentException("requestsPerMinute must be positive, was " + requestsPerMinute);
		}
		if (tokensPerMinute != null && tokensPerMinute <= 0) {
			throw new IllegalArgumentException("tokensPerMinute must be positive, was " + tokensPerMinute);
		}
	}

	/**
	 * The rpm limit, or {@link Long#MAX_VALUE} when unlimited.
	 * @return the effective rpm limit
	 */
	public long rpm() {
		return (this.requestsPerMinute != null) ? this.requestsPerMinute : Long.MAX_VALUE;
	}

	/**
	 * The tpm limit, or {@link Long#MAX_VALUE} when unlimited.
	 * @return the effective tpm limit
	 */
	public long tpm() {
		return (this.tokensPerMinute != null) ? this.tokensPerMinute : Long.MAX_VALUE;
	}

	@Override
	public String toString() {
		return "rpm=" + ((this.requestsPerMinute != null) ? this.requestsPerMinute : "unlimited") + " tpm="
				+ ((this.tokensPerMinute != null) ? this.tokensPerMinute : "unlimited");
	}

}
