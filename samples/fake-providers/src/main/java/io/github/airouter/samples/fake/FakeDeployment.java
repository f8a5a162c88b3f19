package io.github.airouter.samples.fake;

import java.util.function.LongSupplier;

/**
 * One deployment of a fake resource: an Azure OpenAI deployment, or a model of the fake
 * OpenAI. It enforces its own requests-per-minute and tokens-per-minute over a sliding
 * 60-second window, as the real services do: a call that would exceed either is answered
 * 429 with a {@code Retry-After}, and does not count. It counts what it served, what it
 * refused, and the most any 60-second window held; and it logs every call it received,
 * refused ones included, so that what a client sent can be checked against the limits.
 * <p>
 * A deployment may {@linkplain #sharedWithAnotherApplication(int) share its quota} with an
 * application the router cannot see: right after answering the router's n-th call, that
 * application uses what is left of the minute's quota. The router learns of it from the
 * next answer, a 429.
 */
public final class FakeDeployment {

	/** What a deployment serves. */
	public enum Kind {

		/** Chat completions, plain and streamed. */
		CHAT,

		/** Embeddings. */
		EMBEDDING

	}

	/** Tokens one request of the other application uses, when it shares the quota. */
	static final int NEIGHBOUR_TOKENS_PER_REQUEST = 60;

	private final String name;

	private final String model;

	private final Kind kind;

	private final long rpm;

	private final long tpm;

	private final int sharedAfter;

	private final LongSupplier clock;

	private final UsageLog accepted = new UsageLog();

	private final UsageLog fromRouter = new UsageLog();

	private long served;

	private long promptTokens;

	private long completionTokens;

	private long tooManyRequests;

	private long neighbourRequests;

	private long neighbourTokens;

	private FakeDeployment(String name, String model, Kind kind, long rpm, long tpm, int sharedAfter,
			LongSupplier clock) {
		this.name = name;
		this.model = model;
		this.kind = kind;
		this.rpm = rpm;
		this.tpm = tpm;
		this.sharedAfter = sharedAfter;
		this.clock = clock;
	}

	/**
	 * A chat deployment.
	 * @param name the Azure deployment name, or the OpenAI model name
	 * @param model the model it reports in answers
	 * @param rpm requests per minute it allows
	 * @param tpm tokens per minute it allows
	 * @return the deployment
	 */
	public static FakeDeployment chat(String name, String model, long rpm, long tpm) {
		return new FakeDeployment(name, model, Kind.CHAT, rpm, tpm, 0, System::currentTimeMillis);
	}

	/**
	 * An embedding deployment.
	 * @param name the Azure deployment name, or the OpenAI model name
	 * @param model the model it reports in answers
	 * @param rpm requests per minute it allows
	 * @param tpm tokens per minute it allows
	 * @return the deployment
	 */
	public static FakeDeployment embedding(String name, String model, long rpm, long tpm) {
		return new FakeDeployment(name, model, Kind.EMBEDDING, rpm, tpm, 0, System::currentTimeMillis);
	}

	/**
	 * A copy of this deployment whose quota another application shares: right after the
	 * router's {@code routerCalls}-th call is answered, that application uses the rest of
	 * the minute's requests.
	 * @param routerCalls calls of the router served before the other application comes
	 * @return the copy
	 */
	public FakeDeployment sharedWithAnotherApplication(int routerCalls) {
		return new FakeDeployment(this.name, this.model, this.kind, this.rpm, this.tpm, routerCalls, this.clock);
	}

	/**
	 * A copy of this deployment that reads the time from {@code clock}, for tests that move
	 * it by hand.
	 * @param clock the current time in epoch milliseconds
	 * @return the copy
	 */
	FakeDeployment withClock(LongSupplier clock) {
		return new FakeDeployment(this.name, this.model, this.kind, this.rpm, this.tpm, this.sharedAfter, clock);
	}

