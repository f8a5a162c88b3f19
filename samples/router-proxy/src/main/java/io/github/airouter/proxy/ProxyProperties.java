package io.github.airouter.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the proxy, under {@code router.proxy}.
 */
@ConfigurationProperties("router.proxy")
public class ProxyProperties {

	/**
	 * Bearer keys a client must present on /v1/** ("Authorization: Bearer <key>"). None
	 * configured: the proxy refuses to start unless allow-anonymous is true.
	 */
	private List<String> keys = new ArrayList<>();

	/**
	 * Whether to serve /v1/** to anyone when no keys are configured. Only for a trusted
	 * network: anyone who reaches the port spends the deployments' quota.
	 */
	private boolean allowAnonymous;

	/**
	 * Whether /actuator/router, which the dashboard reads, requires a client key too (the
	 * dashboard then asks for one).
	 */
	private boolean dashboardRequiresKey = true;

	/**
	 * How long a streamed answer may take in all before the proxy ends it.
	 */
	private Duration streamTimeout = Duration.ofMinutes(10);

	/**
	 * Largest request body accepted; a larger one is answered 413 without being read.
	 */
	private DataSize maxRequestSize = DataSize.ofMegabytes(8);

	public List<String> getKeys() {
		return this.keys;
	}

	public void setKeys(List<String> keys) {
		this.keys = keys;
	}

	public boolean isAllowAnonymous() {
		return this.allowAnonymous;
	}

	public void setAllowAnonymous(boolean allowAnonymous) {
		this.allowAnonymous = allowAnonymous;
	}

	public boolean isDashboardRequiresKey() {
		return this.dashboardRequiresKey;
	}

	public void setDashboardRequiresKey(boolean dashboardRequiresKey) {
		this.dashboardRequiresKey = dashboardRequiresKey;
	}

	public Duration getStreamTimeout() {
		return this.streamTimeout;
	}

	public void setStreamTimeout(Duration streamTimeout) {
		this.streamTimeout = streamTimeout;
	}

	public DataSize getMaxRequestSize() {
		return this.maxRequestSize;
	}

	public void setMaxRequestSize(DataSize maxRequestSize) {
		this.maxRequestSize = maxRequestSize;
	}

}
