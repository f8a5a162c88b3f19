package io.github.airouter.proxy.api;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring AI responses written as OpenAI's chat completions and chunks.
 */
class ChatCompletionsTests {

	@Test
	void toolCallsComeBackToTheClient() {
		AssistantMessage message = AssistantMessage.builder()
			.content("")
			.toolCalls(List.of(new AssistantMessage.ToolCall("call_1", "function", "weather", "{\"city\":\"Paris\"}")))
			.build();
		ChatResponse response = new ChatResponse(
				List.of(new Generation(message, ChatGenerationMetadata.builder().finishReason("TOOL_CALLS").build())),
				ChatResponseMetadata.builder()
					.id("chatcmpl-1")
					.keyValue("created", 1700000000L)
					.usage(new DefaultUsage(20, 5))
					.build());
		ObjectNode completion = ChatCompletions.completion("gpt-4o", response);
		assertThat(completion.path("id").asString()).isEqualTo("chatcmpl-1");
		assertThat(completion.path("created").asLong()).isEqualTo(1700000000L);
		assertThat(completion.path("model").asString()).isEqualTo("gpt-4o");
		JsonNode choice = completion.at("/choices/0");
		assertThat(choice.at("/message/content").isNull()).isTrue();
		assertThat(choice.at("/message/tool_calls/0/id").asString()).isEqualTo("call_1");
		assertThat(choice.at("/message/tool_calls/0/type").asString()).isEqualTo("function");
		assertThat(choice.at("/message/tool_calls/0/function/name").asString()).isEqualTo("weather");
		assertThat(choice.at("/message/tool_calls/0/function/arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
		assertThat(choice.path("finish_reason").asString()).isEqualTo("tool_calls");
		assertThat(completion.at("/usage/total_tokens").asInt()).isEqualTo(25);
	}

	@Test
	void chunksCarryTheRoleOnceAndUsageLast() {
		ChatCompletions.Chunks chunks = new ChatCompletions.Chunks("gpt-4o", true);
		List<ObjectNode> first = chunks.of(piece("Hel", null));
		List<ObjectNode> second = chunks.of(piece("lo", "STOP"));
		List<ObjectNode> usage = chunks.of(new ChatResponse(List.of(),
				ChatResponseMetadata.builder().id("chatcmpl-2").usage(new DefaultUsage(8, 2)).build()));
		assertThat(first).singleElement().satisfies((chunk) -> {
			assertThat(chunk.path("object").asString()).isEqualTo("chat.completion.chunk");
			assertThat(chunk.at("/choices/0/delta/role").asString()).isEqualTo("assistant");
			assertThat(chunk.at("/choices/0/delta/content").asString()).isEqualTo("Hel");
			assertThat(chunk.at("/choices/0/finish_reason").isNull()).isTrue();
			assertThat(chunk.get("usage").isNull()).isTrue();
		});
		assertThat(second).singleElement().satisfies((chunk) -> {
			assertThat(chunk.at("/choices/0/delta").has("role")).isFalse();
			assertThat(chunk.at("/choices/0/finish_reason").asString()).isEqualTo("stop");
			assertThat(chunk.path("id").asString()).isEqualTo("chatcmpl-2");
		});
		assertThat(usage).isEmpty();
		ObjectNode last = chunks.usageChunk();
		assertThat(last).isNotNull();
		assertThat(last.path("choices")).isEmpty();
		assertThat(last.at("/usage/prompt_tokens").asInt()).isEqualTo(8);
		assertThat(last.at("/usage/completion_tokens").asInt()).isEqualTo(2);
		assertThat(new ChatCompletions.Chunks("gpt-4o", false).usageChunk()).isNull();
	}

	private static ChatResponse piece(String text, String finishReason) {
		AssistantMessage message = AssistantMessage.builder().content(text).properties(Map.of("index", 0)).build();
		return new ChatResponse(
				List.of(new Generation(message, ChatGenerationMetadata.builder().finishReason(finishReason).build())),
				ChatResponseMetadata.builder().id("chatcmpl-2").build());
	}

}
