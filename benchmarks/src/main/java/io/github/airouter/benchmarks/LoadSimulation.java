package io.github.airouter.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import javax.imageio.ImageIO;

import redis.embedded.RedisServer;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;
import io.github.airouter.usage.redis.RedisUsageStore;

/**
 * A load simulation in virtual time: K router instances sharing one Redis (the redis-server
 * that embedded-redis ships) in front of fake deployments that enforce their own limits,
 * driven by a bursty workload below, then above, total capacity; side by side with two naive
 * balancers that ignore limits (round-robin, and shuffle weighted by rpm). The fake
 * deployments' own counters judge: provider 429s, calls served, calls refused by the router,
 * and the time routing adds to a call (real time, measured around each call).
 * <p>
 * Run: {@code java -cp benchmarks/target/benchmarks.jar io.github.airouter.benchmarks.LoadSimulation [png]}
 */
public final class LoadSimulation {

	/** Virtual seconds of demand below capacity, then above it. */
	private static final int BELOW_SECONDS = 180;

	private static final int ABOVE_SECONDS = 120;

	private static final long[][] LIMITS = { { 60, 30_000 }, { 60, 30_000 }, { 30, 15_000 } };

	private static final String[] IDS = { "azure-eu", "azure-us", "openai" };

	private static final int MAX_TOKENS = 300;

	private LoadSimulation() {
	}

	public static void main(String[] args) throws Exception {
		String png = (args.length > 0) ? args[0] : "benchmarks/target/usage-over-time.png";
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		RedisServer redis = RedisServer.newRedisServer()
			.port(port)
			.bind("127.0.0.1")
			.setting("save \"\"")
			.setting("appendonly no")
			.build();
		redis.start();
		LettuceConnectionFactory connectionFactory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", port));
		connectionFactory.afterPropertiesSet();
		connectionFactory.start();
		try {
			List<Result> results = new ArrayList<>();
			results.add(simulate("usage-based, 1 instance, memory", Balancer.ROUTER_MEMORY, 1, connectionFactory, null));
			results.add(simulate("usage-based, 1 instance, Redis", Balancer.ROUTER_REDIS, 1, connectionFactory, null));
			results.add(simulate("usage-based, 3 instances, Redis", Balancer.ROUTER_REDIS, 3, connectionFactory, png));
			results.add(simulate("round-robin, no limits", Balancer.ROUND_ROBIN, 3, connectionFactory, null));
			results.add(simulate("weighted shuffle (rpm), no limits", Balancer.SHUFFLE, 3, connectionFactory, null));
			print(results);
		}
		finally {
			connectionFactory.destroy();
			redis.stop();
		}
	}

	private enum Balancer {

		ROUTER_MEMORY, ROUTER_REDIS, ROUND_ROBIN, SHUFFLE

	}

