package io.github.airouter.proxy.api;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.openai.OpenAiChatModel.ResponseFormat;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tool.definition.ToolDefinition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * OpenAI chat completion requests read into Spring AI prompts.
 */
class ChatRequestsTests {

	private final JsonMapper json = JsonMapper.builder().build();

	private final ChatRequests requests = new ChatRequests(this.json);

	@Test
	void messagesOfEveryRole() {
		ChatCall call = read("""
				{"model": "gpt-4o", "messages": [
				  {"role": "system", "content": "Be brief."},
				  {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
				  {"role": "user", "content": [{"type": "text", "text": "What is this?"},
				    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}}]},
				  {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
				    "function": {"name": "lookup", "arguments": "{\\"q\\":\\"cat\\"}"}}]},
				  {"role": "tool", "tool_call_id": "call_1", "content": "a cat"},
				  {"role": "assistant", "content": "A cat."}
				]}""");
		assertThat(call.model()).isEqualTo("gpt-4o");
		assertThat(call.stream()).isFalse();
		List<Message> messages = call.prompt().getInstructions();
		assertThat(messages).extracting(Message::getMessageType)
			.containsExactly(MessageType.SYSTEM, MessageType.SYSTEM, MessageType.USER, MessageType.ASSISTANT,
					MessageType.TOOL, MessageType.ASSISTANT);
		assertThat(messages.get(1).getText()).isEqualTo("Use tools.");
		UserMessage user = (UserMessage) messages.get(2);
		assertThat(user.getText()).isEqualTo("What is this?");
		assertThat(user.getMedia()).singleElement().satisfies((media) -> {
			assertThat(media.getMimeType().getType()).isEqualTo("image");
			assertThat(media.getData()).isEqualTo("https://example.com/cat.png");
		});
		AssistantMessage assistant = (AssistantMessage) messages.get(3);
		assertThat(assistant.getToolCalls()).containsExactly(
				new AssistantMessage.ToolCall("call_1", "function", "lookup", "{\"q\":\"cat\"}"));
		ToolResponseMessage tool = (ToolResponseMessage) messages.get(4);
		assertThat(tool.getResponses())
			.containsExactly(new ToolResponseMessage.ToolResponse("call_1", "lookup", "a cat"));
		assertThat(messages.get(5).getText()).isEqualTo("A cat.");
	}

	@Test
	void optionsPassThroughWithTheRequestedModel() {
		ChatCall call = read("""
				{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}],
				 "temperature": 0.3, "top_p": 0.9, "max_tokens": 100, "max_completion_tokens": 50,
				 "stop": "END", "n": 2, "seed": 7, "presence_penalty": 0.1, "frequency_penalty": 0.2,
				 "user": "u-1", "reasoning_effort": "low", "parallel_tool_calls": false,
				 "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": true,
				   "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}},
				 "stream": true, "stream_options": {"include_usage": true},
				 "some_future_field": 1}""");
		OpenAiChatOptions options = (OpenAiChatOptions) call.prompt().getOptions();
		assertThat(options.getModel()).isEqualTo("gpt-4o-mini");
		assertThat(options.getTemperature()).isEqualTo(0.3);
		assertThat(options.getTopP()).isEqualTo(0.9);
		// max_completion_tokens wins: OpenAI refuses both
		assertThat(options.getMaxCompletionTokens()).isEqualTo(50);
		assertThat(options.getMaxTokens()).isNull();
		assertThat(options.getStop()).containsExactly("END");
		assertThat(options.getN()).isEqualTo(2);
		assertThat(options.getSeed()).isEqualTo(7);
		assertThat(options.getPresencePenalty()).isEqualTo(0.1);
		assertThat(options.getFrequencyPenalty()).isEqualTo(0.2);
		assertThat(options.getUser()).isEqualTo("u-1");
		assertThat(options.getReasoningEffort()).isEqualTo("low");
		assertThat(options.getParallelToolCalls()).isFalse();
		assertThat(options.getResponseFormat().getType()).isEqualTo(ResponseFormat.Type.JSON_SCHEMA);
		assertThat(options.getResponseFormat().getStrict()).isTrue();
		assertThat(this.json.readTree(options.getResponseFormat().getJsonSchema()).at("/properties/a/type").asString())
			.isEqualTo("string");
		assertThat(call.stream()).isTrue();
		assertThat(call.includeUsage()).isTrue();
		// the router always gets a stream's usage, to settle the call's tokens
		assertThat(options.getStreamOptions().includeUsage()).isTrue();
	}

