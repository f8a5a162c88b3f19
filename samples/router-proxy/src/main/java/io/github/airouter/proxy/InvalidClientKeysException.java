package io.github.airouter.proxy;

/**
 * Thrown at start-up when {@code router.proxy.keys} cannot protect the proxy: no key and
 * no explicit {@code router.proxy.allow-anonymous=true}, or a blank key.
 * {@link InvalidClientKeysFailureAnalyzer} turns it into a start-up report.
 */
public class InvalidClientKeysException extends IllegalStateException {

	private final String action;

	/**
	 * Create an exception.
	 * @param description what is wrong
	 * @param action how to fix it
	 */
	public InvalidClientKeysException(String description, String action) {
		super(description);
		this.action = action;
	}

	/**
	 * How to fix the configuration.
	 * @return the action
	 */
	public String getAction() {
		return this.action;
	}

}
