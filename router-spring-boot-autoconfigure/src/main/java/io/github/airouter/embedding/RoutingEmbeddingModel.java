package io.github.airouter.embedding;

import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.document.Document;
import org.springframework.ai.document.MetadataMode;
import org.springframework.ai.embedding.AbstractEmbeddingModel;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.ai.tokenizer.TokenCountEstimator;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.provider.DeploymentClients;
import io.github.airouter.routing.GroupResolver;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.RoutedMetadata;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.TokenEstimate;
import io.github.airouter.routing.TokenUsage;
import io.github.airouter.routing.TokenUsageReader;
import io.github.airouter.routing.UnknownModelException;

/**
 * An {@link EmbeddingModel} that spreads calls over the deployments of the model each
 * request names ({@link EmbeddingOptions#getModel()}, or the default embedding model),
 * through the {@link Router}. A request's tokens are counted with the tokenizer before it
 * is sent and reconciled with the provider's reported usage.
 *
 * @author airouter
 */
public class RoutingEmbeddingModel implements EmbeddingModel {

	private final Router router;

	private final DeploymentClients<EmbeddingModel> clients;

	private final GroupResolver groups;

	private final TokenCountEstimator tokenizer;

	private final AtomicInteger dimensions = new AtomicInteger(-1);

	/**
	 * Create a routing embedding model.
	 * @param router the router
	 * @param clients the client of each embedding deployment, by deployment id
	 * @param defaultModel the model of requests that name none
	 * @param tokenizer counts the tokens of the texts to embed
	 */
	public RoutingEmbeddingModel(Router router, Map<String, ? extends EmbeddingModel> clients, String defaultModel,
			TokenCountEstimator tokenizer) {
		this.router = router;
		this.clients = new DeploymentClients<>(router, ModelMode.EMBEDDING, clients);
		this.groups = new GroupResolver(router, ModelMode.EMBEDDING, defaultModel,
				OpenAiEmbeddingOptions.DEFAULT_EMBEDDING_MODEL);
		this.tokenizer = tokenizer;
	}

	/**
	 * Route a request to a deployment of its model.
	 * @throws UnknownModelException if no embedding entry serves the model named
	 * @throws NoDeploymentAvailableException if every deployment of the model is at its
	 * limits
	 */
	@Override
	public EmbeddingResponse call(EmbeddingRequest request) {
		EmbeddingOptions options = request.getOptions();
		ModelGroup group = this.groups.resolve((options != null) ? options.getModel() : null);
		long tokens = 0;
		for (String text : request.getInstructions()) {
			tokens += this.tokenizer.estimate(text);
		}
		AtomicInteger attempts = new AtomicInteger();
		return this.router.call(group, TokenEstimate.of(tokens, 0), (deployment) -> {
			int attempt = attempts.incrementAndGet();
			return routed(this.clients.get(deployment).call(forDeployment(request, deployment)), deployment, attempt);
		}, USAGE);
	}

	@Override
	public float[] embed(Document document) {
		String content = getEmbeddingContent(document);
		return call(new EmbeddingRequest(List.of((content != null) ? content : ""), null)).getResult().getOutput();
	}

	@Override
	public String getEmbeddingContent(Document document) {
		return document.getFormattedContent(MetadataMode.EMBED);
	}

	/**
	 * The dimensions of the default model's vectors: as configured
	 * ({@code model-info.dimensions} of its first deployment), else from Spring AI's table of
	 * known models when the first deployment's model is in it, else measured once with a
	 * routed call (which costs a call: configure the dimensions to avoid it).
	 */
	@Override
	public int dimensions() {
		int known = this.dimensions.get();
		if (known < 0) {
			Deployment first = this.groups.resolve(null).deployments().get(0);
			known = (first.dimensions() != null) ? first.dimensions()
					: AbstractEmbeddingModel.dimensions(this, first.target(), "Test String");
			this.dimensions.set(known);
		}
		return known;
	}

	/**
	 * The model of requests that name none.
	 * @return the default embedding model name
	 */
	public String getDefaultModel() {
		return this.groups.defaultModel();
	}

	static EmbeddingRequest forDeployment(EmbeddingRequest request, Deployment deployment) {
		EmbeddingOptions options = request.getOptions();
		OpenAiEmbeddingOptions.Builder builder = OpenAiEmbeddingOptions.builder();
		if (options instanceof OpenAiEmbeddingOptions openAiOptions) {
			builder.user(openAiOptions.getUser())
				.encodingFormat(openAiOptions.getEncodingFormat())
				.extraBody(openAiOptions.getExtraBody());
		}
		if (options != null) {
			builder.dimensions(options.getDimensions());
		}
		builder.model(deployment.target())
			.deploymentName((deployment.provider() == Provider.AZURE) ? deployment.target() : null);
		if (deployment.timeout() != null) {
			builder.timeout(deployment.timeout());
		}
		return new EmbeddingRequest(request.getInstructions(), builder.build());
	}

	/** The response with where it was routed in its metadata ({@link RoutedMetadata}). */
	static EmbeddingResponse routed(EmbeddingResponse response, Deployment deployment, int attempts) {
		EmbeddingResponseMetadata metadata = response.getMetadata();
		Map<String, Object> extra = new LinkedHashMap<>();
		metadata.entrySet().forEach((entry) -> extra.put(entry.getKey(), entry.getValue()));
		extra.put(RoutedMetadata.DEPLOYMENT, deployment.id());
		extra.put(RoutedMetadata.MODEL, deployment.modelName());
		extra.put(RoutedMetadata.ATTEMPTS, attempts);
		return new EmbeddingResponse(response.getResults(),
				new EmbeddingResponseMetadata(metadata.getModel(), metadata.getUsage(), extra));
	}

	/** The tokens an embedding response reports: all of them prompt tokens. */
	static final TokenUsageReader<EmbeddingResponse> USAGE = (response) -> {
		Usage usage = response.getMetadata().getUsage();
		if (usage == null) {
			return null;
		}
		Integer total = usage.getTotalTokens();
		if (total == null || total <= 0) {
			total = usage.getPromptTokens();
		}
		return (total != null && total > 0) ? TokenUsage.of(total, 0) : null;
	};

}
