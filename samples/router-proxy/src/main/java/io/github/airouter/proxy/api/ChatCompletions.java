package io.github.airouter.proxy.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;

/**
 * Writes Spring AI chat responses as OpenAI's {@code chat.completion} and
 * {@code chat.completion.chunk} objects. The {@code model} is the model group the client
 * named; the {@code id} and {@code created} are the provider's when it sent them.
 */
final class ChatCompletions {

	private static final JsonNodeFactory nodes = JsonNodeFactory.instance;

	private ChatCompletions() {
	}

	/**
	 * A whole answer.
	 * @param model the model group the client named
	 * @param response the routed call's response
	 * @return the {@code chat.completion}
	 */
	static ObjectNode completion(String model, ChatResponse response) {
		ObjectNode completion = head(id(response), "chat.completion", created(response), model);
		ArrayNode choices = completion.putArray("choices");
		List<Generation> results = response.getResults();
		for (int i = 0; i < results.size(); i++) {
			Generation generation = results.get(i);
			AssistantMessage output = generation.getOutput();
			ObjectNode choice = choices.addObject().put("index", index(output, i));
			ObjectNode message = choice.putObject("message").put("role", "assistant");
			String text = output.getText();
			if (output.hasToolCalls() && (text == null || text.isEmpty())) {
				message.putNull("content");
			}
			else {
				message.put("content", (text != null) ? text : "");
			}
			Object refusal = output.getMetadata().get("refusal");
			if (refusal instanceof String value && !value.isEmpty()) {
				message.put("refusal", value);
			}
			else {
				message.putNull("refusal");
			}
			if (output.hasToolCalls()) {
				toolCalls(message.putArray("tool_calls"), output.getToolCalls(), false);
			}
			choice.putNull("logprobs");
			String finishReason = finishReason(generation);
			choice.put("finish_reason",
					(finishReason != null) ? finishReason : (output.hasToolCalls() ? "tool_calls" : "stop"));
		}
		completion.set("usage", usage(response.getMetadata().getUsage()));
		return completion;
	}

	/**
	 * Writes one stream's chunks: a role on each choice's first delta, the text pieces,
	 * tool calls, finish reasons, and at the end, when the client asked for it, a usage
	 * chunk with no choices.
	 */
	static final class Chunks {

		private final String model;

		private final boolean includeUsage;

		private final Set<Integer> started = new HashSet<>();

		private @Nullable String id;

		private long created;

		private @Nullable Usage usage;

		Chunks(String model, boolean includeUsage) {
			this.model = model;
			this.includeUsage = includeUsage;
		}

		/**
		 * The chunks of one streamed response: one per choice that has something to say.
		 * @param response a response of the stream
		 * @return the chunks, maybe none (the provider's usage chunk)
		 */
		List<ObjectNode> of(ChatResponse response) {
			if (this.id == null) {
				this.id = id(response);
				this.created = created(response);
			}
			Usage reported = response.getMetadata().getUsage();
			if (reported != null && reported.getTotalTokens() != null && reported.getTotalTokens() > 0) {
				this.usage = reported;
			}
			List<ObjectNode> chunks = new ArrayList<>();
			List<Generation> results = response.getResults();
			for (int i = 0; i < results.size(); i++) {
				Generation generation = results.get(i);
				AssistantMessage output = generation.getOutput();
				int index = index(output, i);
				ObjectNode delta = nodes.objectNode();
				boolean first = this.started.add(index);
				if (first) {
					delta.put("role", "assistant");
				}
				String text = output.getText();
				if ((text != null && !text.isEmpty()) || (first && !output.hasToolCalls())) {
					delta.put("content", (text != null) ? text : "");
				}
				if (output.hasToolCalls()) {
					toolCalls(delta.putArray("tool_calls"), output.getToolCalls(), true);
				}
				String finishReason = finishReason(generation);
				if (delta.isEmpty() && finishReason == null) {
					continue;
				}
				ObjectNode chunk = head(this.id, "chat.completion.chunk", this.created, this.model);
				ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
				choice.set("delta", delta);
				choice.putNull("logprobs");
				choice.put("finish_reason", finishReason);
				if (this.includeUsage) {
					chunk.putNull("usage");
				}
				chunks.add(chunk);
			}
			return chunks;
		}

		/**
		 * The last chunk: no choices, the whole stream's usage.
		 * @return the chunk, or {@code null} when the client did not ask for usage
		 */
		@Nullable ObjectNode usageChunk() {
			if (!this.includeUsage) {
				return null;
			}
			String id = (this.id != null) ? this.id : newId();
			long created = (this.created > 0) ? this.created : now();
			ObjectNode chunk = head(id, "chat.completion.chunk", created, this.model);
			chunk.putArray("choices");
			chunk.set("usage", usage(this.usage));
			return chunk;
		}

	}

	private static ObjectNode head(String id, String object, long created, String model) {
		return nodes.objectNode().put("id", id).put("object", object).put("created", created).put("model", model);
	}

	private static void toolCalls(ArrayNode array, List<AssistantMessage.ToolCall> toolCalls, boolean indexed) {
		for (int i = 0; i < toolCalls.size(); i++) {
			AssistantMessage.ToolCall call = toolCalls.get(i);
			ObjectNode node = array.addObject();
			if (indexed) {
				node.put("index", i);
			}
			node.put("id", call.id()).put("type", "function");
			node.putObject("function").put("name", call.name()).put("arguments", call.arguments());
		}
	}

	private static ObjectNode usage(@Nullable Usage usage) {
		int prompt = (usage != null && usage.getPromptTokens() != null) ? usage.getPromptTokens() : 0;
		int completion = (usage != null && usage.getCompletionTokens() != null) ? usage.getCompletionTokens() : 0;
		Integer total = (usage != null) ? usage.getTotalTokens() : null;
		return nodes.objectNode()
			.put("prompt_tokens", prompt)
			.put("completion_tokens", completion)
			.put("total_tokens", (total != null && total > 0) ? total : prompt + completion);
	}

	/** OpenAI's finish reason ({@code stop}, {@code length}, {@code tool_calls}, ...) or null. */
	private static @Nullable String finishReason(Generation generation) {
		String reason = generation.getMetadata().getFinishReason();
		return (reason != null && !reason.isBlank()) ? reason.toLowerCase(Locale.ROOT) : null;
	}

	private static int index(AssistantMessage output, int position) {
		return (output.getMetadata().get("index") instanceof Number number) ? number.intValue() : position;
	}

	private static String id(ChatResponse response) {
		ChatResponseMetadata metadata = response.getMetadata();
		String id = metadata.getId();
		return (id != null && !id.isBlank()) ? id : newId();
	}

	private static long created(ChatResponse response) {
		Object created = response.getMetadata().get("created");
		return (created instanceof Number number && number.longValue() > 0) ? number.longValue() : now();
	}

	private static String newId() {
		return "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
	}

	private static long now() {
		return System.currentTimeMillis() / 1000;
	}

}
