package io.github.airouter.proxy.api;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.openai.OpenAiChatModel.ResponseFormat;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.util.MimeType;
import org.springframework.util.MimeTypeUtils;

import static io.github.airouter.proxy.api.JsonFields.invalidType;
import static io.github.airouter.proxy.api.JsonFields.invalidValue;
import static io.github.airouter.proxy.api.JsonFields.missing;
import static io.github.airouter.proxy.api.JsonFields.optionalBoolean;
import static io.github.airouter.proxy.api.JsonFields.optionalInteger;
import static io.github.airouter.proxy.api.JsonFields.optionalNumber;
import static io.github.airouter.proxy.api.JsonFields.optionalString;
import static io.github.airouter.proxy.api.JsonFields.optionalStrings;
import static io.github.airouter.proxy.api.JsonFields.requiredString;

/**
 * Reads an OpenAI chat completion request into a {@link ChatCall}: the messages (system,
 * developer, user with text and image parts, assistant with tool calls, tool results) as
 * Spring AI messages, and {@code temperature}, {@code top_p}, {@code max_tokens} /
 * {@code max_completion_tokens}, {@code stop}, {@code n}, {@code seed}, the penalties,
 * {@code user}, {@code response_format}, {@code tools}, {@code tool_choice},
 * {@code parallel_tool_calls} and {@code reasoning_effort} as
 * {@link OpenAiChatOptions} naming the requested model. Other fields are ignored.
 */
final class ChatRequests {

	private static final String EMPTY_SCHEMA = "{\"type\":\"object\",\"properties\":{}}";

	private final JsonMapper json;

	ChatRequests(JsonMapper json) {
		this.json = json;
	}

	/**
	 * Read a request body.
	 * @param root the body
	 * @return the call
	 * @throws InvalidRequestException if the body is not a valid chat completion request
	 */
	ChatCall read(JsonNode root) {
		String model = requiredString(root, "model", "model");
		if (model.isBlank()) {
			throw invalidValue("model", "the model name is empty.");
		}
		List<Message> messages = messages(root.get("messages"));
		OpenAiChatOptions.Builder options = OpenAiChatOptions.builder().model(model);
		options.temperature(optionalNumber(root, "temperature"));
		options.topP(optionalNumber(root, "top_p"));
		options.presencePenalty(optionalNumber(root, "presence_penalty"));
		options.frequencyPenalty(optionalNumber(root, "frequency_penalty"));
		Integer maxCompletionTokens = optionalInteger(root, "max_completion_tokens");
		Integer maxTokens = optionalInteger(root, "max_tokens");
		if (maxCompletionTokens != null) {
			options.maxCompletionTokens(maxCompletionTokens);
		}
		else if (maxTokens != null) {
			options.maxTokens(maxTokens);
		}
		options.n(optionalInteger(root, "n"));
		options.seed(optionalInteger(root, "seed"));
		List<String> stop = optionalStrings(root, "stop");
		if (stop != null && !stop.isEmpty()) {
			options.stop(stop);
		}
		options.user(optionalString(root, "user", "user"));
		options.reasoningEffort(optionalString(root, "reasoning_effort", "reasoning_effort"));
		options.parallelToolCalls(optionalBoolean(root, "parallel_tool_calls"));
		ResponseFormat responseFormat = responseFormat(root.get("response_format"));
		if (responseFormat != null) {
			options.responseFormat(responseFormat);
		}
		List<ToolCallback> tools = tools(root.get("tools"));
		if (!tools.isEmpty()) {
			options.toolCallbacks(tools);
		}
		Object toolChoice = toolChoice(root.get("tool_choice"));
		if (toolChoice != null) {
			options.toolChoice(toolChoice);
		}
		boolean stream = Boolean.TRUE.equals(optionalBoolean(root, "stream"));
		boolean includeUsage = false;
		JsonNode streamOptions = root.get("stream_options");
		if (streamOptions != null && !streamOptions.isNull()) {
			if (!streamOptions.isObject()) {
				throw invalidType("stream_options", "an object", streamOptions);
			}
			if (!stream) {
				throw invalidValue("stream_options", "it is only allowed when 'stream' is true.");
			}
			includeUsage = Boolean.TRUE.equals(optionalBoolean(streamOptions, "include_usage"));
		}
		// a stream always asks the provider for its usage: the router settles the call's
		// tokens with it; the client gets the usage chunk only if it asked
		options.streamUsage(true);
		return new ChatCall(model, new Prompt(messages, options.build()), stream, includeUsage);
	}

