package io.github.airouter.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.stereotype.Component;

import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.samples.fake.FakeProviders;

/**
 * Sends the burst: chat calls, streams and embedding calls, mixed, from a few threads, through
 * the application's {@link ChatClient} and {@link EmbeddingModel}, which the starter routes.
 * It asks for more than the deployments allow in a minute, so the router spreads the load,
 * retries after a 429, falls back to another model, and refuses the rest with
 * {@link NoDeploymentAvailableException} rather than exceed a limit. Then it prints a
 * {@link UsageReport}.
 */
@Component
public class DemoBurst implements ApplicationRunner, ExitCodeGenerator {

	private static final String[] QUESTIONS = { "Why spread calls over several deployments?",
			"What does a 429 from Azure OpenAI mean?", "When does a fallback model serve?",
			"How long is a rate-limit window?", "What does Retry-After ask a client to do?" };

	private final ChatClient chatClient;

	private final EmbeddingModel embeddingModel;

	private final BurstProperties burst;

	private final Router router;

	private final RoutingTally tally;

	private final ObjectProvider<FakeProviders> fakes;

	private volatile @Nullable Result result;

	public DemoBurst(ChatClient.Builder chatClient, EmbeddingModel embeddingModel, BurstProperties burst,
			Router router, RoutingTally tally, ObjectProvider<FakeProviders> fakes) {
		this.chatClient = chatClient.build();
		this.embeddingModel = embeddingModel;
		this.burst = burst;
		this.router = router;
		this.tally = tally;
		this.fakes = fakes;
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		List<Call> calls = calls();
		System.out.printf(Locale.ROOT, "%nSending %d calls (%d chat, %d streamed, %d embedding) from %d threads...%n",
				calls.size(), this.burst.chatCalls(), this.burst.streams(), this.burst.embeddingCalls(),
				this.burst.threads());
		long started = System.nanoTime();
		ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, this.burst.threads()));
		List<Outcome> outcomes = new ArrayList<>();
		try {
			List<Future<Outcome>> futures = threads.invokeAll(calls.stream().map(Call::task).toList(), 50,
					TimeUnit.SECONDS);
			for (int i = 0; i < futures.size(); i++) {
				outcomes.add(outcome(calls.get(i).kind(), futures.get(i)));
			}
		}
		finally {
			threads.shutdownNow();
		}
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		UsageReport report = UsageReport.of(this.router, this.tally, this.fakes.getIfAvailable());
		Result result = new Result(outcomes, report, took);
		this.result = result;
		print(result);
	}

	/** The burst, mixed in a fixed order: chat calls, streams and embedding calls interleave. */
	private List<Call> calls() {
		List<Call> calls = new ArrayList<>();
		for (int i = 0; i < this.burst.chatCalls(); i++) {
			int n = i;
			calls.add(new Call(Kind.CHAT, () -> chat(n)));
		}
		for (int i = 0; i < this.burst.streams(); i++) {
			int n = i;
			calls.add(new Call(Kind.STREAM, () -> stream(n)));
		}
		for (int i = 0; i < this.burst.embeddingCalls(); i++) {
			int n = i;
			calls.add(new Call(Kind.EMBEDDING, () -> embed(n)));
		}
		Collections.shuffle(calls, new Random(42));
		return calls;
	}

	private Outcome chat(int n) {
		try {
			String answer = this.chatClient.prompt()
				.user(question(n))
				.options(ChatOptions.builder().model(this.burst.chatModel()).maxTokens(this.burst.maxTokens()))
				.call()
				.content();
			return Outcome.served(Kind.CHAT, answer);
		}
		catch (RuntimeException ex) {
			return Outcome.failed(Kind.CHAT, ex);
		}
	}

	private Outcome stream(int n) {
		try {
			List<String> chunks = this.chatClient.prompt()
				.user(question(n))
				.options(ChatOptions.builder().model(this.burst.chatModel()).maxTokens(this.burst.maxTokens()))
				.stream()
				.content()
				.collectList()
				.block(Duration.ofSeconds(30));
			return Outcome.served(Kind.STREAM,
					(chunks != null) ? chunks.size() + " chunks: " + String.join("", chunks) : null);
		}
		catch (RuntimeException ex) {
			return Outcome.failed(Kind.STREAM, ex);
		}
	}

	private Outcome embed(int n) {
		try {
			List<String> texts = new ArrayList<>();
			for (int i = 0; i < this.burst.textsPerEmbedding(); i++) {
				texts.add("Document " + n + "." + i + ": " + QUESTIONS[(n + i) % QUESTIONS.length]);
			}
			List<float[]> vectors = this.embeddingModel.embed(texts);
			return Outcome.served(Kind.EMBEDDING, vectors.size() + " vectors of "
					+ (vectors.isEmpty() ? 0 : vectors.get(0).length) + " dimensions");
		}
		catch (RuntimeException ex) {
			return Outcome.failed(Kind.EMBEDDING, ex);
		}
	}

	private static String question(int n) {
		return "Question " + (n + 1) + ": " + QUESTIONS[n % QUESTIONS.length] + " Answer in one sentence.";
	}

	private static Outcome outcome(Kind kind, Future<Outcome> future) throws InterruptedException {
		if (future.isCancelled()) {
			return Outcome.failed(kind, new IllegalStateException("The call did not finish in time"));
		}
		try {
			return future.get();
		}
		catch (ExecutionException ex) {
			return Outcome.failed(kind, (ex.getCause() != null) ? ex.getCause() : ex);
		}
	}

	private void print(Result result) {
		List<Outcome> outcomes = result.outcomes();
		for (Kind kind : Kind.values()) {
			outcomes.stream()
				.filter((outcome) -> outcome.kind() == kind && outcome.served() && outcome.detail() != null)
				.findFirst()
				.ifPresent((outcome) -> System.out.println("  " + kind.label + ": " + outcome.detail()));
		}
		System.out.printf(Locale.ROOT, "%nWhere the calls went (%d deployments, usage store '%s', in %.1f s):%n%n",
				result.report().rows().size(), this.router.usageStore().name(), result.took().toMillis() / 1000.0);
		System.out.print(result.report().table());
		System.out.printf(Locale.ROOT, "%nCalls: %d sent, %d served, %d refused (NoDeploymentAvailableException), %d failed.%n",
				outcomes.size(), result.served(), result.refused(), result.failed());
		System.out.printf(Locale.ROOT, "  %d retried on another deployment after a failed attempt; fell back: %s.%n",
				this.tally.retriedCalls(), UsageReport.hops(this.tally.fallbacks()));
		outcomes.stream()
			.filter((outcome) -> outcome.refusal() != null)
			.findFirst()
			.ifPresent((outcome) -> System.out.println("  Refused, for example: " + outcome.detail()));
		outcomes.stream()
			.filter((outcome) -> !outcome.served() && outcome.refusal() == null)
			.limit(3)
			.forEach((outcome) -> System.out.println("  Failed: " + outcome.detail()));
		System.out.println(result.report().limitsRespected() ? "No deployment saw its limits exceeded."
				: "A LIMIT WAS EXCEEDED: see the table.");
		System.out.println();
	}

	/**
	 * The last burst's result.
	 * @return the result, or {@code null} before the burst ran
	 */
	public @Nullable Result result() {
		return this.result;
	}

	/**
	 * 0 when the burst ran, no call failed other than by a refusal, and every deployment
	 * stayed within its limits; else 1.
	 */
	@Override
	public int getExitCode() {
		Result result = this.result;
		return (result != null && result.failed() == 0 && result.report().limitsRespected()) ? 0 : 1;
	}

	private record Call(Kind kind, Callable<Outcome> task) {
	}

	/** What kind of call. */
	public enum Kind {

		CHAT("A chat answer"), STREAM("A streamed answer"), EMBEDDING("An embedding call");

		private final String label;

		Kind(String label) {
			this.label = label;
		}

	}

	/**
	 * How one call ended.
	 *
	 * @param kind the kind of call
	 * @param served whether it was served
	 * @param refusal the router's refusal, when no deployment could take it
	 * @param detail the answer, or the failure
	 */
	public record Outcome(Kind kind, boolean served, @Nullable NoDeploymentAvailableException refusal,
			@Nullable String detail) {

		static Outcome served(Kind kind, @Nullable String detail) {
			return new Outcome(kind, true, null, detail);
		}

		static Outcome failed(Kind kind, Throwable failure) {
			for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
				if (cause instanceof NoDeploymentAvailableException refusal) {
					return new Outcome(kind, false, refusal, refusal.getMessage());
				}
				if (cause.getCause() == cause) {
					break;
				}
			}
			return new Outcome(kind, false, null, failure.toString());
		}

	}

	/**
	 * What a burst did.
	 *
	 * @param outcomes how each call ended
	 * @param report where the calls went
	 * @param took how long the burst took
	 */
	public record Result(List<Outcome> outcomes, UsageReport report, Duration took) {

		/**
		 * Calls served.
		 * @return the count
		 */
		public long served() {
			return this.outcomes.stream().filter(Outcome::served).count();
		}

		/**
		 * Calls the router refused: no deployment could take them without exceeding a limit.
		 * @return the count
		 */
		public long refused() {
			return this.outcomes.stream().filter((outcome) -> outcome.refusal() != null).count();
		}

		/**
		 * Calls that failed otherwise.
		 * @return the count
		 */
		public long failed() {
			return this.outcomes.stream().filter((outcome) -> !outcome.served() && outcome.refusal() == null).count();
		}

	}

}
