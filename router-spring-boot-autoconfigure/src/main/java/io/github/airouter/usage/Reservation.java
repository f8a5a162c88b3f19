package io.github.airouter.usage;

import java.util.concurrent.atomic.AtomicBoolean;

import io.github.airouter.deployment.Deployment;

/**
 * Capacity held on one deployment for one call: one request and an estimate of its tokens,
 * counted in the window slot where it was made. A reservation is settled exactly once,
 * either {@link UsageStore#reconcile reconciled} with the tokens the provider reported or
 * {@link UsageStore#release released}.
 *
 * @author airouter
 */
public final class Reservation {

	private final Deployment deployment;

	private final long tokens;

	private final long slot;

	private final AtomicBoolean settled = new AtomicBoolean();

	/**
	 * Create a reservation; called by {@link UsageStore} implementations.
	 * @param deployment the deployment admitted
	 * @param tokens the tokens reserved
	 * @param slot the store's identifier of the window slot that holds the reservation
	 */
	public Reservation(Deployment deployment, long tokens, long slot) {
		this.deployment = deployment;
		this.tokens = tokens;
		this.slot = slot;
	}

	/**
	 * The deployment the call was admitted to.
	 * @return the deployment
	 */
	public Deployment deployment() {
		return this.deployment;
	}

	/**
	 * The tokens reserved (the estimate made before the call).
	 * @return the tokens
	 */
	public long tokens() {
		return this.tokens;
	}

	/**
	 * The window slot that holds the reservation, in the store's own terms.
	 * @return the slot
	 */
	public long slot() {
		return this.slot;
	}

	/**
	 * Mark the reservation settled; for {@link UsageStore} implementations, which apply a
	 * reconciliation or release only when this returns {@code true}.
	 * @return {@code true} the first time only
	 */
	public boolean markSettled() {
		return this.settled.compareAndSet(false, true);
	}

	/**
	 * Whether the reservation has been reconciled or released.
	 * @return whether it is settled
	 */
	public boolean isSettled() {
		return this.settled.get();
	}

	@Override
	public String toString() {
		return "Reservation[" + this.deployment.id() + ", " + this.tokens + " tokens]";
	}

}