	private List<Message> messages(@Nullable JsonNode node) {
		if (node == null || node.isNull()) {
			throw missing("messages");
		}
		if (!node.isArray()) {
			throw invalidType("messages", "an array", node);
		}
		if (node.isEmpty()) {
			throw new InvalidRequestException("Invalid 'messages': empty array. Expected an array with minimum "
					+ "length 1, but got an empty array instead.", "messages", "empty_array");
		}
		List<Message> messages = new ArrayList<>();
		Map<String, String> toolNames = new HashMap<>();
		for (int i = 0; i < node.size(); i++) {
			messages.add(message(node.get(i), "messages[" + i + "]", toolNames));
		}
		return messages;
	}

	private Message message(JsonNode node, String param, Map<String, String> toolNames) {
		if (!node.isObject()) {
			throw invalidType(param, "an object", node);
		}
		String role = requiredString(node, "role", param + ".role");
		return switch (role) {
			case "system", "developer" -> new SystemMessage(text(node.get("content"), param + ".content", true));
			case "user" -> user(node, param);
			case "assistant" -> assistant(node, param, toolNames);
			case "tool" -> tool(node, param, toolNames);
			default -> throw invalidValue(param + ".role",
					"'" + role + "' is not one of 'system', 'developer', 'user', 'assistant', 'tool'.");
		};
	}

	private UserMessage user(JsonNode node, String param) {
		JsonNode content = node.get("content");
		if (content == null || content.isNull()) {
			throw missing(param + ".content");
		}
		if (content.isString()) {
			return new UserMessage(content.stringValue());
		}
		if (!content.isArray()) {
			throw invalidType(param + ".content", "a string or an array of content parts", content);
		}
		StringBuilder text = new StringBuilder();
		List<Media> media = new ArrayList<>();
		for (int i = 0; i < content.size(); i++) {
			JsonNode part = content.get(i);
			String partParam = param + ".content[" + i + "]";
			if (!part.isObject()) {
				throw invalidType(partParam, "an object", part);
			}
			String type = requiredString(part, "type", partParam + ".type");
			if ("text".equals(type)) {
				appendLine(text, requiredString(part, "text", partParam + ".text"));
			}
			else if ("image_url".equals(type)) {
				media.add(image(part, partParam));
			}
			else {
				throw invalidValue(partParam + ".type", "'" + type
						+ "' content parts are not supported by this proxy; use 'text' or 'image_url'.");
			}
		}
		return UserMessage.builder().text(text.toString()).media(media).build();
	}

	private static Media image(JsonNode part, String param) {
		JsonNode image = part.get("image_url");
		if (image == null || image.isNull()) {
			throw missing(param + ".image_url");
		}
		String url = image.isString() ? image.stringValue() : requiredString(image, "url", param + ".image_url.url");
		MimeType type = MimeType.valueOf("image/*");
		if (url.startsWith("data:") && url.indexOf(';') > 5) {
			try {
				type = MimeTypeUtils.parseMimeType(url.substring(5, url.indexOf(';')));
			}
			catch (RuntimeException ex) {
				throw invalidValue(param + ".image_url.url", "the data URL's media type cannot be read.");
			}
		}
		if (!"image".equals(type.getType())) {
			throw invalidValue(param + ".image_url.url", "a data URL of an image is expected.");
		}
		// the URL (http or data:) goes to the provider as given
		return Media.builder().mimeType(type).data(url).build();
	}

	private AssistantMessage assistant(JsonNode node, String param, Map<String, String> toolNames) {
		JsonNode calls = node.get("tool_calls");
		List<AssistantMessage.ToolCall> toolCalls = new ArrayList<>();
		if (calls != null && !calls.isNull()) {
			if (!calls.isArray()) {
				throw invalidType(param + ".tool_calls", "an array", calls);
			}
			for (int i = 0; i < calls.size(); i++) {
				JsonNode call = calls.get(i);
				String callParam = param + ".tool_calls[" + i + "]";
				if (!call.isObject()) {
					throw invalidType(callParam, "an object", call);
				}
				String id = requiredString(call, "id", callParam + ".id");
				JsonNode function = call.get("function");
				if (function == null || !function.isObject()) {
					throw missing(callParam + ".function");
				}
				String name = requiredString(function, "name", callParam + ".function.name");
				String arguments = optionalString(function, "arguments", callParam + ".function.arguments");
				toolCalls.add(new AssistantMessage.ToolCall(id, "function", name, (arguments != null) ? arguments : "{}"));
				toolNames.put(id, name);
			}
		}
		String text = text(node.get("content"), param + ".content", toolCalls.isEmpty());
		return AssistantMessage.builder().content(text).toolCalls(toolCalls).build();
	}

	private ToolResponseMessage tool(JsonNode node, String param, Map<String, String> toolNames) {
		String id = requiredString(node, "tool_call_id", param + ".tool_call_id");
		String result = text(node.get("content"), param + ".content", true);
		return ToolResponseMessage.builder()
			.responses(List.of(new ToolResponseMessage.ToolResponse(id, toolNames.getOrDefault(id, ""), result)))
			.build();
	}

