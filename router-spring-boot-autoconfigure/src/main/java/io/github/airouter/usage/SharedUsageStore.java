package io.github.airouter.usage;

/**
 * A {@link UsageStore} shared by every instance of an application through a server (Redis),
 * which routes from this instance's memory, within its share of every limit, while that
 * server is unavailable. Operations (metrics, the actuator) read its state through this
 * type.
 *
 * @author airouter
 */
public interface SharedUsageStore extends UsageStore {

	/**
	 * Whether decisions currently go to the shared server.
	 * @return {@code false} during an outage
	 */
	boolean isAvailable();

	/**
	 * Routing decisions made from memory because the server was unavailable, since
	 * start-up.
	 * @return the count
	 */
	long getFallbackDecisions();

	/**
	 * Instances of the application last seen through the server (this one included).
	 * @return the count, 0 before the first heartbeat
	 */
	int getLiveInstances();

	/**
	 * The share of each limit this instance uses while the server is unavailable.
	 * @return the share, in (0, 1]
	 */
	double getFallbackShare();

	/**
	 * Settlements that never reached the server (it was unavailable, or the queue was
	 * full); their estimates expire with the window.
	 * @return the count
	 */
	long getDroppedSettlements();

}
