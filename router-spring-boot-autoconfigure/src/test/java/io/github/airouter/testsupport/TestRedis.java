package io.github.airouter.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.usage.redis.RedisUsageStore;

/**
 * A real Redis for tests: the redis-server that {@code embedded-redis} ships, on a free
 * loopback port, unless {@code ROUTER_TEST_REDIS_URL} (e.g. {@code redis://localhost:6379})
 * names another server. Only an embedded server can be stopped and restarted.
 */
public final class TestRedis implements AutoCloseable {

	/** Environment variable naming an external Redis for the tests. */
	public static final String URL_VARIABLE = "ROUTER_TEST_REDIS_URL";

	private final String host;

	private final int port;

	private final RedisServer server;

	private TestRedis(String host, int port, RedisServer server) {
		this.host = host;
		this.port = port;
		this.server = server;
	}

	/** The external Redis if configured, else an embedded one. */
	public static TestRedis start() {
		String url = System.getenv(URL_VARIABLE);
		if (url != null && !url.isBlank()) {
			URI uri = URI.create(url);
			return new TestRedis(uri.getHost(), (uri.getPort() > 0) ? uri.getPort() : 6379, null);
		}
		return embedded();
	}

	/** Always an embedded Redis, which tests may stop and restart. */
	public static TestRedis embedded() {
		int port = freePort();
		try {
			RedisServer server = RedisServer.newRedisServer()
				.port(port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			server.start();
			return new TestRedis("127.0.0.1", port, server);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start the embedded Redis", ex);
		}
	}

	/** A port nothing listens on, for a Redis that is down from the start. */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	public boolean isEmbedded() {
		return this.server != null;
	}

	/** A started Lettuce connection factory on this Redis, as Boot would build it. */
	public LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(this.host, this.port),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(5)).build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/**
	 * Settings of a Redis usage store for tests, spelled out (the defaults live in the
	 * configuration properties only): a 5 s command timeout, so that a loaded machine never
	 * pushes decisions into the memory fallback; 2 min TTL; 1/N fallback share; a heartbeat
	 * every hour, so heartbeats stay out of what tests count; a probe every second.
	 * @param keyPrefix the prefix of every key
	 * @return the settings, on Redis {@code TIME}
	 */
	public static RedisUsageStore.Settings storeSettings(String keyPrefix) {
		return new RedisUsageStore.Settings(keyPrefix, Duration.ofSeconds(5), Duration.ofMinutes(2), null,
				Duration.ofHours(1), Duration.ofSeconds(1));
	}

	/** Run commands on a connection of the test's own. */
	public <T> T commands(java.util.function.Function<RedisCommands<String, String>, T> work) {
		RedisClient client = RedisClient.create("redis://" + this.host + ":" + this.port);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return work.apply(connection.sync());
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		}
	}

	public void flushAll() {
		commands(RedisCommands::flushall);
	}

	public void stop() {
		requireEmbedded();
		try {
			this.server.stop();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public void restart() {
		requireEmbedded();
		try {
			this.server.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void requireEmbedded() {
		if (this.server == null) {
			throw new IllegalStateException("Only an embedded Redis can be stopped and restarted");
		}
	}

	@Override
	public void close() {
		if (this.server != null && this.server.isActive()) {
			stop();
		}
	}

}
