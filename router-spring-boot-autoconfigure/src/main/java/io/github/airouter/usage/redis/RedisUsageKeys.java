package io.github.airouter.usage.redis;

import io.github.airouter.deployment.Deployment;

/**
 * Every key the Redis usage store writes, built here and nowhere else. The keys of one model
 * group share a hash tag, the model name in braces ({@code router:{gpt-4o}:usage:<id>}), so
 * that the keys of one routing decision live in one Redis Cluster slot and the script may
 * touch them together. Keys hold deployment ids and numbers: nothing secret.
 *
 * @author airouter
 */
final class RedisUsageKeys {

	private final String prefix;

	/**
	 * Keys under a prefix.
	 * @param prefix the prefix of every key, e.g. {@code router:}
	 */
	RedisUsageKeys(String prefix) {
		this.prefix = prefix;
	}

	/**
	 * The hash of a deployment's window: one-second slots of requests and tokens.
	 * @param deployment the deployment
	 * @return {@code <prefix>{<model>}:usage:<deployment id>}
	 */
	String usage(Deployment deployment) {
		return group(deployment.modelName()) + ":usage:" + deployment.id();
	}

	/**
	 * The key that says until when a deployment cools down.
	 * @param deployment the deployment
	 * @return {@code <prefix>{<model>}:cooldown:<deployment id>}
	 */
	String cooldown(Deployment deployment) {
		return group(deployment.modelName()) + ":cooldown:" + deployment.id();
	}

	/**
	 * The sorted set of the application's instances, by last heartbeat; it belongs to no
	 * group, and every command on it touches it alone.
	 * @return {@code <prefix>instances}
	 */
	String instances() {
		return this.prefix + "instances";
	}

	/**
	 * The prefix of every key.
	 * @return the prefix
	 */
	String prefix() {
		return this.prefix;
	}

	/** The start of every key of a model group: the prefix and the group's hash tag. */
	private String group(String modelName) {
		return this.prefix + "{" + modelName + "}";
	}

}
