package io.github.airouter.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.provider.DeploymentClientFactory;
import io.github.airouter.provider.EntraIdTokenSource;
import io.github.airouter.routing.Router;

/**
 * The routing {@link EmbeddingModel}, when the model list has an embedding entry and Spring
 * AI's embedding model selection ({@code spring.ai.model.embedding}) is unset or
 * {@code router}; over one client per embedding deployment, authenticated with its API key
 * or, for a keyless Azure deployment, with Microsoft Entra ID tokens
 * ({@link RouterEntraIdConfiguration}).
 *
 * @author airouter
 */
@Configuration(proxyBeanMethods = false)
@Import(RouterEntraIdConfiguration.class)
@ConditionalOnProperty(name = "spring.ai.model.embedding", havingValue = "router", matchIfMissing = true)
@ConditionalOnModelMode(ModelMode.EMBEDDING)
class RouterEmbeddingConfiguration {

	@Bean
	@Primary
	@ConditionalOnMissingBean
	RoutingEmbeddingModel routingEmbeddingModel(Router router, RouterModelList modelList,
			DeploymentClientFactory clientFactory, ObjectProvider<EntraIdTokenSource> entraIdTokenSource) {
		Map<String, EmbeddingModel> clients = new LinkedHashMap<>();
		List<Deployment> deployments = modelList.deployments(ModelMode.EMBEDDING);
		DeploymentCredentials credentials = new DeploymentCredentials(modelList, deployments,
				entraIdTokenSource.getIfAvailable());
		for (Deployment deployment : deployments) {
			clients.put(deployment.id(), clientFactory.embeddingModel(deployment, credentials.of(deployment)));
		}
		return new RoutingEmbeddingModel(router, clients, Objects.requireNonNull(modelList.defaultEmbeddingModel()),
				new JTokkitTokenCountEstimator());
	}

}
