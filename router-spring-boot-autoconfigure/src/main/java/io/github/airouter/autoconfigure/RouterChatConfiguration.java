package io.github.airouter.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

import io.github.airouter.chat.ChatTokenEstimator;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.provider.DeploymentClientFactory;
import io.github.airouter.routing.Router;

/**
 * The routing {@link ChatModel}, when the model list has a chat entry and Spring AI's chat
 * model selection ({@code spring.ai.model.chat}) is unset or {@code router}.
 *
 * @author airouter
 */
@Configuration(proxyBeanMethods = false)
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
			ChatTokenEstimator estimator) {
		Map<String, ChatModel> clients = new LinkedHashMap<>();
		for (Deployment deployment : modelList.deployments(ModelMode.CHAT)) {
			clients.put(deployment.id(), clientFactory.chatModel(deployment, modelList.apiKey(deployment)));
		}
		return new RoutingChatModel(router, clients, Objects.requireNonNull(modelList.defaultModel()), estimator);
	}

}
