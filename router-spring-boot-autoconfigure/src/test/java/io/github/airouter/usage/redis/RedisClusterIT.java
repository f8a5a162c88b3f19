package io.github.airouter.usage.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import io.lettuce.core.cluster.SlotHash;
import okhttp3.mockwebserver.MockResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.autoconfigure.RouterAutoConfiguration;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.TestRedisCluster;
import io.github.airouter.testsupport.TestRedisCluster.Node;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.Cooldown;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis usage store on a real Redis Cluster (three masters, one replica each), reached
 * through Boot's own {@code spring.data.redis.cluster.nodes} auto-configuration with Lettuce:
 * instances sharing the cluster admit exactly each deployment's limits and share cooldowns; a
 * decision is one script on the master that owns its group's slot; a group's keys share a
 * slot while groups spread over the masters; and a master's failover fails no call, keeps the
 * limits within what the outage shares allow, and ends with decisions in Redis again.
 * <p>
 * Skipped, with one line, when {@code redis-server} is not installed: see
 * {@link TestRedisCluster}.
 */
class RedisClusterIT {

	/** A bound on waiting for background work, generous for a loaded machine; nothing is timed. */
	private static final Duration WAIT = Duration.ofSeconds(60);

	private static TestRedisCluster cluster;

	private final List<FakeProvider> providers = new ArrayList<>();

	/** Started by the first test, so that without redis-server every test reports itself skipped. */
	@BeforeEach
	void startOrFlushCluster() {
		if (cluster == null) {
			cluster = TestRedisCluster.start();
		}
		cluster.flushAll();
	}

	@AfterAll
	static void stopCluster() {
		if (cluster != null) {
			cluster.close();
			cluster = null;
		}
	}

	@AfterEach
	void closeProviders() throws IOException {
		for (FakeProvider provider : this.providers) {
			provider.close();
		}
	}

	private FakeProvider provider() {
		FakeProvider provider = new FakeProvider();
		this.providers.add(provider);
		return provider;
	}

