package io.github.airouter.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Redis Cluster for tests: three masters with one replica each, {@code redis-server}
 * processes on loopback, created with {@code redis-cli --cluster create}, in a temporary
 * directory deleted on {@link #close()}. Nodes time out after 2 s, and a replica takes over
 * whatever its data's age, so that a master's failover takes a few seconds.
 * <p>
 * Needs {@code redis-server} and {@code redis-cli} on the {@code PATH} (Debian:
 * {@code apt-get install -y redis-server}). Without them {@link #start()} skips the calling
 * tests with one line saying so, unless {@value #REQUIRE_VARIABLE}{@code =true}, which makes it
 * fail instead (CI sets it, so the cluster tests cannot silently stop running). Call it from
 * a {@code @BeforeEach} method, keeping the cluster in a static field closed in
 * {@code @AfterAll}: every test is then reported skipped (a {@code @BeforeAll} that skips
 * reports no test at all).
 * <p>
 * Tests that kill a node {@link #restart(Node) restart} it and {@link #awaitHealthy() wait}
 * until it has rejoined, so that the next test finds three masters with a replica each again.
 */
public final class TestRedisCluster implements AutoCloseable {

	/** Environment variable that turns a missing {@code redis-server} into a failure. */
	public static final String REQUIRE_VARIABLE = "ROUTER_REQUIRE_REDIS_CLUSTER";

	/** Masters, and replicas per master. */
	private static final int MASTERS = 3;

	private static final int NODES = 2 * MASTERS;

	/**
	 * How long a node may be silent before the others consider it failing: short, so that a
	 * failover takes a few seconds, but not so short that a loaded machine fails a node over.
	 */
	private static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);

	/** A bound on waiting for the cluster, generous for a loaded machine; nothing is timed. */
	private static final Duration WAIT = Duration.ofSeconds(60);

	/**
	 * The lowest port of a node. A node also listens on its port + 10000 (the cluster bus);
	 * both stay below Linux's ephemeral ports (32768 and up), so that no connection's local
	 * port takes the port of a node while a test has it down.
	 */
	private static final int LOWEST_PORT = 10_000;

	/** The highest port of a node: its bus port is 32767. */
	private static final int HIGHEST_PORT = 32_767 - 10_000;

	private static final AtomicBoolean skipReported = new AtomicBoolean();

	private final Path redisServer;

	private final Path directory;

	private final List<Node> nodes;

	private final Map<Node, Process> processes = new LinkedHashMap<>();

	private final RedisClient client = RedisClient.create();

	private final Thread shutdownHook = new Thread(this::destroyProcesses, "redis-cluster-shutdown");

	private TestRedisCluster(Path redisServer, Path directory, List<Node> nodes) {
		this.redisServer = redisServer;
		this.directory = directory;
		this.nodes = nodes;
	}

	/**
	 * Start a cluster and wait until it is healthy; skip the calling tests when
	 * {@code redis-server} is absent, or fail when {@value #REQUIRE_VARIABLE} is {@code true}.
	 * @return the cluster
	 */
	public static TestRedisCluster start() {
		Optional<Path> redisServer = executable("redis-server");
		Optional<Path> redisCli = executable("redis-cli");
		if (redisServer.isEmpty() || redisCli.isEmpty()) {
			String missing = redisServer.isEmpty() ? "redis-server" : "redis-cli";
			if (Boolean.parseBoolean(System.getenv(REQUIRE_VARIABLE))) {
				throw new IllegalStateException(REQUIRE_VARIABLE + " is true, but " + missing
						+ " is not on the PATH: install it (apt-get install -y redis-server)");
			}
			String line = "Skipping the Redis Cluster tests: " + missing
					+ " is not on the PATH (apt-get install -y redis-server; " + REQUIRE_VARIABLE
					+ "=true fails instead)";
			if (skipReported.compareAndSet(false, true)) {
				System.out.println(line);
			}
			Assumptions.abort(line);
		}
		Path directory;
		try {
			directory = Files.createTempDirectory("router-redis-cluster");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		List<Node> nodes = new ArrayList<>();
		for (int port : freePorts(NODES)) {
			nodes.add(new Node("127.0.0.1", port));
		}
		TestRedisCluster cluster = new TestRedisCluster(redisServer.get(), directory, nodes);
		try {
			cluster.create(redisCli.get());
			return cluster;
		}
		catch (RuntimeException | Error ex) {
			cluster.close();
			throw ex;
		}
	}

	private void create(Path redisCli) {
		Runtime.getRuntime().addShutdownHook(this.shutdownHook);
		for (Node node : this.nodes) {
			launch(node);
		}
		for (Node node : this.nodes) {
			awaitPing(node);
		}
		List<String> command = new ArrayList<>(List.of(redisCli.toString(), "--cluster", "create"));
		this.nodes.forEach((node) -> command.add(node.address()));
		command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
		String output = run(command);
		if (!output.contains("[OK] All 16384 slots covered")) {
			throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
		}
		awaitHealthy();
	}

	/** Start a node's redis-server; its cluster configuration survives a restart. */
	private void launch(Node node) {
		String name = "node-" + node.port();
		List<String> command = List.of(this.redisServer.toString(), "--port", Integer.toString(node.port()), "--bind",
				node.host(), "--dir", this.directory.toString(), "--logfile", name + ".log", "--cluster-enabled",
				"yes", "--cluster-config-file", name + ".conf", "--cluster-node-timeout",
				Long.toString(NODE_TIMEOUT.toMillis()), "--cluster-replica-validity-factor", "0", "--save", "",
				"--appendonly", "no", "--dbfilename", name + ".rdb", "--repl-diskless-sync", "yes",
				"--repl-diskless-sync-delay", "0", "--protected-mode", "no", "--daemonize", "no");
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(this.directory.resolve(name + ".out").toFile())
				.start();
			this.processes.put(node, process);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start " + this.redisServer, ex);
		}
	}

	private void awaitPing(Node node) {
		awaitTrue(() -> {
			Process process = this.processes.get(node);
			if (!process.isAlive()) {
				throw new IllegalStateException("redis-server on port " + node.port() + " exited: " + log(node));
			}
			return "PONG".equals(tryCommands(node, RedisCommands::ping));
		}, "redis-server on port " + node.port() + " answers");
	}

	/**
	 * Wait until every running node says {@code cluster_state:ok}, and three masters, none
	 * failing, serve every slot, each with one replica whose replication link is up.
	 */
	public void awaitHealthy() {
		awaitTrue(this::isHealthy, "the cluster is healthy: three masters with a replica each");
	}

	private boolean isHealthy() {
		List<Node> running = running();
		if (running.size() != NODES) {
			return false;
		}
		for (Node node : running) {
			String info = tryCommands(node, RedisCommands::clusterInfo);
			if (info == null || !info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")
					|| !info.contains("cluster_known_nodes:" + NODES)) {
				return false;
			}
			List<ClusterNode> view = view(node);
			if (view == null || view.stream().anyMatch(ClusterNode::isFailing)) {
				return false;
			}
			List<ClusterNode> masters = view.stream().filter(ClusterNode::isMaster).toList();
			if (masters.size() != MASTERS || masters.stream().anyMatch((master) -> master.slots().isEmpty())) {
				return false;
			}
			for (ClusterNode master : masters) {
				if (view.stream().filter((known) -> master.id().equals(known.masterId())).count() != 1) {
					return false;
				}
			}
			ClusterNode self = view.stream().filter((known) -> known.flags().contains("myself")).findFirst().orElse(null);
			if (self == null) {
				return false;
			}
			if (!self.isMaster()) {
				String replication = tryCommands(node, (c) -> c.info("replication"));
				if (replication == null || !replication.contains("master_link_status:up")) {
					return false;
				}
			}
		}
		return true;
	}

	/**
	 * The value of {@code spring.data.redis.cluster.nodes}: every node.
	 * @return {@code host:port} pairs, comma-separated
	 */
	public String nodes() {
		return this.nodes.stream().map(Node::address).collect(Collectors.joining(","));
	}

	/**
	 * The running masters, by port.
	 * @return the masters
	 */
	public List<Node> masters() {
		return currentView().stream()
			.filter(ClusterNode::isMaster)
			.filter((known) -> !known.isFailing())
			.map(ClusterNode::node)
			.sorted(Comparator.comparingInt(Node::port))
			.toList();
	}

	/**
	 * The master serving a key's slot now.
	 * @param key the key, or a hash tag such as {@code {gpt-4o}}
	 * @return the master
	 */
	public Node masterOf(String key) {
		int slot = SlotHash.getSlot(key);
		return currentView().stream()
			.filter(ClusterNode::isMaster)
			.filter((known) -> !known.isFailing())
			.filter((known) -> known.serves(slot))
			.map(ClusterNode::node)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No master serves slot " + slot));
	}

	/**
	 * A master's replica.
	 * @param master the master
	 * @return its replica
	 */
	public Node replicaOf(Node master) {
		List<ClusterNode> view = currentView();
		String masterId = view.stream()
			.filter((known) -> known.node().equals(master))
			.map(ClusterNode::id)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("Unknown node " + master));
		return view.stream()
			.filter((known) -> masterId.equals(known.masterId()))
			.map(ClusterNode::node)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException(master + " has no replica"));
	}

	/**
	 * Whether a node is a master, in the view of the node itself.
	 * @param node the node
	 * @return whether it is a master
	 */
	public boolean isMaster(Node node) {
		String role = tryCommands(node, (c) -> c.info("replication"));
		return role != null && role.contains("role:master");
	}

	/**
	 * Kill a node as a crash would (SIGKILL), and wait until its process is gone.
	 * @param node the node
	 */
	public void kill(Node node) {
		Process process = this.processes.get(node);
		process.destroyForcibly();
		try {
			if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
				throw new IllegalStateException("redis-server on port " + node.port() + " survived SIGKILL");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Whether a node's process runs.
	 * @param node the node
	 * @return whether it runs
	 */
	public boolean isRunning(Node node) {
		return this.processes.get(node).isAlive();
	}

	/**
	 * Start a killed node again on its port, with its cluster configuration: it rejoins the
	 * cluster (a master that lost its slots comes back as a replica). Call
	 * {@link #awaitHealthy()} to wait until it has synchronised.
	 * @param node the node
	 */
	public void restart(Node node) {
		if (this.processes.get(node).isAlive()) {
			throw new IllegalStateException("redis-server on port " + node.port() + " is running");
		}
		launch(node);
		awaitPing(node);
	}

	/**
	 * Run commands on one node through a connection of the test's own (no redirects).
	 * @param node the node
	 * @param work what to run
	 * @param <T> the result's type
	 * @return what the work returned
	 */
	public <T> T commands(Node node, Function<RedisCommands<String, String>, T> work) {
		RedisURI uri = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(Duration.ofSeconds(5)).build();
		try (StatefulRedisConnection<String, String> connection = this.client.connect(uri)) {
			return work.apply(connection.sync());
		}
	}

	private <T> T tryCommands(Node node, Function<RedisCommands<String, String>, T> work) {
		try {
			return commands(node, work);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/** Delete every key on every master. */
	public void flushAll() {
		masters().forEach((master) -> commands(master, RedisCommands::flushall));
	}

	/** Reset the command statistics of every running node. */
	public void resetStats() {
		running().forEach((node) -> commands(node, RedisCommands::configResetstat));
	}

	/**
	 * Calls of each command on a node since its last {@link #resetStats() reset}, scripts'
	 * inner calls included. A command Redis refused (a MOVED redirect, for one) is listed
	 * with the calls it ran, possibly none.
	 * @param node the node
	 * @return the calls by command name (lower case, subcommands added to their command:
	 * {@code config|resetstat} counts as {@code config})
	 */
	public Map<String, Long> commandCalls(Node node) {
		Map<String, Long> calls = new TreeMap<>();
		commands(node, (c) -> c.info("commandstats")).lines()
			.filter((line) -> line.startsWith("cmdstat_"))
			.forEach((line) -> calls.merge(line.substring("cmdstat_".length(), line.indexOf(':')).split("\\|")[0],
					Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*$", "$1")), Long::sum));
		return calls;
	}

	/**
	 * The keys a node holds.
	 * @param node the node (a master)
	 * @return its keys
	 */
	public List<String> keys(Node node) {
		return commands(node, (c) -> c.keys("*"));
	}

	private List<Node> running() {
		return this.nodes.stream().filter((node) -> this.processes.get(node).isAlive()).toList();
	}

	/** The topology as the first running node that answers sees it. */
	private List<ClusterNode> currentView() {
		for (Node node : running()) {
			List<ClusterNode> view = view(node);
			if (view != null) {
				return view;
			}
		}
		throw new IllegalStateException("No node of the cluster answers");
	}

	private List<ClusterNode> view(Node node) {
		String text = tryCommands(node, RedisCommands::clusterNodes);
		return (text != null) ? text.lines().filter((line) -> !line.isBlank()).map(ClusterNode::parse).toList() : null;
	}

	private String log(Node node) {
		try {
			Path log = this.directory.resolve("node-" + node.port() + ".log");
			return Files.exists(log) ? Files.readString(log) : "(no log)";
		}
		catch (IOException ex) {
			return "(unreadable log: " + ex.getMessage() + ")";
		}
	}

	/** Stop every node and delete the cluster's directory. */
	@Override
	public void close() {
		destroyProcesses();
		try {
			Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
		}
		catch (IllegalStateException ex) {
			// the JVM is shutting down: the hook runs anyway
		}
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		try (Stream<Path> files = Files.walk(this.directory)) {
			files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
		}
		catch (IOException ex) {
			// a temporary directory left behind
		}
	}

	private void destroyProcesses() {
		for (Process process : this.processes.values()) {
			process.destroyForcibly();
		}
		for (Process process : this.processes.values()) {
			try {
				process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	// ---- helpers

	private static Optional<Path> executable(String name) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		return Stream.of(path.split(File.pathSeparator))
			.filter((entry) -> !entry.isBlank())
			.map((entry) -> Path.of(entry, name))
			.filter(Files::isExecutable)
			.findFirst();
	}

	/** Ports at most {@link #HIGHEST_PORT} that are free, with their cluster-bus ports. */
	private static List<Integer> freePorts(int count) {
		List<Integer> ports = new ArrayList<>();
		while (ports.size() < count) {
			int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, HIGHEST_PORT + 1);
			if (!ports.contains(port) && !ports.contains(port + 10_000) && !ports.contains(port - 10_000)
					&& isFree(port) && isFree(port + 10_000)) {
				ports.add(port);
			}
		}
		return ports;
	}

	private static boolean isFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Run a command to its end (within {@link #WAIT}), and return what it printed. */
	private String run(List<String> command) {
		Path output = this.directory.resolve("command.out");
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(output.toFile())
				.start();
			boolean finished = process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
			if (!finished) {
				process.destroyForcibly();
			}
			String printed = Files.readString(output, StandardCharsets.UTF_8);
			if (!finished) {
				throw new IllegalStateException(String.join(" ", command) + " did not finish:\n" + printed);
			}
			return printed;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Gave up waiting until " + what);
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
	}

	/**
	 * A node of the cluster, by its address.
	 * @param host the host
	 * @param port the port
	 */
	public record Node(String host, int port) {

		/**
		 * The node as {@code host:port}.
		 * @return the address
		 */
		public String address() {
			return this.host + ":" + this.port;
		}

	}

	/** One line of {@code CLUSTER NODES}. */
	private record ClusterNode(String id, Node node, List<String> flags, String masterId, List<int[]> slots) {

		static ClusterNode parse(String line) {
			String[] fields = line.trim().split(" ");
			String address = fields[1].split("[@,]")[0];
			int colon = address.lastIndexOf(':');
			Node node = new Node(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
			List<int[]> slots = new ArrayList<>();
			for (int i = 8; i < fields.length; i++) {
				if (fields[i].startsWith("[")) {
					continue; // a slot being migrated or imported
				}
				String[] range = fields[i].split("-");
				int first = Integer.parseInt(range[0]);
				slots.add(new int[] { first, (range.length > 1) ? Integer.parseInt(range[1]) : first });
			}
			return new ClusterNode(fields[0], node, List.of(fields[2].split(",")), fields[3], slots);
		}

		boolean isMaster() {
			return this.flags.contains("master");
		}

		/** Whether the node is failing ({@code fail}) or suspected to ({@code fail?}). */
		boolean isFailing() {
			return this.flags.stream().anyMatch((flag) -> flag.startsWith("fail"));
		}

		boolean serves(int slot) {
			return this.slots.stream().anyMatch((range) -> range[0] <= slot && slot <= range[1]);
		}

	}

}
