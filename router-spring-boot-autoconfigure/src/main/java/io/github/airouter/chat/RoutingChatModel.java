package io.github.airouter.chat;

import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.util.StringUtils;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.TokenUsage;
import io.github.airouter.routing.TokenUsageReader;
import io.github.airouter.routing.UnknownModelException;

/**
 * A {@link ChatModel} that spreads calls over the deployments of the model each call names
 * ({@link ChatOptions#getModel()}, or the default model), through the {@link Router}. The
 * OpenAI options builder's own default model ({@code gpt-5-mini}), which it fills in when the
 * caller names none, also selects the default model unless a group bears that name.
 * <p>
 * Per-call options (temperature, max tokens, tools, ...) pass through to the chosen
 * deployment's client; the model name, which selected the group, is replaced by the
 * deployment's own. {@link #getOptions()} returns {@link OpenAiChatOptions} naming the
 * default model, so that {@code ChatClient} builds every request from them and keeps tool
 * callbacks.
 *
 * @author airouter
 */
public class RoutingChatModel implements ChatModel {

	private final Router router;

	private final Map<String, ? extends ChatModel> clients;

	private final String defaultModel;

	private final ChatTokenEstimator estimator;

	private final OpenAiChatOptions defaultOptions;

	/**
	 * Create a routing chat model.
	 * @param router the router
	 * @param clients the client of each chat deployment, by deployment id
	 * @param defaultModel the model of calls that name none
	 * @param estimator estimates a call's tokens before it is sent
	 */
	public RoutingChatModel(Router router, Map<String, ? extends ChatModel> clients, String defaultModel,
			ChatTokenEstimator estimator) {
		this.router = router;
		this.clients = Map.copyOf(clients);
		this.defaultModel = router.group(defaultModel, ModelMode.CHAT).name();
		this.estimator = estimator;
		this.defaultOptions = OpenAiChatOptions.builder().model(this.defaultModel).build();
		for (ModelGroup group : router.groups()) {
			if (group.mode() == ModelMode.CHAT) {
				group.deployments().forEach(this::client);
			}
		}
	}

	/**
	 * Route a call to a deployment of its model.
	 * @throws UnknownModelException if no chat entry serves the model named
	 * @throws NoDeploymentAvailableException if every deployment of the model is at its
	 * limits
	 */
	@Override
	public ChatResponse call(Prompt prompt) {
		ModelGroup group = group(prompt);
		return this.router.call(group, this.estimator.estimate(prompt),
				(deployment) -> client(deployment).call(forDeployment(prompt, deployment)),
				USAGE);
	}

	/**
	 * Stream a call from a deployment of its model. The deployment is chosen on
	 * subscription; the call's usage is reconciled from the final chunk's usage.
	 */
	@Override
	public Flux<ChatResponse> stream(Prompt prompt) {
		return Flux.defer(() -> {
			ModelGroup group = group(prompt);
			return this.router.stream(group, this.estimator.estimate(prompt),
					(deployment) -> client(deployment).stream(forDeployment(prompt, deployment)),
					USAGE);
		});
	}

	@Override
	public ChatOptions getOptions() {
		return this.defaultOptions;
	}

	/**
	 * The model of calls that name none.
	 * @return the default model name
	 */
	public String getDefaultModel() {
		return this.defaultModel;
	}

	/**
	 * The tokens the router reserves for a call before sending it.
	 * @param prompt the prompt
	 * @return the estimate
	 */
	public long estimateTokens(Prompt prompt) {
		return this.estimator.estimate(prompt);
	}

	/**
	 * The group the prompt names. {@code OpenAiChatOptions.builder().build()} fills in
	 * {@link OpenAiChatOptions#DEFAULT_CHAT_MODEL} when the caller set no model, so that name,
	 * unless a group has it, means "no model named" and selects the default model.
	 */
	private ModelGroup group(Prompt prompt) {
		ChatOptions options = prompt.getOptions();
		String model = (options != null) ? options.getModel() : null;
		if (!StringUtils.hasText(model)) {
			model = this.defaultModel;
		}
		else if (OpenAiChatOptions.DEFAULT_CHAT_MODEL.equals(model)
				&& this.router.findGroup(model, ModelMode.CHAT).isEmpty()) {
			model = this.defaultModel;
		}
		return this.router.group(model, ModelMode.CHAT);
	}

	private ChatModel client(Deployment deployment) {
		ChatModel client = this.clients.get(deployment.id());
		if (client == null) {
			throw new IllegalStateException("No chat client for deployment " + deployment.id());
		}
		return client;
	}

	/**
	 * The prompt as the deployment's client must receive it: the caller's options, as
	 * {@link OpenAiChatOptions}, with the deployment's model.
	 */
	static Prompt forDeployment(Prompt prompt, Deployment deployment) {
		ChatOptions options = prompt.getOptions();
		OpenAiChatOptions.Builder builder;
		if (options instanceof OpenAiChatOptions openAiOptions) {
			builder = openAiOptions.mutate();
		}
		else {
			builder = OpenAiChatOptions.builder();
			if (options != null) {
				builder.combineWith(options.mutate());
			}
		}
		builder.model(deployment.target())
			.deploymentName((deployment.provider() == Provider.AZURE) ? deployment.target() : null)
			.timeout(deployment.timeout());
		return prompt.mutate().chatOptions(builder.build()).build();
	}

	/**
	 * The tokens a response reports, or {@code null} when it reports none (a streamed chunk
	 * before the last).
	 */
	static final TokenUsageReader<ChatResponse> USAGE = (response) -> {
		Usage usage = response.getMetadata().getUsage();
		if (usage == null) {
			return null;
		}
		Integer total = usage.getTotalTokens();
		if (total == null || total <= 0) {
			return null;
		}
		Integer prompt = usage.getPromptTokens();
		Integer completion = usage.getCompletionTokens();
		return (prompt != null && completion != null && prompt + completion == total)
				? TokenUsage.of(prompt, completion) : TokenUsage.ofTotal(total);
	};

}