	private static Result simulate(String name, Balancer balancer, int instances,
			LettuceConnectionFactory connectionFactory, String png) throws Exception {
		VirtualClock clock = new VirtualClock();
		List<JudgeDeployment> judges = new ArrayList<>();
		List<Deployment> deployments = new ArrayList<>();
		for (int i = 0; i < IDS.length; i++) {
			judges.add(new JudgeDeployment(IDS[i], LIMITS[i][0], LIMITS[i][1], clock));
			deployments.add(Deployment.of(IDS[i], "gpt-4o", new Limits(LIMITS[i][0], LIMITS[i][1])));
		}
		String prefix = "sim-" + System.nanoTime() + ":";
		List<Router> routers = new ArrayList<>();
		List<UsageStore> stores = new ArrayList<>();
		for (int k = 0; k < instances && (balancer == Balancer.ROUTER_MEMORY || balancer == Balancer.ROUTER_REDIS); k++) {
			UsageStore store = (balancer == Balancer.ROUTER_MEMORY) ? new InMemoryUsageStore(clock, new Random(k))
					: new RedisUsageStore(connectionFactory,
							new RedisUsageStore.Settings(prefix, Duration.ofSeconds(2), Duration.ofMinutes(2), null,
									Duration.ofHours(1), Duration.ofSeconds(1))
								.withClientClock(),
							clock, new Random(k));
			stores.add(store);
			routers.add(Router.builder(deployments)
				.strategy(RoutingStrategy.USAGE_BASED)
				.usageStore(store)
				.clock(clock)
				.failureClassifier((ex) -> (ex instanceof JudgeDeployment.RateLimited)
						? new Failure(Failure.Kind.RATE_LIMITED, Duration.ofSeconds(5)) : Failure.of(Failure.Kind.NOT_RETRYABLE))
				.build());
		}
		warmUp(routers, stores, clock);
		Random workload = new Random(2026);
		Random shuffle = new Random(7);
		Phase below = new Phase();
		Phase above = new Phase();
		double[][] usageOverTime = new double[IDS.length][BELOW_SECONDS + ABOVE_SECONDS];
		int roundRobin = 0;
		int call = 0;
		for (int second = 0; second < BELOW_SECONDS + ABOVE_SECONDS; second++) {
			Phase phase = (second < BELOW_SECONDS) ? below : above;
			int calls = arrivals(workload, second);
			for (int c = 0; c < calls; c++) {
				clock.set(second * 1000L + (1000L * c) / Math.max(1, calls));
				long prompt = 200 + workload.nextInt(400);
				long completion = 50 + workload.nextInt(MAX_TOKENS - 50);
				long actual = prompt + completion;
				phase.offered++;
				if (!routers.isEmpty()) {
					Router router = routers.get(call++ % routers.size());
					ModelGroup group = router.group("gpt-4o", ModelMode.CHAT);
					long started = System.nanoTime();
					long[] servedBy = new long[1];
					try {
						router.call(group, prompt + MAX_TOKENS, (deployment) -> {
							long before = System.nanoTime();
							judges.get(index(deployment.id())).serve(actual);
							servedBy[0] = System.nanoTime() - before;
							return actual;
						}, (tokens) -> tokens);
						phase.served++;
					}
					catch (NoDeploymentAvailableException ex) {
						phase.refused++;
					}
					catch (JudgeDeployment.RateLimited ex) {
						phase.failed++;
					}
					phase.overheadNanos.add(System.nanoTime() - started - servedBy[0]);
				}
				else {
					int target;
					long started = System.nanoTime();
					if (balancer == Balancer.ROUND_ROBIN) {
						target = roundRobin++ % IDS.length;
					}
					else {
						target = weighted(shuffle);
					}
					phase.overheadNanos.add(System.nanoTime() - started);
					try {
						judges.get(target).serve(actual);
						phase.served++;
					}
					catch (JudgeDeployment.RateLimited ex) {
						phase.failed++;
					}
				}
			}
			// settlements reach Redis within the virtual second they belong to
			for (UsageStore store : stores) {
				if (store instanceof RedisUsageStore redisStore) {
					redisStore.flush(Duration.ofSeconds(5));
				}
			}
			clock.set((second + 1) * 1000L - 1);
			for (int i = 0; i < IDS.length; i++) {
				usageOverTime[i][second] = judges.get(i).percentOfLimit();
			}
		}
		long rateLimited = judges.stream().mapToLong((judge) -> judge.rateLimited).sum();
		boolean respected = judges.stream().allMatch((judge) -> judge.rateLimited == 0);
		for (UsageStore store : stores) {
			if (store instanceof RedisUsageStore redisStore) {
				redisStore.close();
			}
		}
		if (png != null) {
			plot(usageOverTime, png, name);
		}
		return new Result(name, below, above, rateLimited, respected, judges);
	}

	/**
	 * Let the JIT compile the routing path (and Lettuce settle its connection) before anything
	 * is measured: a call per virtual second in the past, long enough ago that every window
	 * has emptied when the simulation starts.
	 */
	private static void warmUp(List<Router> routers, List<UsageStore> stores, VirtualClock clock) {
		int calls = 5_000;
		for (int i = 0; i < calls && !routers.isEmpty(); i++) {
			clock.set(-(calls - i) * 1000L - 600_000L);
			Router router = routers.get(i % routers.size());
			try {
				router.call(router.group("gpt-4o", ModelMode.CHAT), 500, (deployment) -> 400L, (tokens) -> tokens);
			}
			catch (NoDeploymentAvailableException ex) {
				// a full window during warm-up is fine
			}
		}
		for (UsageStore store : stores) {
			if (store instanceof RedisUsageStore redisStore) {
				redisStore.flush(Duration.ofSeconds(10));
			}
		}
	}

	/** Bursty demand: ~1.4 calls/s below capacity (2.5/s per minute capacity), ~4/s above. */
	private static int arrivals(Random random, int second) {
		boolean burst = second % 20 < 3;
		if (second < BELOW_SECONDS) {
			return burst ? 3 + random.nextInt(3) : random.nextInt(3);
		}
		return burst ? 8 + random.nextInt(5) : 2 + random.nextInt(4);
	}

	private static int weighted(Random random) {
		double total = Arrays.stream(LIMITS).mapToLong((limits) -> limits[0]).sum();
		double point = random.nextDouble() * total;
		for (int i = 0; i < LIMITS.length; i++) {
			point -= LIMITS[i][0];
			if (point < 0) {
				return i;
			}
		}
		return LIMITS.length - 1;
	}

	private static int index(String id) {
		for (int i = 0; i < IDS.length; i++) {
			if (IDS[i].equals(id)) {
				return i;
			}
		}
		throw new IllegalArgumentException(id);
	}