	/**
	 * An application instance on the cluster, as Boot configures one from
	 * {@code spring.data.redis.cluster.nodes}; the topology is refreshed on Lettuce's adaptive
	 * triggers (a MOVED answer, persistent reconnects) and every second.
	 */
	private static ApplicationContextRunner instance(List<String> properties) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.cluster.nodes=" + cluster.nodes(),
				"spring.data.redis.lettuce.cluster.refresh.adaptive=true",
				"spring.data.redis.lettuce.cluster.refresh.period=1s",
				// a generous command timeout: these tests measure the store's exactness, and a
				// loaded CI machine must not push decisions into the memory fallback
				"router.redis.command-timeout=5s"));
		all.addAll(properties);
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RouterAutoConfiguration.class))
			.withPropertyValues(all.toArray(String[]::new));
	}

	/**
	 * The entries of one model group: deployments {@code <model>-0}, {@code <model>-1}, ...
	 * of a provider, with ids of their own (so that instances calling different fakes share
	 * the deployments' keys).
	 */
	private static List<String> group(int firstEntry, String model, int deployments, FakeProvider provider,
			String... settings) {
		List<String> properties = new ArrayList<>();
		for (int i = 0; i < deployments; i++) {
			String entry = "router.model-list[" + (firstEntry + i) + "].";
			properties.add(entry + "model-name=" + model);
			properties.add(entry + "params.model=azure/" + model + "-" + i);
			properties.add(entry + "params.api-base=" + provider.url());
			properties.add(entry + "params.api-key=sk-test-key-" + i);
			properties.add(entry + "params.api-version=2024-10-21");
			properties.add(entry + "model-info.id=" + model + "-" + i);
			for (String setting : settings) {
				properties.add(entry + setting);
			}
		}
		return properties;
	}

	private static String path(String model, int deployment) {
		return "/openai/deployments/" + model + "-" + deployment;
	}

	@Test
	void threeInstancesSharingTheClusterAdmitExactlyEachDeploymentsRpm() throws Exception {
		FakeProvider provider = provider();
		ApplicationContextRunner runner = instance(group(0, "gpt-4o", 3, provider, "rpm=20"));
		runner.run((a) -> runner.run((b) -> runner.run((c) -> {
			List<RoutingChatModel> instances = List.of(a.getBean(RoutingChatModel.class),
					b.getBean(RoutingChatModel.class), c.getBean(RoutingChatModel.class));
			Outcome outcome = hammer(instances, 4, 40);
			assertThat(outcome.failures()).isEmpty();
			assertThat(storeOf(a).getFallbackDecisions() + storeOf(b).getFallbackDecisions()
					+ storeOf(c).getFallbackDecisions()).as("decisions made without Redis").isZero();
			assertThat(outcome.succeeded()).isEqualTo(60);
			assertThat(outcome.refused()).isEqualTo(3 * 4 * 40 - 60);
			for (int i = 0; i < 3; i++) {
				assertThat(provider.requestsTo(path("gpt-4o", i))).hasSize(20);
			}
		})));
	}

	@Test
	void aCooldownOneInstanceEntersHoldsForTheOther() {
		FakeProvider provider = provider();
		List<String> properties = group(0, "gpt-4o", 3, provider, "rpm=100");
		properties.addAll(List.of("router.model-list[0].order=1", "router.model-list[1].order=2",
				"router.model-list[2].order=3"));
		ApplicationContextRunner runner = instance(properties);
		provider.enqueue(path("gpt-4o", 0), FakeProvider.error(429, "rate_limit_exceeded", null, "slow down")
			.setHeader("Retry-After", "30"));
		runner.run((a) -> runner.run((b) -> {
			// instance a meets the 429 and cools gpt-4o-0 down, on the master of {gpt-4o}
			a.getBean(RoutingChatModel.class).call(new Prompt("Hello"));
			assertThat(provider.requestsTo(path("gpt-4o", 0))).hasSize(1);
			// instance b, which saw no failure, keeps off gpt-4o-0 although it is its first tier
			for (int i = 0; i < 5; i++) {
				b.getBean(RoutingChatModel.class).call(new Prompt("Hello"));
			}
			assertThat(provider.requestsTo(path("gpt-4o", 0))).hasSize(1);
			assertThat(provider.requestsTo(path("gpt-4o", 1))).hasSize(6);
			RedisUsageStore storeB = storeOf(b);
			Deployment cooled = groupOf(b, "gpt-4o").deployments().get(0);
			Cooldown cooldown = storeB.cooldown(cooled);
			assertThat(cooldown.reason()).isEqualTo(Cooldown.Reason.RATE_LIMITED);
			assertThat(cooldown.remaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
			assertThat(cluster.keys(cluster.masterOf("{gpt-4o}"))).contains(storeB.cooldownKey(cooled));
			assertThat(storeOf(a).getFallbackDecisions() + storeB.getFallbackDecisions()).isZero();
		}));
	}

	@Test
	void aRoutingDecisionIsOneScriptOnTheMasterOwningTheGroupsSlot() {
		FakeProvider provider = provider();
		List<String> properties = group(0, "gpt-4o", 3, provider, "rpm=1000");
		// no heartbeat during the count: it is a script too (on the master of router:instances)
		properties.add("router.redis.heartbeat-interval=1h");
		instance(properties).run((context) -> {
			RedisUsageStore store = storeOf(context);
			ModelGroup group = groupOf(context, "gpt-4o");
			store.admit(group, 10, Set.of());
			Node owner = cluster.masterOf("{gpt-4o}");
			cluster.resetStats();
			List<Admission> admissions = new ArrayList<>();
			for (int i = 0; i < 50; i++) {
				admissions.add(store.admit(group, 10, Set.of()));
			}
			assertThat(admissions).allMatch(Admission::isAdmitted);
			assertThat(store.getFallbackDecisions()).isZero();
			Map<String, Long> calls = cluster.commandCalls(owner);
			assertThat(calls).containsEntry("evalsha", 50L);
			// everything else ran inside the script, or is this test's own connection, Lettuce
			// reading the topology, or the replica acknowledging what it replicated
			assertThat(calls.keySet()).isSubsetOf("evalsha", "hmget", "hdel", "hset", "hincrby", "mget", "time",
					"pexpire", "del", "hello", "client", "config", "info", "cluster", "ping", "command", "replconf");
			for (Node master : cluster.masters()) {
				if (!master.equals(owner)) {
					// not even a script redirected with MOVED (counted as rejected)
					assertThat(cluster.commandCalls(master)).as("commands on %s", master.address())
						.doesNotContainKeys("evalsha", "evalsha_ro", "eval", "hmget", "hset", "hincrby", "mget");
				}
			}
		});
	}

	@Test
	void theKeysOfAGroupShareOneSlotAndGroupsSpreadOverTheMasters() {
		FakeProvider provider = provider();
		// their hash tags fall on slots 4820, 6449, 12883 and 341: every master holds one or two
		List<String> models = List.of("gpt-4o", "gpt-4o-mini", "gpt-35-turbo", "o3-mini");
		List<String> properties = new ArrayList<>();
		for (int g = 0; g < models.size(); g++) {
			properties.addAll(group(3 * g, models.get(g), 3, provider, "rpm=1000"));
		}
		instance(properties).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			RedisUsageStore store = storeOf(context);
			Map<String, Node> mastersOfGroups = new LinkedHashMap<>();
			for (String model : models) {
				for (int i = 0; i < 6; i++) {
					chat.call(new Prompt("Hello", OpenAiChatOptions.builder().model(model).build()));
				}
				ModelGroup group = groupOf(context, model);
				// a cooldown key for every group too
				store.coolDown(group.deployments().get(0), Duration.ofSeconds(30), Cooldown.Reason.FAILURES);
				Node master = cluster.masterOf("{" + model + "}");
				mastersOfGroups.put(model, master);
				List<String> keys = new ArrayList<>();
				for (Deployment deployment : group.deployments()) {
					keys.add(store.usageKey(deployment));
				}
				keys.add(store.cooldownKey(group.deployments().get(0)));
				assertThat(keys).as("keys of %s", model)
					.allMatch((key) -> SlotHash.getSlot(key) == SlotHash.getSlot("{" + model + "}"));
				assertThat(cluster.keys(master)).as("keys on the master of %s", model).containsAll(keys);
			}
			assertThat(store.getFallbackDecisions()).isZero();
			assertThat(Set.copyOf(mastersOfGroups.values())).as("masters of %s", mastersOfGroups)
				.containsExactlyInAnyOrderElementsOf(cluster.masters());
			// every key of the router on a master is one of a group it owns, or the instances
			for (Node master : cluster.masters()) {
				Set<String> owned = mastersOfGroups.entrySet()
					.stream()
					.filter((entry) -> entry.getValue().equals(master))
					.map((entry) -> "router:{" + entry.getKey() + "}:")
					.collect(Collectors.toSet());
				assertThat(cluster.keys(master)).as("keys on %s", master.address())
					.allMatch((key) -> key.equals("router:instances") || owned.stream().anyMatch(key::startsWith));
			}
		});
	}

	@Test
	void aMasterFailoverMidRunFailsNoCallKeepsTheSharesAndDecisionsReturnToRedis() throws Exception {
		String model = "gpt-35-turbo";
		int rpm = 20;
		Node master = cluster.masterOf("{" + model + "}");
		Node replica = cluster.replicaOf(master);
		FakeProvider providerA = provider();
		FakeProvider providerB = provider();
		// the two instances call fakes of their own, which tells their calls apart, for the
		// same deployments (ids), which they share through the cluster
		ApplicationContextRunner runnerA = instance(outage(group(0, model, 3, providerA, "rpm=" + rpm)));
		ApplicationContextRunner runnerB = instance(outage(group(0, model, 3, providerB, "rpm=" + rpm)));
		try {
			runnerA.run((a) -> runnerB.run((b) -> {
				RedisUsageStore storeA = storeOf(a);
				RedisUsageStore storeB = storeOf(b);
				await().atMost(WAIT).until(() -> storeA.getLiveInstances() == 2 && storeB.getLiveInstances() == 2);
				CountDownLatch warm = new CountDownLatch(2);
				CountDownLatch failedOver = new CountDownLatch(1);
				Caller callerA = new Caller(a.getBean(RoutingChatModel.class), storeA, providerA, warm, failedOver);
				Caller callerB = new Caller(b.getBean(RoutingChatModel.class), storeB, providerB, warm, failedOver);
				ExecutorService threads = Executors.newFixedThreadPool(2);
				try {
					Future<?> runA = threads.submit(callerA);
					Future<?> runB = threads.submit(callerB);
					assertThat(warm.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
					// both instances keep calling while the master of the group's slot dies
					cluster.kill(master);
					await().atMost(WAIT).ignoreExceptions().until(() -> cluster.masterOf("{" + model + "}").equals(replica));
					// the crashed node comes back, as a supervisor would restart it, and rejoins
					// as the replica of the node that took its slots (decisions return to Redis
					// only then: see the defect below, with the old master staying down)
					cluster.restart(master);
					cluster.awaitHealthy();
					cluster.resetStats();
					failedOver.countDown();
					runA.get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
					runB.get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
				}
				finally {
					failedOver.countDown();
					threads.shutdownNow();
				}
				assertThat(cluster.masterOf("{" + model + "}")).isEqualTo(replica);
				for (Caller caller : List.of(callerA, callerB)) {
					// no call failed, none was refused, and every call reached a deployment
					assertThat(caller.failures).isEmpty();
					assertThat(caller.decisions).hasSize(Caller.WARM + caller.flow + Caller.AFTER)
						.noneMatch((decision) -> decision.deployment().equals("?"));
					assertThat(caller.provider.requests()).hasSize(caller.decisions.size());
					assertThat(caller.inPhase("warm")).noneMatch(Decision::fromMemory);
					// the gap was met: decisions went to memory, within the instance's share
					assertThat(caller.fromMemory()).as("decisions from memory in the gap, %s", caller.decisions)
						.isPositive();
					assertThat(caller.store.getFallbackShare()).isEqualTo(0.5);
					for (int d = 0; d < 3; d++) {
						assertThat(caller.fromMemory(path(model, d))).isLessThanOrEqualTo(rpm / 2);
					}
					// and came back to Redis: the calls after the failover were decided there
					assertThat(caller.inPhase("after")).hasSize(Caller.AFTER).noneMatch(Decision::fromMemory);
				}
				for (int d = 0; d < 3; d++) {
					// Redis admitted no more than the limit, and each instance no more than its
					// share from memory: no more than the limit and the two shares reached a
					// deployment within the minute
					assertThat(callerA.fromRedis(path(model, d)) + callerB.fromRedis(path(model, d)))
						.isLessThanOrEqualTo(rpm);
					assertThat(providerA.requestsTo(path(model, d)).size() + providerB.requestsTo(path(model, d)).size())
						.isLessThanOrEqualTo(rpm + 2 * (rpm / 2));
					// what the promoted replica counts, replicated before the crash or admitted
					// since, stays within the limit
					assertThat(storeA.usage(groupOf(a, model).deployments().get(d)).requests()).isLessThanOrEqualTo(rpm);
				}
				assertThat(storeA.isAvailable() && storeB.isAvailable()).isTrue();
				assertThat(cluster.commandCalls(replica).getOrDefault("evalsha", 0L))
					.as("scripts on the promoted replica").isGreaterThanOrEqualTo(2 * Caller.AFTER);
			}));
		}
		finally {
			heal(master);
		}
	}

	/**
	 * After a failover whose old master stays down (listed {@code master,fail} until it is
	 * forgotten), decisions return to Redis as soon as the group's slot is served: the store
	 * once needed a cluster-wide {@code SCRIPT LOAD} to succeed on every node, the failed one
	 * included, and routed from memory for good.
	 */
	@Test
	void decisionsReturnToRedisAfterAFailoverWhileTheOldMasterStaysDown() {
		String model = "gpt-35-turbo";
		Node master = cluster.masterOf("{" + model + "}");
		Node replica = cluster.replicaOf(master);
		FakeProvider provider = provider();
		try {
			instance(outage(group(0, model, 3, provider, "rpm=100"))).run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				RedisUsageStore store = storeOf(context);
				chat.call(new Prompt("before"));
				assertThat(store.getFallbackDecisions()).isZero();
				cluster.kill(master);
				chat.call(new Prompt("during"));
				await().atMost(WAIT).ignoreExceptions().until(() -> cluster.masterOf("{" + model + "}").equals(replica));
				// every slot is served again; the old master stays down. The cluster may still
				// flap (CLUSTERDOWN) while it settles: wait for a decision made in Redis
				await("a decision in Redis while the old master stays down").atMost(WAIT).until(() -> {
					long before = store.getFallbackDecisions();
					chat.call(new Prompt("after"));
					return store.isAvailable() && store.getFallbackDecisions() == before;
				});
				long fallbackDecisions = store.getFallbackDecisions();
				for (int i = 0; i < 5; i++) {
					chat.call(new Prompt("settled"));
				}
				assertThat(store.getFallbackDecisions()).isEqualTo(fallbackDecisions);
			});
		}
		finally {
			heal(master);
		}
	}

	/**
	 * With one replica down (every slot served, cluster state ok), an instance that starts
	 * decides in Redis: it once started in an outage and stayed in it.
	 */
	@Test
	void anInstanceStartingWhileAReplicaIsDownDecidesInRedis() {
		Node replica = cluster.replicaOf(cluster.masterOf("{gpt-4o}"));
		FakeProvider provider = provider();
		cluster.kill(replica);
		try {
			instance(outage(group(0, "gpt-4o", 3, provider, "rpm=100"))).run((context) -> {
				RedisUsageStore store = storeOf(context);
				await("decisions in Redis while a replica is down").atMost(WAIT).until(store::isAvailable);
				context.getBean(RoutingChatModel.class).call(new Prompt("Hello"));
				assertThat(store.getFallbackDecisions()).isZero();
			});
		}
		finally {
			heal(replica);
		}
	}

	/**
	 * Settings for tests that go through an outage: a decision waits for a dead master 2 s;
	 * the heartbeats make each of two instances' share 1/2, and an instance counts for three
	 * heartbeats after its last, which leaves a loaded machine room; Redis is probed four
	 * times a second.
	 */
	private static List<String> outage(List<String> properties) {
		List<String> all = new ArrayList<>(properties);
		all.addAll(List.of("router.redis.command-timeout=2s", "router.redis.heartbeat-interval=2s",
				"router.redis.recovery-probe-interval=250ms"));
		return all;
	}

	/** Restart a node a test killed, if it is still down, and wait for the cluster to heal. */
	private static void heal(Node node) {
		if (!cluster.isRunning(node)) {
			cluster.restart(node);
		}
		cluster.awaitHealthy();
	}

	/**
	 * One instance's caller in the failover test, on one thread, so that it can tell which
	 * deployment took each call (the last request its own fake received) and whether memory
	 * decided it (the store's fallback counter moved). However its calls fall on Redis and
	 * memory, none may be refused with three deployments of rpm 20 and a share of 1/2: a
	 * caller makes at most 30 calls (its share of the three limits), both at most 60 (the
	 * limits).
	 */
	private static final class Caller implements Runnable {

		/** Calls before the kill, decided by Redis. */
		static final int WARM = 5;

		/** Most calls after the kill before the failover completes. */
		static final int FLOW = 15;

		/** Most decisions from memory in the gap. */
		static final int GAP = 10;

		/** Calls after the failover, once Redis answers again. */
		static final int AFTER = 10;

		final RoutingChatModel chat;

		final RedisUsageStore store;

		final FakeProvider provider;

		final CountDownLatch warm;

		final CountDownLatch failedOver;

		final List<Decision> decisions = Collections.synchronizedList(new ArrayList<>());

		final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());

		/** Calls made between the warm-up and the end of the failover. */
		volatile int flow;

		Caller(RoutingChatModel chat, RedisUsageStore store, FakeProvider provider, CountDownLatch warm,
				CountDownLatch failedOver) {
			this.chat = chat;
			this.store = store;
			this.provider = provider;
			this.warm = warm;
			this.failedOver = failedOver;
		}

		@Override
		public void run() {
			try {
				for (int i = 0; i < WARM; i++) {
					call("warm");
				}
				// both instances call on while the master dies: the test kills it once both
				// are warm, with each instance's first calls after the warm-up
				this.warm.countDown();
				this.warm.await();
				while (this.flow < FLOW && fromMemory() < GAP && this.failedOver.getCount() > 0) {
					call("gap");
					this.flow++;
					Thread.sleep(20);
				}
				this.failedOver.await();
				await().atMost(WAIT).until(this.store::isAvailable);
				for (int i = 0; i < AFTER; i++) {
					call("after");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		private void call(String phase) {
			long fallback = this.store.getFallbackDecisions();
			int requests = this.provider.requests().size();
			try {
				this.chat.call(new Prompt("Hello"));
			}
			catch (RuntimeException ex) {
				this.failures.add(ex);
				return;
			}
			List<FakeProvider.Request> received = this.provider.requests();
			String deployment = (received.size() == requests + 1) ? received.get(requests).deployment() : "?";
			this.decisions.add(new Decision(phase, deployment, this.store.getFallbackDecisions() > fallback));
		}

		long fromMemory() {
			return this.decisions.stream().filter(Decision::fromMemory).count();
		}

		long fromMemory(String deployment) {
			return this.decisions.stream().filter((d) -> d.fromMemory() && d.deployment().equals(deployment)).count();
		}

		long fromRedis(String deployment) {
			return this.decisions.stream().filter((d) -> !d.fromMemory() && d.deployment().equals(deployment)).count();
		}

		List<Decision> inPhase(String phase) {
			return this.decisions.stream().filter((d) -> d.phase().equals(phase)).toList();
		}

	}

	private record Decision(String phase, String deployment, boolean fromMemory) {
	}

	private static RedisUsageStore storeOf(ConfigurableApplicationContext context) {
		UsageStore store = context.getBean(UsageStore.class);
		assertThat(store).isInstanceOf(RedisUsageStore.class);
		assertThat(context.getBean(RedisConnectionFactory.class)).isInstanceOfSatisfying(
				LettuceConnectionFactory.class, (factory) -> assertThat(factory.getClusterConfiguration()).isNotNull());
		return (RedisUsageStore) store;
	}

	private static ModelGroup groupOf(ConfigurableApplicationContext context, String model) {
		return context.getBean(Router.class).group(model, ModelMode.CHAT);
	}

	private static Outcome hammer(List<RoutingChatModel> instances, int threadsPerInstance, int callsPerThread)
			throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(instances.size() * threadsPerInstance);
		AtomicInteger succeeded = new AtomicInteger();
		AtomicInteger refused = new AtomicInteger();
		List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (RoutingChatModel chat : instances) {
				for (int t = 0; t < threadsPerInstance; t++) {
					futures.add(pool.submit(() -> {
						for (int i = 0; i < callsPerThread; i++) {
							try {
								chat.call(new Prompt("Hello"));
								succeeded.incrementAndGet();
							}
							catch (NoDeploymentAvailableException ex) {
								refused.incrementAndGet();
							}
							catch (RuntimeException ex) {
								failures.add(ex);
							}
						}
					}));
				}
			}
			for (Future<?> future : futures) {
				try {
					future.get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
				}
				catch (ExecutionException ex) {
					failures.add(ex.getCause());
				}
			}
		}
		finally {
			pool.shutdownNow();
		}
		return new Outcome(succeeded.get(), refused.get(), failures);
	}

	private record Outcome(int succeeded, int refused, List<Throwable> failures) {
	}

}
