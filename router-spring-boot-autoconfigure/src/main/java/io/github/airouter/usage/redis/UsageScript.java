package io.github.airouter.usage.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.WindowUsage;

/**
 * The usage Lua script ({@code META-INF/scripts/router-usage.lua}) as typed commands: the only
 * Java that knows its KEYS and ARGV layout and the shape of its answers (the script's header
 * documents both). Run with EVALSHA over the application's {@link RedisConnectionFactory};
 * sent whole with EVAL when Redis answers NOSCRIPT (after a restart, a failover or SCRIPT
 * FLUSH), on every path, to the node that holds the keys (never broadcast, so a Redis Cluster
 * with a node down still answers),
 * pipelined batches included.
 * <p>
 * "Now" is Redis {@code TIME} (an empty argument), unless a client clock is given. With
 * Lettuce (Boot's default client) every command is bounded by the store's own short command
 * timeout, whatever the connection factory's timeout is, so a dead Redis costs a caller at
 * most that timeout. Other clients run through Spring's synchronous API and their own
 * timeout. A command that fails, times out or answers unexpectedly throws
 * {@link RedisUnavailableException}.
 *
 * @author airouter
 */
final class UsageScript {

	/** Where the script lives on the classpath. */
	static final String LOCATION = "META-INF/scripts/router-usage.lua";

	/**
	 * Values per candidate in {@code admit}'s ARGV, passed to the script as ARGV[7]: rpm,
	 * tpm, shuffle weight, order, score.
	 */
	static final int STRIDE = 5;

	/** {@code admit}'s ARGV before the first candidate's values. */
	private static final int ADMIT_HEAD = 7;

	/** A time argument that tells the script to read Redis {@code TIME}. */
	static final long REDIS_TIME = Long.MIN_VALUE;

	private static final boolean lettucePresent = ClassUtils.isPresent("io.lettuce.core.RedisFuture",
			UsageScript.class.getClassLoader());

	private static final byte[] ADMIT = bytes("admit");

	private static final byte[] SETTLE = bytes("settle");

	private static final byte[] USAGE = bytes("usage");

	private static final byte[] CALIBRATE = bytes("calibrate");

	private static final byte[] COOL = bytes("cool");

	private static final byte[] COOLING = bytes("cooling");

	private static final byte[] BEAT = bytes("beat");

	private static final byte[] BY_USAGE = bytes("usage");

	private static final byte[] BY_SHUFFLE = bytes("shuffle");

	private static final byte[] BY_SCORE = bytes("score");

	private static final byte[] NO_SCORE = bytes("0");

	private static final byte[] NOW_FROM_REDIS = new byte[0];

	private static final byte[] STRIDE_ARGUMENT = bytes(Integer.toString(STRIDE));

	private final RedisConnectionFactory connectionFactory;

	private final RedisUsageKeys keys;

	private final byte[] ttlMillis;

	private final @Nullable Clock clientClock;

	private final byte[] script;

	private final String sha;

	private final long timeoutNanos;

	private final Map<String, Group> groups = new ConcurrentHashMap<>();

	/**
	 * The script on a connection factory.
	 * @param connectionFactory the application's connection factory
	 * @param keys the keys of the router
	 * @param timeout how long a command may take (with Lettuce)
	 * @param keyTtl the TTL of the usage keys written
	 * @param clientClock the clock of "now", or {@code null} for Redis {@code TIME}
	 */
	UsageScript(RedisConnectionFactory connectionFactory, RedisUsageKeys keys, Duration timeout, Duration keyTtl,
			@Nullable Clock clientClock) {
		this.connectionFactory = connectionFactory;
		this.keys = keys;
		this.ttlMillis = arg(keyTtl.toMillis());
		this.clientClock = clientClock;
		this.script = read();
		this.sha = sha1(this.script);
		this.timeoutNanos = timeout.toNanos();
	}

