package io.github.airouter.chat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;

import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.provider.DeploymentClientFactory;
import io.github.airouter.provider.DeploymentClients;
import io.github.airouter.routing.GroupResolver;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.RoutedMetadata;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.TokenUsage;
import io.github.airouter.routing.TokenUsageReader;
import io.github.airouter.routing.UnknownModelException;

/**
 * A {@link ChatModel} that spreads calls over the deployments of the model each call names
 * ({@link ChatOptions#getModel()}, or the default model), through the {@link Router}. The
 * OpenAI options builder's own default model ({@code gpt-5-mini}), which it fills in when the
 * caller names none, also selects the default model unless a group bears that name
 * ({@link GroupResolver}).
 * <p>
 * Per-call options (temperature, max tokens, tools, ...) pass through to the chosen
 * deployment's client; the model name, which selected the group, is replaced by the
 * deployment's own. {@link #getOptions()} returns {@link OpenAiChatOptions} naming the
 * default model, so that {@code ChatClient} builds every request from them and keeps tool
 * callbacks. Every response says in its metadata which deployment and model answered and
 * how many attempts the call took ({@link RoutedMetadata}).
 *
 * @author airouter
 */
public class RoutingChatModel implements ChatModel {

	private final Router router;

	private final DeploymentClients<ChatModel> clients;

	private final GroupResolver groups;

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
		this.clients = new DeploymentClients<>(router, ModelMode.CHAT, clients);
		this.groups = new GroupResolver(router, ModelMode.CHAT, defaultModel, OpenAiChatOptions.DEFAULT_CHAT_MODEL);
		this.estimator = estimator;
		this.defaultOptions = OpenAiChatOptions.builder().model(this.groups.defaultModel()).build();
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
		AtomicInteger attempts = new AtomicInteger();
		return this.router.call(group, this.estimator.tokenEstimate(prompt), (deployment) -> {
			int attempt = attempts.incrementAndGet();
			return routed(this.clients.get(deployment).call(forDeployment(prompt, deployment, false)), deployment,
					attempt);
		}, USAGE);
	}

	/**
	 * Stream a call from a deployment of its model. The deployment is chosen on
	 * subscription; the call's usage is reconciled from the final chunk's usage.
	 */
	@Override
	public Flux<ChatResponse> stream(Prompt prompt) {
		return Flux.defer(() -> {
			ModelGroup group = group(prompt);
			AtomicInteger attempts = new AtomicInteger();
			return this.router.stream(group, this.estimator.tokenEstimate(prompt), (deployment) -> {
				int attempt = attempts.incrementAndGet();
				return this.clients.get(deployment)
					.stream(forDeployment(prompt, deployment, true))
					.map((chunk) -> routed(chunk, deployment, attempt));
			}, USAGE);
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
		return this.groups.defaultModel();
	}

	/**
	 * The tokens the router reserves for a call before sending it.
	 * @param prompt the prompt
	 * @return the estimate
	 */
	public long estimateTokens(Prompt prompt) {
		return this.estimator.estimate(prompt);
	}

	private ModelGroup group(Prompt prompt) {
		ChatOptions options = prompt.getOptions();
		return this.groups.resolve((options != null) ? options.getModel() : null);
	}

	/**
	 * The prompt as the deployment's client must receive it: the caller's options, as
	 * {@link OpenAiChatOptions}, with the deployment's model and timeout. A call's timeout
	 * bounds it in all; a stream held to the router's own first-chunk and idle limits gets no
	 * total timeout (the SDK would apply one to the whole body and cut long answers), only the
	 * socket timeouts of {@link DeploymentClientFactory#streamReadTimeout(Deployment)}.
	 */
	static Prompt forDeployment(Prompt prompt, Deployment deployment, boolean stream) {
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
			.deploymentName((deployment.provider() == Provider.AZURE) ? deployment.target() : null);
		if (stream && DeploymentClientFactory.streamReadTimeout(deployment) != null) {
			builder.timeout(Duration.ZERO);
		}
		else if (deployment.timeout() != null) {
			builder.timeout(deployment.timeout());
		}
		return prompt.mutate().chatOptions(builder.build()).build();
	}

	/**
	 * The response with where it was routed in its metadata ({@link RoutedMetadata}).
	 */
	static ChatResponse routed(ChatResponse response, Deployment deployment, int attempts) {
		return ChatResponse.builder()
			.from(response)
			.metadata(RoutedMetadata.DEPLOYMENT, deployment.id())
			.metadata(RoutedMetadata.MODEL, deployment.modelName())
			.metadata(RoutedMetadata.ATTEMPTS, attempts)
			.build();
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
