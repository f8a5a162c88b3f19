package io.github.airouter.chat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.util.MimeTypeUtils;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.UnknownModelException;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.WindowUsage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What the deployment's client receives from the routing chat model, and which group a
 * prompt selects.
 */
class RoutingChatModelTests {

	private final Deployment azure = new Deployment("eu", "gpt-4o", ModelMode.CHAT, Provider.AZURE, "chat-eu",
			URI.create("https://eu.openai.azure.com"), "2024-10-21", Limits.UNLIMITED, null);

	private final Deployment mini = new Deployment("mini", "gpt-4o-mini", ModelMode.CHAT, Provider.OPENAI,
			"gpt-4o-mini-2024-07-18", URI.create("https://api.openai.com/v1"), null, Limits.UNLIMITED, null);

	private final InMemoryUsageStore store = new InMemoryUsageStore();

	private final Router router = new Router(List.of(this.azure, this.mini), RoutingStrategy.USAGE_BASED, this.store);

	private final Recording eu = new Recording(80);

	private final Recording miniClient = new Recording(30);

	private final RoutingChatModel chat = new RoutingChatModel(this.router, Map.of("eu", this.eu, "mini", this.miniClient),
			"gpt-4o-mini", new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 256));

	@Test
	void optionsNameTheDefaultModelSoChatClientRequestsSelectIt() {
		assertThat(this.chat.getOptions()).isInstanceOf(OpenAiChatOptions.class);
		assertThat(this.chat.getOptions().getModel()).isEqualTo("gpt-4o-mini");
		this.chat.call(new Prompt("hi", this.chat.getOptions().mutate().build()));
		assertThat(this.miniClient.prompts).hasSize(1);
	}

	@Test
	void aPromptWithoutOptionsOrModelGoesToTheDefaultModel() {
		this.chat.call(new Prompt("hi"));
		this.chat.call(new Prompt("hi", ChatOptions.builder().temperature(0.1).build()));
		// OpenAiChatOptions.builder() fills in its own default model when none is set
		this.chat.call(new Prompt("hi", OpenAiChatOptions.builder().temperature(0.1).build()));
		assertThat(this.miniClient.prompts).hasSize(3);
		assertThat(this.eu.prompts).isEmpty();
	}

	@Test
	void theModelNameSelectsTheGroupAndIsReplacedByTheDeploymentsOwn() {
		this.chat.call(new Prompt("hi", OpenAiChatOptions.builder().model("gpt-4o").temperature(0.3).build()));
		OpenAiChatOptions sent = (OpenAiChatOptions) this.eu.prompts.get(0).getOptions();
		assertThat(sent.getModel()).isEqualTo("chat-eu");
		assertThat(sent.getDeploymentName()).isEqualTo("chat-eu");
		assertThat(sent.getTemperature()).isEqualTo(0.3);
		assertThat(sent.getApiKey()).isNull();
	}

	@Test
	void portableOptionsAndToolsAreCarriedOverIntoOpenAiOptions() {
		ToolCallback weather = FunctionToolCallback.builder("weather", (String city) -> "sunny")
			.description("Weather of a city")
			.inputType(String.class)
			.build();
		ChatOptions portable = ToolCallingChatOptions.builder()
			.model("gpt-4o-mini")
			.temperature(0.7)
			.maxTokens(33)
			.stopSequences(List.of("END"))
			.toolCallbacks(List.of(weather))
			.build();
		this.chat.call(new Prompt("hi", portable));
		OpenAiChatOptions sent = (OpenAiChatOptions) this.miniClient.prompts.get(0).getOptions();
		assertThat(sent.getModel()).isEqualTo("gpt-4o-mini-2024-07-18");
		assertThat(sent.getDeploymentName()).isNull();
		assertThat(sent.getTemperature()).isEqualTo(0.7);
		assertThat(sent.getMaxTokens()).isEqualTo(33);
		assertThat(sent.getStopSequences()).containsExactly("END");
		assertThat(sent.getToolCallbacks()).containsExactly(weather);
	}

	@Test
	void anUnknownModelIsRefusedWithTheKnownNames() {
		assertThatExceptionOfType(UnknownModelException.class)
			.isThrownBy(() -> this.chat.call(new Prompt("hi", ChatOptions.builder().model("gpt-5").build())))
			.withMessage("Unknown model 'gpt-5' for chat; known: [gpt-4o, gpt-4o-mini]");
		assertThat(this.eu.prompts).isEmpty();
		assertThat(this.miniClient.prompts).isEmpty();
	}

	@Test
	void usageReportedByTheResponseIsWhatTheWindowCounts() {
		this.chat.call(new Prompt("hi", ChatOptions.builder().model("gpt-4o").build()));
		assertThat(this.store.usage(this.azure)).isEqualTo(new WindowUsage(1, 80));
	}

	/*
	 * The token counts below were computed once, by hand, with JTokkit's cl100k_base encoding
	 * (what JTokkitTokenCountEstimator uses): "hello world" is 2 tokens. A message costs 4
	 * tokens beside its text and the reply is primed with 3.
	 */

	@Test
	void theEstimateOfAPlainPromptIsItsTextTheChatFormatAndTheExpectedCompletion() {
		ChatTokenEstimator estimator = new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 256);
		// 3 priming + 4 + 2 "hello world" + 256 expected of a call that sets no maximum
		assertThat(estimator.estimate(new Prompt("hello world"))).isEqualTo(265);
	}

	@Test
	void theEstimateReservesTheCompletionMaximumTheCallSets() {
		ChatTokenEstimator estimator = new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 256);
		assertThat(estimator.estimate(new Prompt("hello world", ChatOptions.builder().maxTokens(10).build())))
			.isEqualTo(19);
		assertThat(estimator
			.estimate(new Prompt("hello world", OpenAiChatOptions.builder().maxCompletionTokens(20).build())))
			.isEqualTo(29);
	}

	@Test
	void theEstimateCountsToolDefinitionsAnImageToolCallsAndToolResponses() {
		ChatTokenEstimator estimator = new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 256);
		String schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}";
		ChatOptions options = ToolCallingChatOptions.builder()
			.toolCallbacks(List.of(new DeclaredTool("weather", "Current weather of a city", schema),
					new DeclaredTool("forecast", "Forecast of a city for the next days", schema)))
			.maxTokens(100)
			.build();
		List<Message> messages = List.of(new SystemMessage("You answer questions about the weather."),
				UserMessage.builder()
					.text("What is the weather in Paris? Compare it with this photo.")
					.media(new Media(MimeTypeUtils.IMAGE_PNG, URI.create("https://example.com/paris.png")))
					.build(),
				AssistantMessage.builder()
					.toolCalls(List.of(new AssistantMessage.ToolCall("call_1", "function", "weather",
							"{\"city\":\"Paris\"}")))
					.build(),
				ToolResponseMessage.builder()
					.responses(List.of(new ToolResponseMessage.ToolResponse("call_1", "weather", "Sunny, 21 degrees")))
					.build());
		// 3 priming
		// + system: 4 + 7 "You answer questions about the weather."
		// + user: 4 + 13 "What is the weather in Paris? Compare it with this photo." + 765 the image
		// + assistant: 4 + no text + 1 "weather" + 5 {"city":"Paris"}
		// + tool: 4 + no text + 4 + 6 "Sunny, 21 degrees"
		// + tool weather: 1 "weather" + 5 "Current weather of a city" + 18 the schema
		// + tool forecast: 1 "forecast" + 8 "Forecast of a city for the next days" + 18 the schema
		// = 871 prompt tokens, + 100 the call's maximum
		assertThat(estimator.estimate(new Prompt(messages, options))).isEqualTo(971);
	}

	/** A tool as the application declares it. */
	private record DeclaredTool(String name, String description, String inputSchema) implements ToolCallback {

		@Override
		public ToolDefinition getToolDefinition() {
			return ToolDefinition.builder()
				.name(this.name)
				.description(this.description)
				.inputSchema(this.inputSchema)
				.build();
		}

		@Override
		public String call(String toolInput) {
			return "sunny";
		}

	}

	/** A client that records what it receives and reports fixed usage. */
	private static final class Recording implements ChatModel {

		private final List<Prompt> prompts = new CopyOnWriteArrayList<>();

		private final int totalTokens;

		Recording(int totalTokens) {
			this.totalTokens = totalTokens;
		}

		@Override
		public ChatResponse call(Prompt prompt) {
			this.prompts.add(prompt);
			return new ChatResponse(List.of(new Generation(new AssistantMessage("ok"))),
					ChatResponseMetadata.builder().usage(new DefaultUsage(this.totalTokens - 5, 5)).build());
		}

		@Override
		public Flux<ChatResponse> stream(Prompt prompt) {
			return Flux.just(call(prompt));
		}

	}

}