	/** A message's text: a string, or the text of an array of text parts. */
	private static String text(@Nullable JsonNode content, String param, boolean required) {
		if (content == null || content.isNull()) {
			if (required) {
				throw missing(param);
			}
			return "";
		}
		if (content.isString()) {
			return content.stringValue();
		}
		if (!content.isArray()) {
			throw invalidType(param, "a string or an array of text parts", content);
		}
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < content.size(); i++) {
			JsonNode part = content.get(i);
			String partParam = param + "[" + i + "]";
			if (!part.isObject()) {
				throw invalidType(partParam, "an object", part);
			}
			String type = requiredString(part, "type", partParam + ".type");
			if (!"text".equals(type) && !"refusal".equals(type)) {
				throw invalidValue(partParam + ".type", "only 'text' parts are allowed here, not '" + type + "'.");
			}
			appendLine(text, requiredString(part, type, partParam + "." + type));
		}
		return text.toString();
	}

	private static void appendLine(StringBuilder text, String line) {
		if (text.length() > 0) {
			text.append('\n');
		}
		text.append(line);
	}

	private @Nullable ResponseFormat responseFormat(@Nullable JsonNode node) {
		if (node == null || node.isNull()) {
			return null;
		}
		if (!node.isObject()) {
			throw invalidType("response_format", "an object", node);
		}
		String type = requiredString(node, "type", "response_format.type");
		return switch (type) {
			case "text" -> ResponseFormat.builder().type(ResponseFormat.Type.TEXT).build();
			case "json_object" -> ResponseFormat.builder().type(ResponseFormat.Type.JSON_OBJECT).build();
			case "json_schema" -> {
				JsonNode schema = node.path("json_schema").get("schema");
				if (schema == null || !schema.isObject()) {
					throw missing("response_format.json_schema.schema");
				}
				yield ResponseFormat.builder()
					.jsonSchema(this.json.writeValueAsString(schema))
					.strict(optionalBoolean(node.path("json_schema"), "strict"))
					.build();
			}
			default -> throw invalidValue("response_format.type",
					"'" + type + "' is not one of 'text', 'json_object', 'json_schema'.");
		};
	}

	private List<ToolCallback> tools(@Nullable JsonNode node) {
		if (node == null || node.isNull()) {
			return List.of();
		}
		if (!node.isArray()) {
			throw invalidType("tools", "an array", node);
		}
		List<ToolCallback> tools = new ArrayList<>();
		for (int i = 0; i < node.size(); i++) {
			JsonNode tool = node.get(i);
			String param = "tools[" + i + "]";
			if (!tool.isObject()) {
				throw invalidType(param, "an object", tool);
			}
			String type = requiredString(tool, "type", param + ".type");
			if (!"function".equals(type)) {
				throw invalidValue(param + ".type", "only 'function' tools are supported by this proxy.");
			}
			JsonNode function = tool.get("function");
			if (function == null || !function.isObject()) {
				throw missing(param + ".function");
			}
			String name = requiredString(function, "name", param + ".function.name");
			String description = optionalString(function, "description", param + ".function.description");
			JsonNode parameters = function.get("parameters");
			if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
				throw invalidType(param + ".function.parameters", "an object", parameters);
			}
			String schema = (parameters != null && parameters.isObject() && !parameters.isEmpty())
					? this.json.writeValueAsString(parameters) : EMPTY_SCHEMA;
			tools.add(new DeclaredTool(ToolDefinition.builder()
				.name(name)
				.description((description != null && !description.isBlank()) ? description : name)
				.inputSchema(schema)
				.build()));
		}
		return tools;
	}

	private @Nullable Object toolChoice(@Nullable JsonNode node) {
		if (node == null || node.isNull()) {
			return null;
		}
		if (node.isString()) {
			String choice = node.stringValue().toLowerCase(Locale.ROOT);
			if (!List.of("auto", "none", "required").contains(choice)) {
				throw invalidValue("tool_choice", "'" + node.stringValue()
						+ "' is not one of 'auto', 'none', 'required', or a named function.");
			}
			return choice;
		}
		if (!node.isObject()) {
			throw invalidType("tool_choice", "a string or an object", node);
		}
		String type = requiredString(node, "type", "tool_choice.type");
		if ("function".equals(type)) {
			requiredString(node.path("function"), "name", "tool_choice.function.name");
		}
		else if (!List.of("auto", "none", "required").contains(type)) {
			throw invalidValue("tool_choice.type", "'" + type + "' is not supported by this proxy.");
		}
		// Spring AI reads a JSON string as a named choice
		return this.json.writeValueAsString(node);
	}

}
