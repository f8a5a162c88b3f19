package io.github.airouter.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.provider.DeploymentClientFactory;
import io.github.airouter.routing.Router;

/**
 * The routing {@link EmbeddingModel}, when the model list has an embedding entry and Spring
 * AI's embedding model selection ({@code spring.ai.model.embedding}) is unset or
 * {@code router}.
 *
 * @author airouter
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.ai.model.embedding", havingValue = "router", matchIfMissing = true)
@ConditionalOnModelMode(ModelMode.EMBEDDING)
class RouterEmbeddingConfiguration {

	@Bean
	@Primary
	@ConditionalOnMissingBean
	RoutingEmbeddingModel routingEmbeddingModel(Router router, RouterModelList modelList,
			DeploymentClientFactory clientFactory) {
		Map<String, EmbeddingModel> clients = new LinkedHashMap<>();
		for (Deployment deployment : modelList.deployments(ModelMode.EMBEDDING)) {
			clients.put(deployment.id(), clientFactory.embeddingModel(deployment, modelList.apiKey(deployment)));
		}
		return new RoutingEmbeddingModel(router, clients, Objects.requireNonNull(modelList.defaultEmbeddingModel()),
				new JTokkitTokenCountEstimator());
	}

}
