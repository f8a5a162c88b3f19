package io.github.airouter.benchmarks;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.redis.RedisUsageStore;

/**
 * One routing decision (select and reserve, then the reconciliation the router issues after
 * the call), with no HTTP: the usage store alone. Limits are high enough that every decision
 * is admitted, so each one does the full work of choosing and reserving.
 * <p>
 * {@code store=redis} starts the redis-server that embedded-redis ships, on loopback, and
 * uses Boot's default client (Lettuce, one shared connection); the reconciliation goes to
 * the store's background thread, off the measured path, as in production.
 */
@State(Scope.Benchmark)
@BenchmarkMode({ Mode.SampleTime, Mode.Throughput })
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoutingDecisionBenchmark {

	@Param({ "memory", "redis" })
	public String store;

	@Param({ "3", "30" })
	public int deployments;

	private RedisServer redis;

	private LettuceConnectionFactory connectionFactory;

	private UsageStore usageStore;

	private ModelGroup group;

	@Setup(Level.Trial)
	public void setUp() throws IOException {
		List<Deployment> members = new ArrayList<>();
		for (int i = 0; i < this.deployments; i++) {
			members.add(Deployment.of("deployment-" + i, "gpt-4o", new Limits(1_000_000_000L, 1_000_000_000_000L)));
		}
		this.group = new ModelGroup("gpt-4o", RoutingStrategy.USAGE_BASED, members);
		if ("redis".equals(this.store)) {
			int port = freePort();
			this.redis = RedisServer.newRedisServer()
				.port(port)
				.bind("127.0.0.1")
				.setting("save \"\"")
				.setting("appendonly no")
				.build();
			this.redis.start();
			this.connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
			this.connectionFactory.afterPropertiesSet();
			this.connectionFactory.start();
			// as an application gets it with the router.redis.* defaults
			RedisUsageStore.Settings settings = new RedisUsageStore.Settings("router:", Duration.ofMillis(200),
					Duration.ofMinutes(2), null, Duration.ofSeconds(2), Duration.ofSeconds(1));
			this.usageStore = new RedisUsageStore(this.connectionFactory, settings, Clock.systemUTC(), null);
		}
		else {
			this.usageStore = new InMemoryUsageStore();
		}
	}

	@TearDown(Level.Trial)
	public void tearDown() throws IOException {
		if (this.usageStore instanceof RedisUsageStore redisStore) {
			redisStore.flush(Duration.ofSeconds(10));
			profile();
			redisStore.close();
			this.connectionFactory.destroy();
			this.redis.stop();
		}
	}

	/**
	 * Where the time of a Redis decision goes: the server time per script call, and how busy
	 * the server's one thread was over the trial (the machine's cores are shared by Redis, the
	 * benchmark threads and Lettuce's event loop).
	 */
	private void profile() {
		try (var connection = this.connectionFactory.getConnection()) {
			java.util.Properties stats = connection.serverCommands().info("commandstats");
			java.util.Properties cpu = connection.serverCommands().info("cpu");
			java.util.Properties server = connection.serverCommands().info("server");
			String evalsha = String.valueOf(stats.getProperty("cmdstat_evalsha"));
			double cpuSeconds = Double.parseDouble(cpu.getProperty("used_cpu_user"))
					+ Double.parseDouble(cpu.getProperty("used_cpu_sys"));
			double uptime = Double.parseDouble(server.getProperty("uptime_in_seconds"));
			System.out.printf(java.util.Locale.ROOT,
					"%n[redis profile] evalsha %s; redis-server used %.1f s of CPU in %.0f s (%.0f%% of one core)%n",
					evalsha, cpuSeconds, uptime, 100 * cpuSeconds / Math.max(1, uptime));
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	@Benchmark
	public Admission decide() {
		Admission admission = this.usageStore.admit(this.group, 120, Set.of());
		this.usageStore.reconcile(admission.reservation(), 100);
		return admission;
	}

	/**
	 * Keeps the store's background work (Redis settlements) from piling up between
	 * iterations.
	 */
	@TearDown(Level.Iteration)
	public void drain() {
		if (this.usageStore instanceof RedisUsageStore redisStore) {
			redisStore.flush(Duration.ofSeconds(10));
		}
	}

}
