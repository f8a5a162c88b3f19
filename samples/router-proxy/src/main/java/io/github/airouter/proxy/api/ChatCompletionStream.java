package io.github.airouter.proxy.api;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import io.github.airouter.routing.StreamTimeoutException;

/**
 * Relays a routed chat stream to the client as server-sent events, in OpenAI's framing:
 * {@code data: <chat.completion.chunk>\n\n} per chunk, the usage chunk when the client
 * asked for it, then {@code data: [DONE]\n\n}.
 * <p>
 * The HTTP status is decided by the stream's first signal, so that a stream the router
 * cannot start (no capacity, unknown model, a provider's error on every deployment) is
 * answered with a plain error status and OpenAI's error JSON, as a non-streamed call would
 * be. No thread waits for that signal: the answer is a {@link DeferredResult}, so the
 * request's thread goes back to the server at once (Spring MVC's async processing), and
 * the first signal completes it from the provider client's thread: an error, or a 200
 * whose body is an emitter. After the first chunk a failure becomes a last event
 * {@code data: {"error": {...}}}, which OpenAI's clients raise as an error. The whole
 * stream, first chunk included, may take {@code timeout}.
 * <p>
 * A client that goes away cancels the provider's stream: the next write to it fails, and
 * the router settles the call as cancelled.
 */
final class ChatCompletionStream {

	private final DeferredResult<ResponseEntity<ResponseBodyEmitter>> answer;

	private final ChatCompletions.Chunks chunks;

	private final ApiErrors errors;

	private final JsonMapper json;

	private final Duration timeout;

	private final long startedNanos = System.nanoTime();

	/** Written only from the stream's signals, which never overlap. */
	private @Nullable ResponseBodyEmitter emitter;

	private volatile @Nullable Disposable subscription;

	private volatile boolean closed;

	private ChatCompletionStream(ChatCall call, Duration timeout, ApiErrors errors, JsonMapper json) {
		this.answer = new DeferredResult<>(timeout.toMillis());
		this.chunks = new ChatCompletions.Chunks(call.model(), call.includeUsage());
		this.errors = errors;
		this.json = json;
		this.timeout = timeout;
	}

	/**
	 * Start relaying a stream; the answer is set when its first signal comes.
	 * @param responses the routed stream
	 * @param call the request
	 * @param timeout how long the stream may take in all
	 * @param errors what failures become
	 * @param json writes the chunks
	 * @return the answer: a 200 whose body is written as the stream goes on, or what the
	 * stream failed with before its first chunk
	 */
	static DeferredResult<ResponseEntity<ResponseBodyEmitter>> relay(Flux<ChatResponse> responses, ChatCall call,
			Duration timeout, ApiErrors errors, JsonMapper json) {
		return new ChatCompletionStream(call, timeout, errors, json).start(responses);
	}

	private DeferredResult<ResponseEntity<ResponseBodyEmitter>> start(Flux<ChatResponse> responses) {
		this.answer.onTimeout(() -> {
			cancel();
			String message = "The stream sent nothing within " + this.timeout;
			this.answer.setErrorResult(new StreamTimeoutException(message, new TimeoutException(message)));
		});
		// the client went away before the first chunk (when the server notices)
		this.answer.onError((ex) -> cancel());
		Disposable subscription = responses.subscribe(this::next, this::failed, this::completed);
		this.subscription = subscription;
		if (this.closed) {
			// closed while subscribing, before the subscription was known
			subscription.dispose();
		}
		return this.answer;
	}

	private void next(ChatResponse response) {
		ResponseBodyEmitter emitter = emitter();
		for (ObjectNode chunk : this.chunks.of(response)) {
			send(emitter, this.json.writeValueAsString(chunk));
		}
		answer(emitter);
	}

	private void failed(Throwable failure) {
		ResponseBodyEmitter emitter = this.emitter;
		if (emitter == null) {
			// nothing sent yet: an error status
			if (!this.answer.setErrorResult(failure)) {
				// timed out already
				this.closed = true;
			}
			return;
		}
		send(emitter, this.json.writeValueAsString(this.errors.of(failure).body()));
		complete(emitter);
	}

	private void completed() {
		ResponseBodyEmitter emitter = emitter();
		ObjectNode usage = this.chunks.usageChunk();
		if (usage != null) {
			send(emitter, this.json.writeValueAsString(usage));
		}
		send(emitter, "[DONE]");
		complete(emitter);
		answer(emitter);
	}

	/**
	 * The emitter of the answer, made at the first signal with what is left of the timeout.
	 * What is sent before Spring MVC takes it is kept and written first.
	 */
	private ResponseBodyEmitter emitter() {
		ResponseBodyEmitter emitter = this.emitter;
		if (emitter == null) {
			long leftMillis = this.timeout.toMillis() - (System.nanoTime() - this.startedNanos) / 1_000_000;
			emitter = new ResponseBodyEmitter(Math.max(1, leftMillis));
			emitter.onTimeout(this::cancel);
			emitter.onError((ex) -> cancel());
			emitter.onCompletion(this::cancel);
			this.emitter = emitter;
		}
		return emitter;
	}

	/** Answer 200 with the emitter, once; too late (the stream timed out) cancels it. */
	private void answer(ResponseBodyEmitter emitter) {
		if (this.answer.isSetOrExpired()) {
			return;
		}
		boolean set = this.answer.setResult(ResponseEntity.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			// no buffering in a reverse proxy in front (nginx)
			.header("X-Accel-Buffering", "no")
			.body(emitter));
		if (!set) {
			this.closed = true;
			cancel();
		}
	}

	private void send(ResponseBodyEmitter emitter, String data) {
		if (this.closed) {
			return;
		}
		try {
			emitter.send("data: " + data + "\n\n", MediaType.TEXT_PLAIN);
		}
		catch (IOException | IllegalStateException ex) {
			// the client went away, or the stream timed out: stop the provider's stream
			this.closed = true;
			cancel();
		}
	}

	private void complete(ResponseBodyEmitter emitter) {
		if (!this.closed) {
			this.closed = true;
			emitter.complete();
		}
	}

	private void cancel() {
		Disposable subscription = this.subscription;
		if (subscription != null) {
			subscription.dispose();
		}
	}

}