	private static void print(List<Result> results) {
		System.out.printf(Locale.ROOT, "%nVirtual time: %d s below capacity, then %d s above; capacity %d rpm "
				+ "(%s)%n%n", BELOW_SECONDS, ABOVE_SECONDS, Arrays.stream(LIMITS).mapToLong((l) -> l[0]).sum(),
				"azure-eu 60 rpm/30k tpm, azure-us 60/30k, openai 30/15k");
		System.out.println("| balancer | phase | offered | served | provider 429s | refused by router | added latency p50 | p99 |");
		System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
		for (Result result : results) {
			row(result.name(), "below capacity", result.below());
			row(result.name(), "above capacity", result.above());
		}
		System.out.println();
		System.out.println("| balancer | provider 429s in all | every deployment within its limits | peak use of the binding limit (rpm or tpm) in any 60 s, per deployment |");
		System.out.println("|---|---:|---|---|");
		for (Result result : results) {
			StringBuilder peaks = new StringBuilder();
			for (JudgeDeployment judge : result.judges()) {
				peaks.append(String.format(Locale.ROOT, "%s %.0f%% ", judge.id(), Math.min(judge.peakPercent, 100)));
			}
			System.out.printf(Locale.ROOT, "| %s | %d | %s | %s|%n", result.name(), result.rateLimited(),
					result.respected() ? "yes" : "no", peaks);
		}
	}

	private static void row(String name, String phase, Phase numbers) {
		long[] sorted = numbers.overheadNanos.stream().mapToLong(Long::longValue).sorted().toArray();
		System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d | %d | %s | %s |%n", name, phase, numbers.offered,
				numbers.served, numbers.failed, numbers.refused, micros(percentile(sorted, 0.5)),
				micros(percentile(sorted, 0.99)));
	}

	private static long percentile(long[] sorted, double p) {
		if (sorted.length == 0) {
			return 0;
		}
		return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
	}

	private static String micros(long nanos) {
		return String.format(Locale.ROOT, "%.1f µs", nanos / 1000.0);
	}

	private static void plot(double[][] usage, String file, String title) throws IOException {
		int width = 1000;
		int height = 480;
		int left = 70;
		int right = 210;
		int top = 50;
		int bottom = 60;
		BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = image.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		g.setColor(Color.WHITE);
		g.fillRect(0, 0, width, height);
		int seconds = usage[0].length;
		double max = 120;
		int plotWidth = width - left - right;
		int plotHeight = height - top - bottom;
		g.setColor(Color.LIGHT_GRAY);
		for (int y = 0; y <= max; y += 20) {
			int py = top + plotHeight - (int) (y * plotHeight / max);
			g.drawLine(left, py, left + plotWidth, py);
			g.setColor(Color.DARK_GRAY);
			g.drawString(y + " %", left - 40, py + 4);
			g.setColor(Color.LIGHT_GRAY);
		}
		for (int x = 0; x <= seconds; x += 60) {
			int px = left + x * plotWidth / seconds;
			g.drawLine(px, top, px, top + plotHeight);
			g.setColor(Color.DARK_GRAY);
			g.drawString(x + " s", px - 10, top + plotHeight + 20);
			g.setColor(Color.LIGHT_GRAY);
		}
		int boundary = left + BELOW_SECONDS * plotWidth / seconds;
		g.setColor(new Color(255, 240, 220));
		g.fillRect(boundary, top, left + plotWidth - boundary, plotHeight);
		Color[] colors = { new Color(31, 119, 180), new Color(44, 160, 44), new Color(214, 39, 40) };
		for (int i = 0; i < usage.length; i++) {
			g.setColor(colors[i]);
			g.setStroke(new BasicStroke(2f));
			for (int s = 1; s < seconds; s++) {
				g.drawLine(left + (s - 1) * plotWidth / seconds, top + plotHeight - (int) (usage[i][s - 1] * plotHeight / max),
						left + s * plotWidth / seconds, top + plotHeight - (int) (usage[i][s] * plotHeight / max));
			}
			g.drawString(IDS[i] + " (" + LIMITS[i][0] + " rpm, " + LIMITS[i][1] / 1000 + "k tpm)", left + plotWidth + 5,
					top + 20 + 20 * i);
		}
		int limitY = top + plotHeight - (int) (100 * plotHeight / max);
		g.setColor(Color.BLACK);
		g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] { 8f, 6f }, 0f));
		g.drawLine(left, limitY, left + plotWidth, limitY);
		g.setColor(Color.BLACK);
		g.setFont(g.getFont().deriveFont(Font.BOLD, 14f));
		g.drawString("Each deployment's use of its binding limit over the trailing 60 s, as it counts: " + title, left, 30);
		g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
		g.drawString("virtual time; shaded: demand above total capacity; use = max(requests/rpm, tokens/tpm); dashed: 100 %",
				left, height - 20);
		g.dispose();
		File out = new File(file);
		if (out.getParentFile() != null) {
			out.getParentFile().mkdirs();
		}
		ImageIO.write(image, "png", out);
		System.out.println("Plot written to " + out);
	}

	private record Result(String name, Phase below, Phase above, long rateLimited, boolean respected,
			List<JudgeDeployment> judges) {
	}

	private static final class Phase {

		long offered;

		long served;

		long failed;

		long refused;

		final List<Long> overheadNanos = new ArrayList<>();

	}

	/** Virtual time, moved by the driver. */
	private static final class VirtualClock extends Clock {

		private volatile long millis = 1_800_000_000_000L;

		private final long base = this.millis;

		void set(long offsetMillis) {
			this.millis = this.base + offsetMillis;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public long millis() {
			return this.millis;
		}

		@Override
		public Instant instant() {
			return Instant.ofEpochMilli(this.millis);
		}

	}

}
