package io.github.airouter.usage.redis;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * The usage Lua script ({@code META-INF/scripts/router-usage.lua}), loaded once and run with
 * EVALSHA over the application's {@link RedisConnectionFactory}; reloaded when Redis
 * answers NOSCRIPT (after a restart or SCRIPT FLUSH).
 * <p>
 * With Lettuce (Boot's default client) every command is bounded by this store's own short
 * timeout, whatever the connection factory's timeout is, so a dead Redis costs a caller at
 * most that timeout. Other clients run through Spring's synchronous API and their own
 * timeout.
 *
 * @author airouter
 */
final class UsageScript {

	/** Where the script lives on the classpath. */
	static final String LOCATION = "META-INF/scripts/router-usage.lua";

	private static final boolean lettucePresent = ClassUtils.isPresent("io.lettuce.core.RedisFuture",
			UsageScript.class.getClassLoader());

	private final RedisConnectionFactory connectionFactory;

	private final byte[] script;

	private final String sha;

	private final long timeoutNanos;

	UsageScript(RedisConnectionFactory connectionFactory, Duration timeout) {
		this.connectionFactory = connectionFactory;
		this.script = load();
		this.sha = sha1(this.script);
		this.timeoutNanos = timeout.toNanos();
	}

	private static byte[] load() {
		try (InputStream in = UsageScript.class.getClassLoader().getResourceAsStream(LOCATION)) {
			if (in == null) {
				throw new IllegalStateException("Missing " + LOCATION);
			}
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + LOCATION, ex);
		}
	}

	private static String sha1(byte[] content) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Run the script, returning a list (admit, usage) or a number (settle, beat).
	 * @throws RedisUnavailableException if Redis did not answer in time or failed
	 */
	@Nullable Object run(boolean multi, byte[][] keys, byte[][] args) {
		RedisConnection connection;
		try {
			connection = this.connectionFactory.getConnection();
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException("cannot connect: " + ex.getMessage(), ex);
		}
		try {
			Object nativeConnection = connection.getNativeConnection();
			if (lettucePresent && nativeConnection instanceof RedisClusterAsyncCommands<?, ?>) {
				@SuppressWarnings("unchecked")
				RedisClusterAsyncCommands<byte[], byte[]> async = (RedisClusterAsyncCommands<byte[], byte[]>) nativeConnection;
				return runAsync(async, multi, keys, args);
			}
			return runSync(connection, multi, keys, args);
		}
		catch (RedisUnavailableException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException(ex.getMessage(), ex);
		}
		finally {
			connection.close();
		}
	}

	/**
	 * Start the script without waiting for its answer; for settlements, which go off the
	 * caller's path and are awaited together (one pipeline).
	 */
	@Nullable RedisFuture<Object> start(RedisConnection connection, byte[][] keys, byte[][] args) {
		Object nativeConnection = connection.getNativeConnection();
		if (lettucePresent && nativeConnection instanceof RedisClusterAsyncCommands<?, ?>) {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> async = (RedisClusterAsyncCommands<byte[], byte[]>) nativeConnection;
			return async.evalsha(this.sha, ScriptOutputType.INTEGER, keys, args);
		}
		runSync(connection, false, keys, args);
		return null;
	}

	/** Load the script; used when probing a Redis that came back. */
	void load(RedisConnection connection) {
		Object nativeConnection = connection.getNativeConnection();
		if (lettucePresent && nativeConnection instanceof RedisClusterAsyncCommands<?, ?>) {
			@SuppressWarnings("unchecked")
			RedisClusterAsyncCommands<byte[], byte[]> async = (RedisClusterAsyncCommands<byte[], byte[]>) nativeConnection;
			await(async.scriptLoad(this.script));
		}
		else {
			connection.scriptingCommands().scriptLoad(this.script);
		}
	}

	/**
	 * Ask a Lettuce factory to replace a broken shared connection now, instead of waiting for
	 * Lettuce's reconnect backoff (up to 30 s): Redis is used again as soon as it answers.
	 */
	void revalidate() {
		if (this.connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.getShareNativeConnection()) {
			lettuce.validateConnection();
		}
	}

	RedisConnection connection() {
		try {
			return this.connectionFactory.getConnection();
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException("cannot connect: " + ex.getMessage(), ex);
		}
	}

	private @Nullable Object runAsync(RedisClusterAsyncCommands<byte[], byte[]> async, boolean multi, byte[][] keys,
			byte[][] args) {
		ScriptOutputType type = multi ? ScriptOutputType.MULTI : ScriptOutputType.INTEGER;
		try {
			return await(async.evalsha(this.sha, type, keys, args));
		}
		catch (RedisNoScriptException ex) {
			await(async.scriptLoad(this.script));
			return await(async.evalsha(this.sha, type, keys, args));
		}
	}

	private @Nullable Object runSync(RedisConnection connection, boolean multi, byte[][] keys, byte[][] args) {
		byte[][] keysAndArgs = new byte[keys.length + args.length][];
		System.arraycopy(keys, 0, keysAndArgs, 0, keys.length);
		System.arraycopy(args, 0, keysAndArgs, keys.length, args.length);
		ReturnType type = multi ? ReturnType.MULTI : ReturnType.INTEGER;
		try {
			return connection.scriptingCommands().evalSha(this.sha, type, keys.length, keysAndArgs);
		}
		catch (RuntimeException ex) {
			if (String.valueOf(ex.getMessage()).contains("NOSCRIPT")) {
				connection.scriptingCommands().scriptLoad(this.script);
				return connection.scriptingCommands().evalSha(this.sha, type, keys.length, keysAndArgs);
			}
			throw ex;
		}
	}

	<T> T await(RedisFuture<T> future) {
		try {
			return future.get(this.timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			future.cancel(true);
			throw new RedisUnavailableException("no answer within " + Duration.ofNanos(this.timeoutNanos).toMillis()
					+ " ms", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedisUnavailableException("interrupted", ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			if (cause instanceof RedisNoScriptException noScript) {
				throw noScript;
			}
			throw new RedisUnavailableException(cause.getMessage(), cause);
		}
	}

}
