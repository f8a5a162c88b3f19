package io.github.airouter.chat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;

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

	@Test
	void theEstimateCountsMessagesToolsAndTheCompletionMaximum() {
		ChatTokenEstimator estimator = new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 256);
		long plain = estimator.estimate(new Prompt("hello world"));
		assertThat(plain).isEqualTo(2 + ChatTokenEstimator.PER_MESSAGE_OVERHEAD + ChatTokenEstimator.REPLY_PRIMING + 256);
		long capped = estimator.estimate(new Prompt("hello world", ChatOptions.builder().maxTokens(10).build()));
		assertThat(capped).isEqualTo(plain - 246);
		long capped2 = estimator
			.estimate(new Prompt("hello world", OpenAiChatOptions.builder().maxCompletionTokens(20).build()));
		assertThat(capped2).isEqualTo(plain - 236);
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
