package io.github.airouter.proxy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fake of OpenAI's streamed chat completions that is slow on purpose, on a free port of
 * the loopback interface. Model {@value #HELD} answers 200 and then holds its first chunk
 * until {@link #release()}; model {@value #DRIP} sends its first chunk at once, then one
 * every 20 ms for 30 s, and reports whether it {@link Drip#FINISHED finished} or the
 * client {@link Drip#CUT cut it off}. Every request is counted.
 */
final class SlowProvider implements AutoCloseable {

	/** The model whose first chunk waits for {@link #release()}. */
	static final String HELD = "held";

	/** The model that streams for 30 s. */
	static final String DRIP = "drip";

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final int DRIP_CHUNKS = 1500;

	private static final long DRIP_PAUSE_MILLIS = 20;

	/** How a {@value #DRIP} stream ended. */
	enum Drip {

		/** Every chunk was sent. */
		FINISHED,

		/** A write failed: the client closed the connection before the end. */
		CUT

	}

	private final HttpServer server;

	private final ExecutorService executor;

	private final AtomicInteger requests = new AtomicInteger();

	private final AtomicInteger holding = new AtomicInteger();

	private final CountDownLatch released = new CountDownLatch(1);

	private final BlockingQueue<Drip> drips = new LinkedBlockingQueue<>();

	private SlowProvider(HttpServer server, ExecutorService executor) {
		this.server = server;
		this.executor = executor;
	}

	/**
	 * A started fake.
	 * @return the fake
	 */
	static SlowProvider start() {
		try {
			HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
			// a thread per request: held requests must not keep others waiting
			ExecutorService executor = Executors.newCachedThreadPool((task) -> {
				Thread thread = new Thread(task, "slow-provider");
				thread.setDaemon(true);
				return thread;
			});
			SlowProvider provider = new SlowProvider(server, executor);
			server.setExecutor(executor);
			server.createContext("/", provider::handle);
			server.start();
			return provider;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the slow provider", ex);
		}
	}

	/**
	 * The base URL a deployment is configured with.
	 * @return {@code http://127.0.0.1:PORT/v1}
	 */
	String baseUrl() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/v1";
	}

	/**
	 * How many requests reached the fake.
	 * @return the count
	 */
	int requests() {
		return this.requests.get();
	}

	/**
	 * How many {@value #HELD} requests are holding their first chunk now.
	 * @return the count
	 */
	int holding() {
		return this.holding.get();
	}

	/** Let every {@value #HELD} request, now and later, answer. */
	void release() {
		this.released.countDown();
	}

	/**
	 * How the next {@value #DRIP} stream ended.
	 * @param timeout how long to wait for it to end
	 * @return how it ended, or {@code null} when it has not ended in time
	 */
	@Nullable Drip nextDrip(Duration timeout) throws InterruptedException {
		return this.drips.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Override
	public void close() {
		release();
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try {
			this.requests.incrementAndGet();
			JsonNode body = json.readTree(exchange.getRequestBody().readAllBytes());
			String model = body.path("model").asString("");
			exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
			exchange.sendResponseHeaders(200, 0);
			OutputStream out = exchange.getResponseBody();
			if (HELD.equals(model)) {
				held(out);
			}
			else {
				drip(out);
			}
		}
		finally {
			exchange.close();
		}
	}

	private void held(OutputStream out) throws IOException {
		this.holding.incrementAndGet();
		try {
			if (!this.released.await(60, TimeUnit.SECONDS)) {
				return;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return;
		}
		finally {
			this.holding.decrementAndGet();
		}
		event(out, chunk(HELD, "Held, ", true, null));
		event(out, chunk(HELD, "then answered.", false, "stop"));
		end(out, HELD);
	}

	private void drip(OutputStream out) {
		try {
			for (int i = 0; i < DRIP_CHUNKS; i++) {
				event(out, chunk(DRIP, "drop ", i == 0, (i == DRIP_CHUNKS - 1) ? "stop" : null));
				Thread.sleep(DRIP_PAUSE_MILLIS);
			}
			end(out, DRIP);
			this.drips.add(Drip.FINISHED);
		}
		catch (IOException ex) {
			this.drips.add(Drip.CUT);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void end(OutputStream out, String model) throws IOException {
		ObjectNode usage = head(model);
		usage.putArray("choices");
		usage.putObject("usage").put("prompt_tokens", 8).put("completion_tokens", 4).put("total_tokens", 12);
		event(out, json.writeValueAsString(usage));
		event(out, "[DONE]");
	}

	private static String chunk(String model, String text, boolean first, @Nullable String finishReason) {
		ObjectNode chunk = head(model);
		ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
		ObjectNode delta = choice.putObject("delta");
		if (first) {
			delta.put("role", "assistant");
		}
		delta.put("content", text);
		choice.put("finish_reason", finishReason);
		return json.writeValueAsString(chunk);
	}

	private static ObjectNode head(String model) {
		return json.createObjectNode()
			.put("id", "chatcmpl-slow")
			.put("object", "chat.completion.chunk")
			.put("created", System.currentTimeMillis() / 1000)
			.put("model", model);
	}

	private static void event(OutputStream out, String data) throws IOException {
		out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
		out.flush();
	}

}
