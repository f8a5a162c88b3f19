package io.github.airouter.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

import io.github.airouter.chat.ChatTokenEstimator;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.provider.DeploymentClientFactory;
import io.github.airouter.provider.EntraIdTokenSource;
import io.github.airouter.routing.Router;

/**
 * The routing {@link ChatModel}, when the model list has a chat entry and Spring AI's chat
 * model selection ({@code spring.ai.model.chat}) is unset or {@code router}; over one client
 * per chat deployment, authenticated with its API key or, for a keyless Azure deployment,
 * with Microsoft Entra ID tokens ({@link RouterEntraIdConfiguration}).
 *
 * @author airouter
 */
@Configuration(proxyBeanMethods = false)
@Import(RouterEntraIdConfiguration.class)
@ConditionalOnProperty(name = "spring.ai.model.chat", havingValue = "router", matchIfMissing = true)
@ConditionalOnModelMode(ModelMode.CHAT)
class RouterChatConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ChatTokenEstimator routerChatTokenEstimator(RouterProperties properties) {
		return new ChatTokenEstimator(new JTokkitTokenCountEstimator(), properties.getCompletionTokenEstimate());
	}

	@Bean
	@Primary
	@ConditionalOnMissingBean
	RoutingChatModel routingChatModel(Router router, RouterModelList modelList, DeploymentClientFactory clientFactory,
			ChatTokenEstimator estimator, ObjectProvider<EntraIdTokenSource> entraIdTokenSource) {
		Map<String, ChatModel> clients = new LinkedHashMap<>();
		List<Deployment> deployments = modelList.deployments(ModelMode.CHAT);
		DeploymentCredentials credentials = new DeploymentCredentials(modelList, deployments,
				entraIdTokenSource.getIfAvailable());
		for (Deployment deployment : deployments) {
			clients.put(deployment.id(), clientFactory.chatModel(deployment, credentials.of(deployment)));
		}
		return new RoutingChatModel(router, clients, Objects.requireNonNull(modelList.defaultModel()), estimator);
	}

}