	/**
	 * Admit a call of {@code promptTokens + completionTokens} tokens, or refuse it.
	 * @param promptTokens the prompt's tokens
	 * @param completionTokens the answer's tokens
	 * @return the decision, with what remains of the quota
	 */
	synchronized Decision admit(long promptTokens, long completionTokens) {
		long now = this.clock.getAsLong();
		long tokens = promptTokens + completionTokens;
		// what the client asked for, whether or not it fits
		this.fromRouter.add(now, 1, tokens);
		long requestsUsed = this.accepted.requests(now);
		long tokensUsed = this.accepted.tokens(now);
		if (requestsUsed + 1 > this.rpm || tokensUsed + tokens > this.tpm) {
			this.tooManyRequests++;
			long wait = this.accepted.millisUntilFits(now, this.rpm, this.tpm, 1, tokens);
			return new Decision(false, this.rpm - requestsUsed, this.tpm - tokensUsed, wait);
		}
		this.accepted.add(now, 1, tokens);
		this.served++;
		this.promptTokens += promptTokens;
		this.completionTokens += completionTokens;
		Decision decision = new Decision(true, this.rpm - requestsUsed - 1, this.tpm - tokensUsed - tokens, 0);
		if (this.served == this.sharedAfter) {
			// the other application's batch: after this answer's headers, which cannot tell
			long requests = decision.remainingRequests();
			long used = Math.min(decision.remainingTokens(), requests * NEIGHBOUR_TOKENS_PER_REQUEST);
			this.accepted.add(now, requests, used);
			this.neighbourRequests += requests;
			this.neighbourTokens += used;
		}
		return decision;
	}

	/**
	 * The Azure deployment name, or the OpenAI model name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The model the deployment reports in its answers.
	 * @return the model
	 */
	public String model() {
		return this.model;
	}

	/**
	 * What the deployment serves.
	 * @return chat or embedding
	 */
	public Kind kind() {
		return this.kind;
	}

	/**
	 * Requests per minute the deployment allows.
	 * @return the limit
	 */
	public long rpm() {
		return this.rpm;
	}

	/**
	 * Tokens per minute the deployment allows.
	 * @return the limit
	 */
	public long tpm() {
		return this.tpm;
	}

	/**
	 * Whether another application shares the quota.
	 * @return whether it does
	 */
	public boolean isShared() {
		return this.sharedAfter > 0;
	}

	/**
	 * After how many of the router's calls the application sharing the quota uses the rest.
	 * @return the number of calls, 0 when the quota is not shared
	 */
	public int sharedAfter() {
		return this.sharedAfter;
	}

	/**
	 * What the deployment has seen so far.
	 * @return its counts
	 */
	public synchronized Stats stats() {
		return new Stats(this.served, this.promptTokens, this.completionTokens, this.tooManyRequests,
				this.accepted.peakRequests(), this.accepted.peakTokens(), this.fromRouter.peakRequests(),
				this.fromRouter.peakTokens(), this.neighbourRequests, this.neighbourTokens);
	}

	@Override
	public String toString() {
		return this.name + " (" + this.kind.name().toLowerCase(java.util.Locale.ROOT) + ", rpm " + this.rpm + ", tpm "
				+ this.tpm + (isShared() ? ", quota shared with another application" : "") + ")";
	}

	/**
	 * Whether a call was admitted, and what remains of the quota.
	 *
	 * @param accepted whether the call was admitted
	 * @param remainingRequests requests left in the current window
	 * @param remainingTokens tokens left in the current window
	 * @param retryAfterMillis when refused: how long until the call would fit (-1: never)
	 */
	record Decision(boolean accepted, long remainingRequests, long remainingTokens, long retryAfterMillis) {
	}

	/**
	 * What a deployment has seen.
	 *
	 * @param served calls answered
	 * @param promptTokens prompt tokens of the calls answered
	 * @param completionTokens completion tokens of the calls answered
	 * @param tooManyRequests calls refused with a 429
	 * @param peakRequests the most requests it served in any 60-second window, the other
	 * application's included
	 * @param peakTokens the most tokens it served in any 60-second window, the other
	 * application's included
	 * @param peakRouterRequests the most requests the router sent in any 60-second window,
	 * refused ones included
	 * @param peakRouterTokens the most tokens the router's requests asked for in any 60-second
	 * window, refused ones included
	 * @param neighbourRequests requests of the application sharing the quota
	 * @param neighbourTokens tokens of the application sharing the quota
	 */
	public record Stats(long served, long promptTokens, long completionTokens, long tooManyRequests,
			long peakRequests, long peakTokens, long peakRouterRequests, long peakRouterTokens,
			long neighbourRequests, long neighbourTokens) {

		/**
		 * Tokens served.
		 * @return prompt and completion tokens
		 */
		public long tokens() {
			return this.promptTokens + this.completionTokens;
		}

	}

}
