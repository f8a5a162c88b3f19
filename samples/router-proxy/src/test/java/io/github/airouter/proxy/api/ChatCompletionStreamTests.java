package io.github.airouter.proxy.api;

import java.time.Duration;
import java.util.List;

import com.openai.errors.OpenAIIoException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import io.github.airouter.routing.NoDeploymentAvailableException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * A stream's answer: nothing holds the request's thread until its first chunk; a failure
 * before it is an error status, after it a last error event.
 */
class ChatCompletionStreamTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final ChatCall CALL = new ChatCall("gpt-4o", new Prompt("Hi"), true, true);

	private final ApiErrors errors = new ApiErrors(List.of());

	@Test
	void noThreadWaitsForTheFirstChunk() {
		Sinks.Many<ChatResponse> provider = Sinks.many().unicast().onBackpressureBuffer();
		DeferredResult<ResponseEntity<ResponseBodyEmitter>> answer = ChatCompletionStream.relay(provider.asFlux(),
				CALL, Duration.ofSeconds(5), this.errors, json);
		// back at once, subscribed, the provider silent
		assertThat(provider.currentSubscriberCount()).isOne();
		assertThat(answer.hasResult()).isFalse();
		provider.tryEmitNext(piece("Hello"));
		assertThat(answer.getResult()).isInstanceOfSatisfying(ResponseEntity.class, (response) -> {
			assertThat(response.getStatusCode().value()).isEqualTo(200);
			assertThat(response.getBody()).isInstanceOf(ResponseBodyEmitter.class);
		});
	}

	@Test
	void aFailureBeforeTheFirstChunkIsAnErrorStatus() throws Exception {
		MockMvc mvc = mvc(Flux.error(new NoDeploymentAvailableException("gpt-4o", Duration.ofMillis(2500), "full")));
		MvcResult started = mvc.perform(post("/stream")).andExpect(request().asyncStarted()).andReturn();
		mvc.perform(asyncDispatch(started))
			.andExpect(status().isTooManyRequests())
			.andExpect(header().string("Retry-After", "3"))
			.andExpect(jsonPath("$.error.code").value("rate_limit_exceeded"));
	}

	@Test
	void aFailureAfterTheFirstChunkIsALastErrorEvent() throws Exception {
		MockMvc mvc = mvc(Flux.just(piece("Hello")).concatWith(Flux.error(new OpenAIIoException("reset", null))));
		MvcResult started = mvc.perform(post("/stream")).andExpect(request().asyncStarted()).andReturn();
		MvcResult result = mvc.perform(asyncDispatch(started)).andReturn();
		result.getAsyncResult(5000);
		assertThat(result.getResponse().getStatus()).isEqualTo(200);
		assertThat(result.getResponse().getContentType()).startsWith("text/event-stream");
		String body = result.getResponse().getContentAsString();
		assertThat(body).startsWith("data: {\"id\":\"chatcmpl-3\"")
			.endsWith("data: {\"error\":{\"message\":\"The model's deployments could not be reached.\","
					+ "\"type\":\"server_error\",\"param\":null,\"code\":\"upstream_unreachable\"}}\n\n")
			.doesNotContain("[DONE]");
	}

	private MockMvc mvc(Flux<ChatResponse> responses) {
		return MockMvcBuilders.standaloneSetup(new StreamController(responses, CALL, this.errors))
			.setControllerAdvice(new ApiExceptionHandler(this.errors))
			.build();
	}

	private static ChatResponse piece(String text) {
		return new ChatResponse(List.of(new Generation(new AssistantMessage(text), ChatGenerationMetadata.NULL)),
				ChatResponseMetadata.builder().id("chatcmpl-3").build());
	}

	@RestController
	static class StreamController {

		private final Flux<ChatResponse> responses;

		private final ChatCall call;

		private final ApiErrors errors;

		StreamController(Flux<ChatResponse> responses, ChatCall call, ApiErrors errors) {
			this.responses = responses;
			this.call = call;
			this.errors = errors;
		}

		@PostMapping("/stream")
		DeferredResult<ResponseEntity<ResponseBodyEmitter>> stream() {
			return ChatCompletionStream.relay(this.responses, this.call, Duration.ofSeconds(5), this.errors, json);
		}

	}

}
