package io.github.airouter.autoconfigure;

import java.util.Locale;

import io.micrometer.observation.ObservationRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.http.okhttp.OpenAiHttpClientBuilderCustomizer;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import io.github.airouter.provider.DeploymentClientFactory;
import io.github.airouter.provider.OpenAiFailureClassifier;
import io.github.airouter.provider.ProviderRateLimitsListener;
import io.github.airouter.routing.FailureClassifier;
import io.github.airouter.routing.RoutingListener;
import io.github.airouter.routing.Router;
import io.github.airouter.usage.UsageStore;

/**
 * {@link AutoConfiguration Auto-configuration} of the router: validates {@code router.*}
 * (keys and values), builds one client per deployment, a usage store and the
 * {@link Router}, and over it a {@link io.github.airouter.chat.RoutingChatModel} and a
 * {@link io.github.airouter.embedding.RoutingEmbeddingModel}.
 *
 * @author airouter
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(OpenAiChatModel.class)
@ConditionalOnBooleanProperty(name = "router.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RouterProperties.class)
@Import({ UsageStoreConfigurations.Redis.class, UsageStoreConfigurations.InMemory.class, RouterChatConfiguration.class,
		RouterEmbeddingConfiguration.class })
public final class RouterAutoConfiguration {

	private static final Log logger = LogFactory.getLog(RouterAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	RouterModelList routerModelList(RouterProperties properties, Environment environment,
			ListableBeanFactory beanFactory) {
		return RouterConfigurationValidator.validate(properties, RouterKeys.configured(environment, beanFactory),
				environment::getProperty);
	}

	@Bean
	@ConditionalOnMissingBean
	DeploymentClientFactory routerDeploymentClientFactory(ObjectProvider<ObservationRegistry> observationRegistry,
			ObjectProvider<OpenAiHttpClientBuilderCustomizer> httpClientCustomizers, RouterProperties properties,
			ObjectProvider<UsageStore> usageStore) {
		ProviderRateLimitsListener calibration = properties.isCalibrateFromProviderHeaders()
				? (deployment, limits) -> usageStore.getObject()
					.calibrate(deployment, limits.remainingRequests(), limits.remainingTokens())
				: null;
		return new DeploymentClientFactory(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP),
				httpClientCustomizers.orderedStream().toList(), calibration);
	}

	@Bean
	@ConditionalOnMissingBean
	FailureClassifier routerFailureClassifier() {
		return new OpenAiFailureClassifier();
	}

	@Bean
	@ConditionalOnMissingBean
	Router router(RouterModelList modelList, RouterProperties properties, UsageStore usageStore,
			FailureClassifier failureClassifier, ObjectProvider<RoutingListener> listeners) {
		Router router = Router.builder(modelList.deployments())
			.strategy(properties.getRoutingStrategy())
			.usageStore(usageStore)
			.policy(modelList.policy())
			.failureClassifier(failureClassifier)
			.listeners(listeners.orderedStream().toList())
			.build();
		if (logger.isInfoEnabled()) {
			logger.info("Routing over " + modelList.deployments().size() + " deployments with the '" + usageStore.name()
					+ "' usage store, " + properties.getRoutingStrategy().name().toLowerCase(Locale.ROOT).replace('_', '-')
					+ " strategy: " + router.describe());
		}
		return router;
	}

}
