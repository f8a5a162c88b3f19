package io.github.airouter.usage;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A deployment's cooldown as its {@link UsageStore} holds it: how long the deployment still
 * stays out of routing, and why. The reason travels with the cooldown, so that every instance
 * sharing a store can tell a deployment that is rate limited from one that fails or is
 * misconfigured.
 *
 * @param remaining the time left, {@link Duration#ZERO} when the deployment does not cool
 * down
 * @param reason why it cools down; {@code null} exactly when it does not
 * @author airouter
 */
public record Cooldown(Duration remaining, @Nullable Reason reason) {

	/**
	 * Not cooling down.
	 */
	public static final Cooldown NONE = new Cooldown(Duration.ZERO, null);

	public Cooldown {
		Objects.requireNonNull(remaining, "remaining must not be null");
		boolean running = !remaining.isNegative() && !remaining.isZero();
		if (running != (reason != null)) {
			throw new IllegalArgumentException(
					"A cooldown has a reason exactly when time remains, not " + remaining + " and " + reason);
		}
	}

	/**
	 * A cooldown with time left, or {@link #NONE}.
	 * @param remaining the time left; zero or negative for none
	 * @param reason why the deployment cools down
	 * @return the cooldown
	 */
	public static Cooldown of(Duration remaining, Reason reason) {
		Objects.requireNonNull(reason, "reason must not be null");
		return (remaining.isNegative() || remaining.isZero()) ? NONE : new Cooldown(remaining, reason);
	}

	/**
	 * Whether the deployment cools down.
	 * @return whether time remains
	 */
	public boolean isActive() {
		return this.reason != null;
	}

	/**
	 * Why a deployment was taken out of routing.
	 */
	public enum Reason {

		/** The provider said the deployment is at its quota (a 429). */
		RATE_LIMITED,

		/** The deployment failed repeatedly (server errors, timeouts, connection failures). */
		FAILURES,

		/**
		 * The deployment cannot serve calls as configured (a wrong key, endpoint or deployment
		 * name): waiting alone does not bring it back.
		 */
		MISCONFIGURED

	}

}
