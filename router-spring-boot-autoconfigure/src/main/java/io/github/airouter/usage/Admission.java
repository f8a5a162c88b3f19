package io.github.airouter.usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of asking a {@link UsageStore} for capacity: a {@link Reservation} on one
 * deployment, or a refusal that says why and when capacity frees up.
 *
 * @author airouter
 */
public final class Admission {

	private final @Nullable Reservation reservation;

	private final @Nullable Duration retryAfter;

	private final String reason;

	private final boolean misconfigured;

	private Admission(@Nullable Reservation reservation, @Nullable Duration retryAfter, String reason) {
		this(reservation, retryAfter, reason, false);
	}

	private Admission(@Nullable Reservation reservation, @Nullable Duration retryAfter, String reason,
			boolean misconfigured) {
		this.reservation = reservation;
		this.retryAfter = retryAfter;
		this.reason = reason;
		this.misconfigured = misconfigured;
	}

	/**
	 * A call admitted.
	 * @param reservation the capacity held for it
	 * @return the admission
	 */
	public static Admission admitted(Reservation reservation) {
		return new Admission(Objects.requireNonNull(reservation), null, "admitted");
	}

	/**
	 * A call refused.
	 * @param retryAfter when the first deployment could take it, or {@code null} when none
	 * ever could (the call is larger than every limit)
	 * @param reason why, for the caller
	 * @return the admission
	 */
	public static Admission rejected(@Nullable Duration retryAfter, String reason) {
		return new Admission(null, retryAfter, reason);
	}

	/**
	 * A call refused because every deployment of the group was excluded.
	 * @return the admission
	 */
	public static Admission allExcluded() {
		return rejected(null, "every deployment was excluded");
	}

	/**
	 * A call refused because it is larger than every deployment's tpm limit.
	 * @param tokens the call's estimated tokens
	 * @return the admission
	 */
	public static Admission tooLarge(long tokens) {
		return rejected(null, "the call's estimated " + tokens + " tokens exceed the tpm limit of every deployment");
	}

	/**
	 * A call refused because every deployment considered is at its limits or cooling down.
	 * @param deployments how many deployments were considered
	 * @param cooling how many of them are cooling down
	 * @param retryAfter when the first could take the call
	 * @return the admission
	 */
	public static Admission unavailable(int deployments, int cooling, Duration retryAfter) {
		return unavailable(deployments, cooling, 0, retryAfter);
	}

	/**
	 * A call refused because every deployment considered is at its limits or cooling down,
	 * some of them because they are misconfigured.
	 * @param deployments how many deployments were considered
	 * @param cooling how many of them are cooling down, the misconfigured ones included
	 * @param misconfigured how many of those cool down because they are misconfigured
	 * @param retryAfter when the first could take the call
	 * @return the admission
	 */
	public static Admission unavailable(int deployments, int cooling, int misconfigured, Duration retryAfter) {
		if (misconfigured == deployments) {
			return new Admission(null, retryAfter, "all " + deployments + " deployments are misconfigured (they "
					+ "answered 401, 403 or 404: a wrong key, a missing role assignment or a deployment that does not "
					+ "exist)", true);
		}
		if (misconfigured > 0) {
			int atLimits = deployments - cooling;
			int failing = cooling - misconfigured;
			List<String> parts = new ArrayList<>();
			if (atLimits > 0) {
				parts.add(atLimits + " at the rpm or tpm limit of the current 60 s window");
			}
			if (failing > 0) {
				parts.add(failing + " cooling down after failures");
			}
			parts.add(misconfigured + " misconfigured (they answered 401, 403 or 404)");
			return rejected(retryAfter, "of " + deployments + " deployments, " + String.join(", ", parts));
		}
		if (cooling == 0) {
			return atLimits(deployments, retryAfter);
		}
		if (cooling == deployments) {
			return rejected(retryAfter, "all " + deployments + " deployments are cooling down after failures");
		}
		int atLimits = deployments - cooling;
		return rejected(retryAfter, atLimits + ((atLimits == 1) ? " deployment is" : " deployments are")
				+ " at the rpm or tpm limit of the current 60 s window and " + cooling
				+ ((cooling == 1) ? " is" : " are") + " cooling down after failures");
	}

	/**
	 * A call refused because every deployment considered is at its limits.
	 * @param deployments how many deployments were considered
	 * @param retryAfter when the first could take the call
	 * @return the admission
	 */
	public static Admission atLimits(int deployments, Duration retryAfter) {
		return rejected(retryAfter,
				"all " + deployments + " deployments are at their rpm or tpm limit in the current 60 s window");
	}

	/**
	 * Whether the call was admitted.
	 * @return whether a reservation was made
	 */
	public boolean isAdmitted() {
		return this.reservation != null;
	}

	/**
	 * The reservation of an admitted call.
	 * @return the reservation
	 * @throws IllegalStateException if the call was refused
	 */
	public Reservation reservation() {
		if (this.reservation == null) {
			throw new IllegalStateException("Call was not admitted: " + this.reason);
		}
		return this.reservation;
	}

	/**
	 * How long until a refused call could be admitted.
	 * @return the wait, empty when admitted or when no deployment could ever take the call
	 */
	public Optional<Duration> retryAfter() {
		return Optional.ofNullable(this.retryAfter);
	}

	/**
	 * Whether the call was refused because every deployment considered is misconfigured:
	 * waiting for capacity will not help, someone must fix a key, a role or a deployment.
	 * @return whether it was
	 */
	public boolean isEveryDeploymentMisconfigured() {
		return this.misconfigured;
	}

	/**
	 * Why a call was refused.
	 * @return the reason
	 */
	public String reason() {
		return this.reason;
	}

}