	private static byte[] read() {
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

	private static byte[] bytes(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] arg(long value) {
		return bytes(Long.toString(value));
	}

	private static byte[] arg(double value) {
		return bytes(Double.toString(value));
	}

	/**
	 * "Now" for a command: the client clock's time, or {@link #REDIS_TIME}. Settlements are
	 * stamped when they are made, and sent later.
	 * @return the time in ms, or {@link #REDIS_TIME}
	 */
	long now() {
		return (this.clientClock != null) ? this.clientClock.millis() : REDIS_TIME;
	}

	private static byte[] time(long now) {
		return (now != REDIS_TIME) ? arg(now) : NOW_FROM_REDIS;
	}

	// ---- commands

	/**
	 * Choose among the candidates and reserve the call, or say why not.
	 * @param group the model group
	 * @param candidates indexes in the group of the deployments not excluded, at least one,
	 * ascending
	 * @param tokens the tokens to reserve
	 * @param scores the group's scores, or {@code null}
	 * @param point the decision's random point in [0, 1)
	 * @return the outcome
	 */
	AdmitResult admit(ModelGroup group, int[] candidates, long tokens, double @Nullable [] scores, double point) {
		Group encoded = this.groups.get(group.name());
		if (encoded == null || encoded.source != group) {
			encoded = new Group(group, this.keys);
			this.groups.put(group.name(), encoded);
		}
		RoutingStrategy strategy = group.strategy();
		boolean byScore = strategy.usesScores() && scores != null;
		int n = candidates.length;
		byte[][] keys = new byte[2 * n][];
		byte[][] args = new byte[ADMIT_HEAD + STRIDE * n][];
		args[0] = ADMIT;
		args[1] = time(now());
		args[2] = this.ttlMillis;
		args[3] = arg(tokens);
		args[4] = (strategy == RoutingStrategy.SIMPLE_SHUFFLE) ? BY_SHUFFLE : (byScore) ? BY_SCORE : BY_USAGE;
		args[5] = arg(point);
		args[6] = STRIDE_ARGUMENT;
		for (int c = 0; c < n; c++) {
			int i = candidates[c];
			keys[c] = encoded.usage[i];
			keys[n + c] = encoded.cooldown[i];
			int at = ADMIT_HEAD + STRIDE * c;
			System.arraycopy(encoded.constants[i], 0, args, at, STRIDE - 1);
			args[at + STRIDE - 1] = (byScore) ? arg(scores[i]) : NO_SCORE;
		}
		List<?> answer = list(run(true, keys, args), 3, 4);
		long first = numberIn(answer.get(0));
		if (first == 1) {
			int candidate = (int) numberIn(answer.get(1)) - 1;
			if (candidate < 0 || candidate >= n) {
				throw new RedisUnavailableException("unexpected answer " + answer);
			}
			return new AdmitResult.Admitted(group.deployments().get(candidates[candidate]), numberIn(answer.get(2)));
		}
		if (answer.size() != 4) {
			throw new RedisUnavailableException("unexpected answer " + answer);
		}
		return new AdmitResult.Refused(numberIn(answer.get(1)), (int) numberIn(answer.get(2)),
				(int) numberIn(answer.get(3)), n);
	}

	/**
	 * A deployment's usage in the current window.
	 * @param deployment the deployment
	 * @return the usage
	 */
	WindowUsage usage(Deployment deployment) {
		List<?> answer = list(run(true, new byte[][] { bytes(this.keys.usage(deployment)) },
				new byte[][] { USAGE, time(now()), this.ttlMillis }), 3);
		return new WindowUsage(numberIn(answer.get(0)), numberIn(answer.get(1)), numberIn(answer.get(2)));
	}

	/**
	 * Cool a deployment down, unless it already cools down as long or longer.
	 * @param deployment the deployment
	 * @param durationMillis how long, positive
	 * @param reason why
	 * @return the ms the cooldown in effect has left
	 */
	long coolDown(Deployment deployment, long durationMillis, Cooldown.Reason reason) {
		return numberIn(run(false, new byte[][] { bytes(this.keys.cooldown(deployment)) },
				new byte[][] { COOL, time(now()), this.ttlMillis, arg(durationMillis), arg(code(reason)) }));
	}

	/**
	 * A deployment's cooldown.
	 * @param deployment the deployment
	 * @return how long it still lasts and why, {@link Cooldown#NONE} when there is none
	 */
	Cooldown cooldown(Deployment deployment) {
		List<?> answer = list(run(true, new byte[][] { bytes(this.keys.cooldown(deployment)) },
				new byte[][] { COOLING, time(now()), this.ttlMillis }), 2);
		long left = numberIn(answer.get(0));
		return (left > 0) ? Cooldown.of(Duration.ofMillis(left), reason(numberIn(answer.get(1)))) : Cooldown.NONE;
	}

	/**
	 * The digit that stands for a cooldown's reason in Redis (the decimal of the cooldown
	 * key's value); spelled out rather than the enum's ordinal, so that reordering the enum
	 * never changes what a stored value means.
	 */
	static int code(Cooldown.Reason reason) {
		return switch (reason) {
			case RATE_LIMITED -> 1;
			case FAILURES -> 2;
			case MISCONFIGURED -> 3;
		};
	}

	/**
	 * The reason a digit stands for; 0, which an earlier version's cooldown reads as, and any
	 * digit this version does not know mean {@link Cooldown.Reason#FAILURES}: those versions
	 * cooled down after failures of every kind, and failures is the least specific reason.
	 */
	static Cooldown.Reason reason(long code) {
		if (code == 1) {
			return Cooldown.Reason.RATE_LIMITED;
		}
		return (code == 3) ? Cooldown.Reason.MISCONFIGURED : Cooldown.Reason.FAILURES;
	}

	/**
	 * Announce this instance, on Redis {@code TIME} whatever the clock of the windows.
	 * @param instanceId this instance's id
	 * @param staleMillis how long an instance that stopped beating counts
	 * @param ttlMillis the TTL of the instances key
	 * @return the live instances, this one included
	 */
	int beat(String instanceId, long staleMillis, long ttlMillis) {
		return (int) numberIn(run(false, new byte[][] { bytes(this.keys.instances()) },
				new byte[][] { BEAT, NOW_FROM_REDIS, arg(ttlMillis), bytes(instanceId), arg(staleMillis) }));
	}

	/**
	 * An empty batch of settlements and calibrations, to {@link #send(Batch) send} in one
	 * pipeline.
	 * @return the batch
	 */
	Batch batch() {
		return new Batch();
	}

	/**
	 * Send a batch's commands in one pipeline and wait for every answer; a command Redis
	 * answers with NOSCRIPT is sent again after the script is loaded.
	 * @param batch the batch
	 */
	void send(Batch batch) {
		if (batch.commands.isEmpty()) {
			return;
		}
		try (RedisConnection connection = connection()) {
			RedisClusterAsyncCommands<byte[], byte[]> async = async(connection);
			if (async == null) {
				for (Command command : batch.commands) {
					runSync(connection, false, command.keys(), command.args());
				}
				return;
			}
			List<RedisFuture<Object>> answers = new ArrayList<>(batch.commands.size());
			for (Command command : batch.commands) {
				answers.add(async.evalsha(this.sha, ScriptOutputType.INTEGER, command.keys(), command.args()));
			}
			List<Command> again = new ArrayList<>();
			for (int i = 0; i < answers.size(); i++) {
				try {
					await(answers.get(i));
				}
				catch (RedisNoScriptException ex) {
					again.add(batch.commands.get(i));
				}
			}
			if (!again.isEmpty()) {
				// EVAL goes where the keys live and leaves the script cached there
				answers.clear();
				for (Command command : again) {
					answers.add(async.eval(this.script, ScriptOutputType.INTEGER, command.keys(), command.args()));
				}
				for (RedisFuture<Object> answer : answers) {
					awaitLoaded(answer);
				}
			}
		}
		catch (RedisUnavailableException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException(String.valueOf(ex.getMessage()), ex);
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

	// ---- execution

	private @Nullable Object run(boolean multi, byte[][] keys, byte[][] args) {
		try (RedisConnection connection = connection()) {
			RedisClusterAsyncCommands<byte[], byte[]> async = async(connection);
			if (async == null) {
				return runSync(connection, multi, keys, args);
			}
			ScriptOutputType type = multi ? ScriptOutputType.MULTI : ScriptOutputType.INTEGER;
			try {
				return await(async.evalsha(this.sha, type, keys, args));
			}
			catch (RedisNoScriptException ex) {
				// EVAL, not SCRIPT LOAD: on a cluster SCRIPT LOAD goes to every node and fails while
				// any node is down, where EVAL goes to the node of the keys and caches it there
				return awaitLoaded(async.eval(this.script, type, keys, args));
			}
		}
		catch (RedisUnavailableException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException(String.valueOf(ex.getMessage()), ex);
		}
	}

	private RedisConnection connection() {
		try {
			return this.connectionFactory.getConnection();
		}
		catch (RuntimeException ex) {
			throw new RedisUnavailableException("cannot connect: " + ex.getMessage(), ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static @Nullable RedisClusterAsyncCommands<byte[], byte[]> async(RedisConnection connection) {
		if (!lettucePresent) {
			return null;
		}
		Object nativeConnection = connection.getNativeConnection();
		return (nativeConnection instanceof RedisClusterAsyncCommands<?, ?> async)
				? (RedisClusterAsyncCommands<byte[], byte[]>) async : null;
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
				return connection.scriptingCommands().eval(this.script, type, keys.length, keysAndArgs);
			}
			throw ex;
		}
	}

	/** Wait for an answer, within the command timeout; NOSCRIPT comes back as such. */
	private <T> T await(RedisFuture<T> future) {
		try {
			return future.get(this.timeoutNanos, TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			future.cancel(true);
			throw new RedisUnavailableException(
					"no answer within " + Duration.ofNanos(this.timeoutNanos).toMillis() + " ms", ex);
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
			throw new RedisUnavailableException(String.valueOf(cause.getMessage()), cause);
		}
	}

	/** Wait for the answer of a command sent after loading the script: NOSCRIPT is a failure. */
	private <T> T awaitLoaded(RedisFuture<T> future) {
		try {
			return await(future);
		}
		catch (RedisNoScriptException ex) {
			throw new RedisUnavailableException("the script is missing right after it was loaded", ex);
		}
	}

	// ---- answers

	private static List<?> list(@Nullable Object answer, int size) {
		return list(answer, size, size);
	}

	private static List<?> list(@Nullable Object answer, int smallest, int largest) {
		if (answer instanceof List<?> list && list.size() >= smallest && list.size() <= largest) {
			return list;
		}
		throw new RedisUnavailableException("unexpected answer " + answer);
	}

	private static long numberIn(@Nullable Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		if (value instanceof byte[] text) {
			try {
				return Long.parseLong(new String(text, StandardCharsets.UTF_8));
			}
			catch (NumberFormatException ex) {
				// reported below
			}
		}
		throw new RedisUnavailableException("unexpected answer " + value);
	}

	/**
	 * What {@code admit} answered.
	 */
	sealed interface AdmitResult {

		/**
		 * The call was reserved.
		 * @param deployment the deployment chosen
		 * @param slot the second of the window slot that holds the reservation
		 */
		record Admitted(Deployment deployment, long slot) implements AdmitResult {
		}

		/**
		 * No candidate could take the call.
		 * @param waitMillis ms until the first could, or -1 when none ever could
		 * @param cooling how many candidates cool down
		 * @param misconfigured how many of those cool down because they are misconfigured
		 * @param candidates how many candidates there were
		 */
		record Refused(long waitMillis, int cooling, int misconfigured, int candidates) implements AdmitResult {
		}

	}

	/**
	 * Settlements and calibrations to send together; built on one thread.
	 */
	final class Batch {

		private final List<Command> commands = new ArrayList<>();

		private Batch() {
		}

		/**
		 * Correct a window slot's tokens, and take reservations out of the pending tokens.
		 * @param now when the settlement was made ({@link #now()})
		 * @param deployment the deployment
		 * @param slot the reservations' slot second
		 * @param delta the tokens to add (negative to remove)
		 * @param reserved the tokens the settled reservations had reserved
		 */
		void settle(long now, Deployment deployment, long slot, long delta, long reserved) {
			this.commands.add(new Command(new byte[][] { bytes(UsageScript.this.keys.usage(deployment)) },
					new byte[][] { SETTLE, time(now), UsageScript.this.ttlMillis, arg(slot), arg(delta),
							arg(reserved) }));
		}

		/**
		 * Raise a window to what the provider says remains.
		 * @param now when the provider said it ({@link #now()})
		 * @param deployment the deployment
		 * @param remainingRequests the requests remaining, or -1 when not reported
		 * @param remainingTokens the tokens remaining, or -1 when not reported
		 */
		void calibrate(long now, Deployment deployment, long remainingRequests, long remainingTokens) {
			Limits limits = deployment.limits();
			this.commands.add(new Command(new byte[][] { bytes(UsageScript.this.keys.usage(deployment)) },
					new byte[][] { CALIBRATE, time(now), UsageScript.this.ttlMillis, limit(limits.requestsPerMinute()),
							limit(limits.tokensPerMinute()), arg(remainingRequests), arg(remainingTokens) }));
		}

		/**
		 * The commands in the batch.
		 * @return the count
		 */
		int size() {
			return this.commands.size();
		}

	}

	private static byte[] limit(@Nullable Long limit) {
		return arg((limit != null) ? limit : -1);
	}

	private record Command(byte[][] keys, byte[][] args) {
	}

	/**
	 * A group's keys and per-candidate constants (rpm, tpm, weight, order), encoded once.
	 */
	private static final class Group {

		private final ModelGroup source;

		private final byte[][] usage;

		private final byte[][] cooldown;

		private final byte[][][] constants;

		Group(ModelGroup group, RedisUsageKeys keys) {
			this.source = group;
			int n = group.deployments().size();
			this.usage = new byte[n][];
			this.cooldown = new byte[n][];
			this.constants = new byte[n][][];
			for (int i = 0; i < n; i++) {
				Deployment deployment = group.deployments().get(i);
				this.usage[i] = bytes(keys.usage(deployment));
				this.cooldown[i] = bytes(keys.cooldown(deployment));
				Limits limits = deployment.limits();
				this.constants[i] = new byte[][] { limit(limits.requestsPerMinute()), limit(limits.tokensPerMinute()),
						arg(group.shuffleWeight(i)), arg(deployment.order()) };
			}
		}

	}

}