	@Test
	void toolsGoToTheModelAndAreNeverRun() {
		ChatCall call = read("""
				{"model": "gpt-4o", "messages": [{"role": "user", "content": "Weather in Paris?"}],
				 "tools": [
				   {"type": "function", "function": {"name": "weather", "description": "Current weather",
				     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
				   {"type": "function", "function": {"name": "now"}}],
				 "tool_choice": {"type": "function", "function": {"name": "weather"}}}""");
		OpenAiChatOptions options = (OpenAiChatOptions) call.prompt().getOptions();
		List<ToolDefinition> tools = options.getToolCallbacks().stream().map((tool) -> tool.getToolDefinition()).toList();
		assertThat(tools).extracting(ToolDefinition::name).containsExactly("weather", "now");
		assertThat(tools.get(0).description()).isEqualTo("Current weather");
		assertThat(this.json.readTree(tools.get(0).inputSchema()).at("/required/0").asString()).isEqualTo("city");
		assertThat(tools.get(1).description()).isEqualTo("now");
		assertThat(this.json.readTree(tools.get(1).inputSchema()).path("type").asString()).isEqualTo("object");
		assertThat(this.json.readTree((String) options.getToolChoice()).at("/function/name").asString())
			.isEqualTo("weather");
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> options.getToolCallbacks().get(0).call("{}"));
		assertThat(((OpenAiChatOptions) read("""
				{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "tool_choice": "none"}""")
			.prompt()
			.getOptions()).getToolChoice()).isEqualTo("none");
	}

	@Test
	void invalidRequestsSayWhichParameter() {
		assertInvalid("{\"model\": \"gpt-4o\"}", "messages", "missing_required_parameter");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": []}", "messages", "empty_array");
		assertInvalid("{\"model\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", "model",
				"invalid_type");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\"}]}", "messages[0].content",
				"missing_required_parameter");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": "
				+ "\"input_audio\"}]}]}", "messages[0].content[0].type", "invalid_value");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}",
				"messages[0].tool_call_id", "missing_required_parameter");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
				+ "\"max_tokens\": 1.5}", "max_tokens", "invalid_type");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
				+ "\"stream_options\": {\"include_usage\": true}}", "stream_options", "invalid_value");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
				+ "\"tools\": [{\"type\": \"file_search\"}]}", "tools[0].type", "invalid_value");
		assertInvalid("{\"model\": \"gpt-4o\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], "
				+ "\"tool_choice\": \"sometimes\"}", "tool_choice", "invalid_value");
		assertThatExceptionOfType(InvalidRequestException.class)
			.isThrownBy(() -> JsonFields.object(this.json, "[1, 2]".getBytes()));
		assertThatExceptionOfType(InvalidRequestException.class)
			.isThrownBy(() -> JsonFields.object(this.json, "{\"model\": ".getBytes()));
	}

	private ChatCall read(String body) {
		return this.requests.read(JsonFields.object(this.json, body.getBytes()));
	}

	private void assertInvalid(String body, String param, String code) {
		assertThatExceptionOfType(InvalidRequestException.class).isThrownBy(() -> read(body))
			.satisfies((ex) -> {
				assertThat(ex.error().param()).isEqualTo(param);
				assertThat(ex.error().code()).isEqualTo(code);
				assertThat(ex.error().status().value()).isEqualTo(400);
			});
	}

}
