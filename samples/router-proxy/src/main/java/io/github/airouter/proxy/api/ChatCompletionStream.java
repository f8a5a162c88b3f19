package io.github.airouter.proxy.api;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import io.github.airouter.routing.StreamTimeoutException;

/**
 * Relays a routed chat stream to the client as server-sent events, in OpenAI's framing:
 * {@code data: <chat.completion.chunk>\n\n} per chunk, the usage chunk when the client
 * asked for it, then {@code data: [DONE]\n\n}.
 * <p>
 * The HTTP status is decided by the stream's first signal: the request thread waits for
 * it, so that a stream the router cannot start (no capacity, unknown model, a provider's
 * error on every deployment) is answered with a plain error status and OpenAI's error
 * JSON, as a non-streamed call would be. After the first chunk the status is sent; a later
 * failure becomes a last event {@code data: {"error": {...}}}, which OpenAI's clients
 * raise as an error. The rest of the stream is written from the provider client's threads:
 * no thread waits on a running stream, and a client that goes away cancels it.
 */
final class ChatCompletionStream {

	private final ResponseBodyEmitter emitter;

	private final ChatCompletions.Chunks chunks;

	private final ApiErrors errors;

	private final JsonMapper json;

	private final CompletableFuture<Void> started = new CompletableFuture<>();

	private volatile @Nullable Disposable subscription;

	private volatile boolean closed;

	private ChatCompletionStream(ChatCall call, Duration timeout, ApiErrors errors, JsonMapper json) {
		this.emitter = new ResponseBodyEmitter(timeout.toMillis());
		this.chunks = new ChatCompletions.Chunks(call.model(), call.includeUsage());
		this.errors = errors;
		this.json = json;
	}

	/**
	 * Start relaying a stream, once its first signal has come.
	 * @param responses the routed stream
	 * @param call the request
	 * @param timeout how long the stream may take in all
	 * @param errors what failures become
	 * @param json writes the chunks
	 * @return the response, its body written as the stream goes on
	 * @throws RuntimeException what the stream failed with before its first chunk
	 */
	static ResponseEntity<ResponseBodyEmitter> relay(Flux<ChatResponse> responses, ChatCall call, Duration timeout,
			ApiErrors errors, JsonMapper json) {
		return new ChatCompletionStream(call, timeout, errors, json).start(responses, timeout);
	}

	private ResponseEntity<ResponseBodyEmitter> start(Flux<ChatResponse> responses, Duration timeout) {
		this.emitter.onTimeout(this::cancel);
		this.emitter.onError((ex) -> cancel());
		this.emitter.onCompletion(this::cancel);
		this.subscription = responses.subscribe(this::next, this::failed, this::completed);
		try {
			this.started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			cancel();
			Throwable cause = (ex.getCause() != null) ? ex.getCause() : ex;
			throw (cause instanceof RuntimeException runtime) ? runtime : new CompletionException(cause);
		}
		catch (TimeoutException ex) {
			cancel();
			throw new StreamTimeoutException("The stream sent nothing within " + timeout, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			cancel();
			throw new CompletionException(ex);
		}
		return ResponseEntity.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			// no buffering in a reverse proxy in front (nginx)
			.header("X-Accel-Buffering", "no")
			.body(this.emitter);
	}

	private void next(ChatResponse response) {
		for (ObjectNode chunk : this.chunks.of(response)) {
			send(this.json.writeValueAsString(chunk));
		}
		// sends before the response is returned are kept and written first
		this.started.complete(null);
	}

	private void failed(Throwable failure) {
		if (this.started.completeExceptionally(failure)) {
			// nothing sent yet: the request thread answers with an error status
			return;
		}
		send(this.json.writeValueAsString(this.errors.of(failure).body()));
		complete();
	}

	private void completed() {
		ObjectNode usage = this.chunks.usageChunk();
		if (usage != null) {
			send(this.json.writeValueAsString(usage));
		}
		send("[DONE]");
		complete();
		this.started.complete(null);
	}

	private void send(String data) {
		if (this.closed) {
			return;
		}
		try {
			this.emitter.send("data: " + data + "\n\n", MediaType.TEXT_PLAIN);
		}
		catch (IOException | IllegalStateException ex) {
			// the client went away, or the stream timed out: stop the provider's stream
			this.closed = true;
			cancel();
		}
	}

	private void complete() {
		if (!this.closed) {
			this.closed = true;
			this.emitter.complete();
		}
	}

	private void cancel() {
		Disposable subscription = this.subscription;
		if (subscription != null) {
			subscription.dispose();
		}
	}

}
