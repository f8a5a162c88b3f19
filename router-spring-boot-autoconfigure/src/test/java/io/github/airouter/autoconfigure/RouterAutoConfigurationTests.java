package io.github.airouter.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration;
import org.springframework.ai.model.openai.autoconfigure.OpenAiEmbeddingAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.ai.tokenizer.JTokkitTokenCountEstimator;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import io.github.airouter.chat.ChatTokenEstimator;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;
import io.github.airouter.deployment.RoutingStrategy;
import io.github.airouter.embedding.RoutingEmbeddingModel;
import io.github.airouter.routing.Router;
import io.github.airouter.routing.UnknownModelException;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.ForwardingUsageStore;
import io.github.airouter.testsupport.FakeProvider.Request;
import io.github.airouter.usage.Admission;
import io.github.airouter.usage.InMemoryUsageStore;
import io.github.airouter.usage.UsageStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link RouterAutoConfiguration}: which beans exist for which configuration, how the model
 * list binds (kebab-case and LiteLLM spellings), start-up failures, and how the router
 * plays with Spring AI's selection keys, OpenAI starter and {@code ChatClient}.
 */
class RouterAutoConfigurationTests {

	private static final String AZURE_KEY = "azure-test-key-0001";

	private static final String OPENAI_KEY = "sk-test-openai-0002";

	private static final String EMBEDDING_KEY = "sk-test-embedding-0003";

	private static final String AZURE_DEPLOYMENT = "/eu/openai/deployments/chat-eu";

	private final FakeProvider provider = new FakeProvider();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class));

	@AfterEach
	void close() throws IOException {
		this.provider.close();
	}

	// ---- beans

	@Test
	void chatEntryGivesRouterRoutingChatModelAndInMemoryUsageStore() {
		this.runner.withPropertyValues(chatEntries()).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(Router.class);
			assertThat(context).hasSingleBean(RoutingChatModel.class);
			assertThat(context.getBean(ChatModel.class)).isSameAs(context.getBean(RoutingChatModel.class));
			assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
			assertThat(context.getBean(Router.class).usageStore()).isSameAs(context.getBean(UsageStore.class));
			assertThat(context).doesNotHaveBean(RoutingEmbeddingModel.class);
			assertThat(context).doesNotHaveBean(EmbeddingModel.class);
			assertThat(context.getBean(RoutingChatModel.class).getDefaultModel()).isEqualTo("gpt-4o");
		});
	}

	@Test
	void routingChatModelIsPrimaryOverAnotherChatModel() {
		this.runner.withPropertyValues(chatEntries())
			.withBean("otherChatModel", ChatModel.class, () -> (prompt) -> {
				throw new UnsupportedOperationException("not this one");
			})
			.run((context) -> {
				assertThat(context).getBeans(ChatModel.class).hasSize(2);
				assertThat(context.getBean(ChatModel.class)).isSameAs(context.getBean(RoutingChatModel.class));
			});
	}

	@Test
	void chatCallGoesThroughTheRouterToTheDeployment() {
		this.runner.withPropertyValues(chatEntries()).run((context) -> {
			String text = context.getBean(ChatModel.class).call("hi");
			Request request = single(this.provider.requests());
			assertThat(text).isEqualTo("Hello from " + request.deployment());
			Router router = context.getBean(Router.class);
			long requests = router.group("gpt-4o", ModelMode.CHAT)
				.deployments()
				.stream()
				.mapToLong((deployment) -> router.usageStore().usage(deployment).requests())
				.sum();
			assertThat(requests).isEqualTo(1);
		});
	}

	@Test
	void embeddingEntryGivesRoutingEmbeddingModel() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues(embeddingEntry(2)).run((context) -> {
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
			assertThat(context.getBean(EmbeddingModel.class)).isSameAs(context.getBean(RoutingEmbeddingModel.class));
			assertThat(context).hasSingleBean(RoutingChatModel.class);
			float[] vector = context.getBean(EmbeddingModel.class).embed("hello");
			assertThat(vector).containsExactly(0.1f, 0.2f, 0f);
			assertThat(single(this.provider.requests()).deployment()).isEqualTo("/emb/v1");
		});
	}

	@Test
	void onlyEmbeddingEntriesGiveNoRoutingChatModel() {
		this.runner.withPropertyValues(embeddingEntry(0)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
			assertThat(context).doesNotHaveBean(RoutingChatModel.class);
			assertThat(context).doesNotHaveBean(ChatModel.class);
		});
	}

	@Test
	void disabledRouterCreatesNoBeans() {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues(embeddingEntry(2))
			.withPropertyValues("router.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(Router.class);
				assertThat(context).doesNotHaveBean(RouterModelList.class);
				assertThat(context).doesNotHaveBean(RoutingChatModel.class);
				assertThat(context).doesNotHaveBean(RoutingEmbeddingModel.class);
				assertThat(context).doesNotHaveBean(UsageStore.class);
				assertThat(context).doesNotHaveBean(RouterProperties.class);
			});
	}

	@Test
	void disabledRouterDoesNotValidateTheModelList() {
		this.runner.withPropertyValues("router.enabled=false", "router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].rpm=-5")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(Router.class);
			});
	}

	@Test
	void withoutSpringAiOpenAiOnTheClasspathTheRouterBacksOff() {
		this.runner.withPropertyValues(chatEntries())
			.withClassLoader(new FilteredClassLoader(OpenAiChatModel.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(Router.class);
				assertThat(context).doesNotHaveBean(RoutingChatModel.class);
			});
	}

	@Test
	void userRoutingChatModelMakesOursBackOff() {
		this.runner.withPropertyValues(chatEntries())
			.withUserConfiguration(UserRoutingChatModelConfiguration.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(RoutingChatModel.class);
				assertThat(context.getBean(RoutingChatModel.class)).isSameAs(context.getBean("userRoutingChatModel"));
				assertThat(context.getBean(ChatModel.class)).isSameAs(context.getBean("userRoutingChatModel"));
				assertThat(context).doesNotHaveBean("routingChatModel");
			});
	}

	@Test
	void userUsageStoreMakesOursBackOff() {
		this.runner.withPropertyValues(chatEntries())
			.withBean(CountingUsageStore.class, CountingUsageStore::new)
			.run((context) -> {
				assertThat(context).hasSingleBean(UsageStore.class);
				assertThat(context).doesNotHaveBean(InMemoryUsageStore.class);
				CountingUsageStore store = context.getBean(CountingUsageStore.class);
				assertThat(context.getBean(Router.class).usageStore()).isSameAs(store);
				context.getBean(ChatModel.class).call("hi");
				assertThat(store.admissions).hasSize(1);
			});
	}

	// ---- choosing the usage store

	@Test
	void usageStoreRedisWithoutARedisConnectionFactoryFailsNamingTheProperty() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues("router.usage-store=redis").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessage("Invalid router configuration:\n - router.usage-store is redis, but the application has no "
						+ "RedisConnectionFactory bean (with Lettuce)");
		});
	}

	@Test
	void usageStoreRedisWithoutSpringDataRedisOnTheClasspathFails() {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues("router.usage-store=redis")
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(InvalidRouterConfigurationException.class)
					.hasMessageContaining("router.usage-store is redis");
			});
	}

	@Test
	void usageStoreRedisIsReportedAfterTheConfigurationsOwnProblems() {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues("router.usage-store=redis", "router.model-list[0].rpm=-5")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("router.model-list[0].rpm must be positive")
					.hasMessageNotContaining("router.usage-store");
			});
	}

	@Test
	void usageStoreMemoryGivesInMemoryUsageStore() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues("router.usage-store=memory").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
		});
	}

	@Test
	void usageStoreRedisWithTheApplicationsOwnUsageStoreUsesIt() {
		// the application's store wins, as every bean of the starter backs off
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues("router.usage-store=redis")
			.withBean(CountingUsageStore.class, CountingUsageStore::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(Router.class).usageStore()).isSameAs(context.getBean(CountingUsageStore.class));
			});
	}

	// ---- binding

	@Test
	void liteLlmUnderscoreSpellingBindsLikeKebabCase() {
		String base = this.provider.url();
		String[] kebab = { "router.model-list[0].model-name=gpt-4o", "router.model-list[0].params.model=azure/chat-eu",
				"router.model-list[0].params.api-base=" + base + "/eu",
				"router.model-list[0].params.api-key=" + AZURE_KEY,
				"router.model-list[0].params.api-version=2024-10-21", "router.model-list[0].params.rpm=60",
				"router.model-list[0].params.tpm=90000", "router.model-list[1].model-name=gpt-4o",
				"router.model-list[1].params.model=openai/gpt-4o-2024-08-06",
				"router.model-list[1].params.api-base=" + base + "/oai/v1",
				"router.model-list[1].params.api-key=" + OPENAI_KEY, "router.model-list[1].tpm=100000",
				"router.model-list[1].weight=3", "router.model-list[1].model-info.id=oai-primary",
				"router.model-list[2].model-name=embed", "router.model-list[2].params.model=text-embedding-3-small",
				"router.model-list[2].params.api-key=" + EMBEDDING_KEY,
				"router.model-list[2].model-info.mode=embedding", "router.default-model=gpt-4o",
				"router.routing-strategy=simple-shuffle" };
		String[] liteLlm = { "router.model_list[0].model_name=gpt-4o",
				"router.model_list[0].litellm_params.model=azure/chat-eu",
				"router.model_list[0].litellm_params.api_base=" + base + "/eu",
				"router.model_list[0].litellm_params.api_key=" + AZURE_KEY,
				"router.model_list[0].litellm_params.api_version=2024-10-21",
				"router.model_list[0].litellm_params.rpm=60", "router.model_list[0].litellm_params.tpm=90000",
				"router.model_list[1].model_name=gpt-4o",
				"router.model_list[1].litellm_params.model=openai/gpt-4o-2024-08-06",
				"router.model_list[1].litellm_params.api_base=" + base + "/oai/v1",
				"router.model_list[1].litellm_params.api_key=" + OPENAI_KEY, "router.model_list[1].tpm=100000",
				"router.model_list[1].weight=3", "router.model_list[1].model_info.id=oai-primary",
				"router.model_list[2].model_name=embed",
				"router.model_list[2].litellm_params.model=text-embedding-3-small",
				"router.model_list[2].litellm_params.api_key=" + EMBEDDING_KEY,
				"router.model_list[2].model_info.mode=embedding", "router.default_model=gpt-4o",
				"router.routing_strategy=simple-shuffle" };
		List<Deployment> fromKebab = new ArrayList<>();
		List<String> keysFromKebab = new ArrayList<>();
		this.runner.withPropertyValues(kebab).run((context) -> {
			assertThat(context).hasNotFailed();
			RouterModelList modelList = context.getBean(RouterModelList.class);
			fromKebab.addAll(modelList.deployments());
			modelList.deployments().forEach((deployment) -> keysFromKebab.add(modelList.apiKey(deployment)));
		});
		assertThat(fromKebab).hasSize(3);
		Deployment azure = fromKebab.get(0);
		assertThat(azure.provider()).isEqualTo(Provider.AZURE);
		assertThat(azure.target()).isEqualTo("chat-eu");
		assertThat(azure.apiVersion()).isEqualTo("2024-10-21");
		assertThat(azure.limits().requestsPerMinute()).isEqualTo(60L);
		assertThat(azure.limits().tokensPerMinute()).isEqualTo(90_000L);
		assertThat(fromKebab.get(1).id()).isEqualTo("oai-primary");
		assertThat(fromKebab.get(1).weight()).isEqualTo(3);
		assertThat(fromKebab.get(2).mode()).isEqualTo(ModelMode.EMBEDDING);
		assertThat(keysFromKebab).containsExactly(AZURE_KEY, OPENAI_KEY, EMBEDDING_KEY);

		this.runner.withPropertyValues(liteLlm).run((context) -> {
			assertThat(context).hasNotFailed();
			RouterModelList modelList = context.getBean(RouterModelList.class);
			assertThat(modelList.deployments()).isEqualTo(fromKebab);
			assertThat(modelList.deployments()).extracting(modelList::apiKey).isEqualTo(keysFromKebab);
			assertThat(modelList.defaultModel()).isEqualTo("gpt-4o");
			assertThat(context.getBean(Router.class).group("gpt-4o", ModelMode.CHAT).strategy())
				.isEqualTo(RoutingStrategy.SIMPLE_SHUFFLE);
			assertThat(context).hasSingleBean(RoutingChatModel.class);
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
		});
	}

	@Test
	void environmentReferenceResolvesFromTheSpringEnvironment() {
		this.runner
			.withPropertyValues("router.model_list[0].model_name=gpt-4o",
					"router.model_list[0].litellm_params.model=azure/chat-eu",
					"router.model_list[0].litellm_params.api_base=os.environ/ROUTER_TEST_AZURE_BASE",
					"router.model_list[0].litellm_params.api_key=os.environ/ROUTER_TEST_AZURE_KEY",
					"router.model_list[0].litellm_params.api_version=os.environ/ROUTER_TEST_AZURE_VERSION",
					"ROUTER_TEST_AZURE_BASE=" + this.provider.url() + "/eu")
			.withSystemProperties("ROUTER_TEST_AZURE_KEY=azure-test-key-from-env",
					"ROUTER_TEST_AZURE_VERSION=2024-06-01")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				context.getBean(ChatModel.class).call("hi");
				Request request = single(this.provider.requests());
				assertThat(request.deployment()).isEqualTo(AZURE_DEPLOYMENT);
				assertThat(request.apiKeyHeader()).isEqualTo("azure-test-key-from-env");
				assertThat(request.queryParameter("api-version")).isEqualTo("2024-06-01");
			});
	}

	@Test
	void liteLlmYamlModelListBinds() {
		String yaml = """
				router:
				  routing_strategy: simple-shuffle
				  model_list:
				    - model_name: gpt-4o
				      litellm_params:
				        model: azure/chat-eu
				        api_base: %1$s/eu
				        api_key: os.environ/ROUTER_TEST_YAML_KEY
				        api_version: "2024-10-21"
				        rpm: 6
				    - model_name: gpt-4o
				      litellm_params:
				        model: openai/gpt-4o-2024-08-06
				        api_base: %1$s/oai/v1
				        api_key: sk-test-yaml-0002
				      tpm: 100000
				      model_info:
				        id: oai-primary
				    - model_name: text-embedding
				      litellm_params:
				        model: text-embedding-3-small
				        api_base: %1$s/emb/v1
				        api_key: sk-test-yaml-0003
				      model_info:
				        mode: embedding
				""".formatted(this.provider.url());
		this.runner.withInitializer((context) -> {
			for (PropertySource<?> source : loadYaml(yaml)) {
				context.getEnvironment().getPropertySources().addFirst(source);
			}
		}).withSystemProperties("ROUTER_TEST_YAML_KEY=azure-test-key-yaml").run((context) -> {
			assertThat(context).hasNotFailed();
			RouterModelList modelList = context.getBean(RouterModelList.class);
			assertThat(modelList.deployments()).hasSize(3);
			Deployment azure = modelList.deployments().get(0);
			assertThat(azure.provider()).isEqualTo(Provider.AZURE);
			assertThat(azure.target()).isEqualTo("chat-eu");
			assertThat(azure.apiVersion()).isEqualTo("2024-10-21");
			assertThat(azure.limits().requestsPerMinute()).isEqualTo(6L);
			assertThat(modelList.apiKey(azure)).isEqualTo("azure-test-key-yaml");
			Deployment openAi = modelList.deployments().get(1);
			assertThat(openAi.id()).isEqualTo("oai-primary");
			assertThat(openAi.target()).isEqualTo("gpt-4o-2024-08-06");
			assertThat(openAi.limits().tokensPerMinute()).isEqualTo(100_000L);
			assertThat(modelList.deployments().get(2).mode()).isEqualTo(ModelMode.EMBEDDING);
			assertThat(modelList.defaultEmbeddingModel()).isEqualTo("text-embedding");
			assertThat(context.getBean(Router.class).group("gpt-4o", ModelMode.CHAT).strategy())
				.isEqualTo(RoutingStrategy.SIMPLE_SHUFFLE);
			assertThat(context).hasSingleBean(RoutingChatModel.class);
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
			context.getBean(EmbeddingModel.class).embed("hello");
			assertThat(single(this.provider.requests()).authorizationHeader()).isEqualTo("Bearer sk-test-yaml-0003");
		});
	}

	// ---- start-up failures

	@Test
	void negativeRpmFailsStartupNamingTheField() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues("router.model-list[1].rpm=-5").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessageContaining("router.model-list[1].rpm must be positive, was -5");
		});
	}

	@Test
	void invalidUnderscoreSpellingIsReportedWithTheCanonicalName() {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues("router.model_list[1].litellm_params.tpm=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidRouterConfigurationException.class)
					.hasMessageContaining("router.model-list[1].params.tpm must be positive, was 0");
			});
	}

	@Test
	void missingApiKeyAndUnknownProviderFailStartupTogether() {
		this.runner
			.withPropertyValues("router.model-list[0].model-name=gpt-4o",
					"router.model-list[0].params.model=openai/gpt-4o",
					"router.model-list[0].params.api-base=https://my-eu.openai.azure.com",
					"router.model-list[0].params.api-version=2024-10-21", "router.model-list[1].model-name=claude",
					"router.model-list[1].params.model=bedrock/claude",
					"router.model-list[1].params.api-key=" + OPENAI_KEY)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidRouterConfigurationException.class)
					.hasMessageContaining("router.model-list[0].params.api-key is required")
					.hasMessageContaining(
							"router.model-list[1].params.model has unknown provider prefix 'bedrock' in 'bedrock/claude'")
					.hasMessageNotContaining(OPENAI_KEY);
			});
	}

	@Test
	void defaultModelNamingNoChatEntryFailsStartup() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues("router.default-model=gpt-5").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessageContaining("router.default-model 'gpt-5' names no chat entry; chat models: [gpt-4o]");
		});
	}

	@Test
	void unsetEnvironmentVariableFailsStartup() {
		this.runner.withPropertyValues("router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].params.model=gpt-4o",
				"router.model-list[0].params.api-key=os.environ/ROUTER_TEST_SURELY_UNSET_KEY")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.isInstanceOf(InvalidRouterConfigurationException.class)
					.hasMessageContaining("router.model-list[0].params.api-key refers to environment variable "
							+ "'ROUTER_TEST_SURELY_UNSET_KEY', which is not set");
			});
	}

	@Test
	void noModelListFailsStartup() {
		this.runner.run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidRouterConfigurationException.class)
				.hasMessageContaining("router.model-list is empty");
		});
	}

	@Test
	void unbindableValueFailsStartupNamingTheProperty() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues("router.model-list[0].rpm=lots").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasStackTraceContaining("router.model-list[0].rpm");
		});
	}

	// ---- calls naming an unknown model

	@Test
	void unknownModelInACallNamesItAndListsTheKnownModels() {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues("router.model-list[2].model-name=gpt-4o-mini",
					"router.model-list[2].params.model=gpt-4o-mini",
					"router.model-list[2].params.api-base=" + this.provider.url() + "/mini/v1",
					"router.model-list[2].params.api-key=sk-test-mini-0004")
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				assertThatExceptionOfType(UnknownModelException.class)
					.isThrownBy(() -> chat.call(new Prompt("hi", OpenAiChatOptions.builder().model("nope").build())))
					.withMessageContaining("'nope'")
					.withMessageContaining("known: [gpt-4o, gpt-4o-mini]")
					.satisfies((ex) -> assertThat(ex.getModelName()).isEqualTo("nope"));
				assertThat(this.provider.requests()).isEmpty();
			});
	}

	@Test
	void embeddingModelNameInAChatCallIsUnknownForChat() {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues(embeddingEntry(2)).run((context) -> {
			RoutingChatModel chat = context.getBean(RoutingChatModel.class);
			assertThatExceptionOfType(UnknownModelException.class)
				.isThrownBy(() -> chat.call(new Prompt("hi", OpenAiChatOptions.builder().model("embed").build())))
				.withMessageContaining("'embed'")
				.withMessageContaining("embedding model")
				.withMessageContaining("known: [gpt-4o]");
			assertThat(this.provider.requests()).isEmpty();
		});
	}

	// ---- Spring AI's selection keys

	@ParameterizedTest
	@ValueSource(strings = { "router", "" })
	void chatSelectionRouterOrUnsetGivesRoutingChatModel(String selection) {
		ApplicationContextRunner runner = this.runner.withPropertyValues(chatEntries())
			.withPropertyValues(embeddingEntry(2));
		if (!selection.isEmpty()) {
			runner = runner.withPropertyValues("spring.ai.model.chat=" + selection);
		}
		runner.run((context) -> {
			assertThat(context).hasSingleBean(RoutingChatModel.class);
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "openai", "none" })
	void chatSelectionOfAnotherModelGivesNoRoutingChatModel(String selection) {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues(embeddingEntry(2))
			.withPropertyValues("spring.ai.model.chat=" + selection)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(RoutingChatModel.class);
				assertThat(context).doesNotHaveBean(ChatModel.class);
				assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
			});
	}

	@ParameterizedTest
	@ValueSource(strings = { "router", "" })
	void embeddingSelectionRouterOrUnsetGivesRoutingEmbeddingModel(String selection) {
		ApplicationContextRunner runner = this.runner.withPropertyValues(chatEntries())
			.withPropertyValues(embeddingEntry(2));
		if (!selection.isEmpty()) {
			runner = runner.withPropertyValues("spring.ai.model.embedding=" + selection);
		}
		runner.run((context) -> {
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
			assertThat(context).hasSingleBean(RoutingChatModel.class);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "openai", "none" })
	void embeddingSelectionOfAnotherModelGivesNoRoutingEmbeddingModel(String selection) {
		this.runner.withPropertyValues(chatEntries())
			.withPropertyValues(embeddingEntry(2))
			.withPropertyValues("spring.ai.model.embedding=" + selection)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(RoutingEmbeddingModel.class);
				assertThat(context).doesNotHaveBean(EmbeddingModel.class);
				assertThat(context).hasSingleBean(RoutingChatModel.class);
			});
	}

	// ---- Spring AI's OpenAI starter alongside

	@Test
	void coexistsWithSpringAiOpenAiStarterAndWinsInjectionByType() {
		openAiStarter().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(OpenAiChatModel.class);
			assertThat(context).hasSingleBean(OpenAiEmbeddingModel.class);
			assertThat(context).hasSingleBean(RoutingChatModel.class);
			assertThat(context).hasSingleBean(RoutingEmbeddingModel.class);
			assertThat(context.getBean(ChatModel.class)).isSameAs(context.getBean(RoutingChatModel.class));
			assertThat(context.getBean(EmbeddingModel.class)).isSameAs(context.getBean(RoutingEmbeddingModel.class));
			assertThat(context.getBean(ChatModelUser.class).chatModel)
				.isSameAs(context.getBean(RoutingChatModel.class));
		});
	}

	@Test
	void selectingTheRouterRemovesSpringAiOpenAiModels() {
		openAiStarter().withPropertyValues("spring.ai.model.chat=router", "spring.ai.model.embedding=router")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(OpenAiChatModel.class);
				assertThat(context).doesNotHaveBean(OpenAiEmbeddingModel.class);
				assertThat(context.getBean(ChatModel.class)).isSameAs(context.getBean(RoutingChatModel.class));
				assertThat(context.getBean(EmbeddingModel.class))
					.isSameAs(context.getBean(RoutingEmbeddingModel.class));
			});
	}

	@Test
	void selectingOpenAiRemovesTheRoutingChatModel() {
		openAiStarter().withPropertyValues("spring.ai.model.chat=openai").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(RoutingChatModel.class);
			assertThat(context).hasSingleBean(OpenAiChatModel.class);
			assertThat(context.getBean(ChatModel.class)).isSameAs(context.getBean(OpenAiChatModel.class));
			assertThat(context.getBean(EmbeddingModel.class)).isSameAs(context.getBean(RoutingEmbeddingModel.class));
		});
	}

	// ---- ChatClient

	@Test
	void chatClientBuilderUsesTheRouter() {
		chatClient().run((context) -> {
			ChatClient chatClient = context.getBean(ChatClient.Builder.class).build();
			String content = chatClient.prompt("hi").call().content();
			assertThat(content).isEqualTo("Hello from " + AZURE_DEPLOYMENT);
			Request request = single(this.provider.requests());
			assertThat(request.deployment()).isEqualTo(AZURE_DEPLOYMENT);
			assertThat(request.apiKeyHeader()).isEqualTo(AZURE_KEY);
			assertThat(request.json().path("messages").path(0).path("content").asString()).isEqualTo("hi");
			assertThat(chatRequestsCounted(context)).isEqualTo(1);
		});
	}

	@Test
	void chatClientToolCallingWorksThroughTheRouter() {
		WeatherTools tools = new WeatherTools();
		chatClient().run((context) -> {
			ChatClient chatClient = context.getBean(ChatClient.Builder.class).build();
			String content = chatClient.prompt("What is the weather in Paris?").tools(tools).call().content();
			assertThat(content).isEqualTo("Hello from " + AZURE_DEPLOYMENT);
			assertThat(tools.cities).containsExactly("Paris");
			List<Request> requests = this.provider.requests();
			assertThat(requests).hasSize(2);
			assertThat(requests).allSatisfy((request) -> {
				assertThat(request.deployment()).isEqualTo(AZURE_DEPLOYMENT);
				assertThat(request.json().path("tools").path(0).path("function").path("name").asString())
					.isEqualTo("currentWeather");
			});
			JsonNode toolMessage = null;
			for (JsonNode message : requests.get(1).json().path("messages")) {
				if ("tool".equals(message.path("role").asString(""))) {
					toolMessage = message;
				}
			}
			assertThat(toolMessage).isNotNull();
			assertThat(toolMessage.path("tool_call_id").asString()).isEqualTo("call_1");
			assertThat(toolMessage.path("content").asString()).contains("sunny, 21 degrees in Paris");
			assertThat(hasToolMessage(requests.get(0).json())).isFalse();
			// every request the deployment received is counted against its rpm
			assertThat(chatRequestsCounted(context)).isEqualTo(requests.size());
		});
	}

	// ---- start-up log

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void startupLogNamesDeploymentsAndUsageStoreButNoKey(CapturedOutput output) {
		this.runner.withPropertyValues(chatEntries()).withPropertyValues(embeddingEntry(2)).run((context) -> {
			assertThat(context).hasNotFailed();
			List<String> lines = output.getOut()
				.lines()
				.filter((line) -> line.contains("Routing over"))
				.toList();
			assertThat(lines).hasSize(1);
			String line = lines.get(0);
			assertThat(line).contains("INFO")
				.contains("Routing over 3 deployments with the 'memory' usage store")
				.contains("usage-based strategy");
			for (Deployment deployment : context.getBean(RouterModelList.class).deployments()) {
				assertThat(line).contains(deployment.id());
			}
			assertThat(line).doesNotContain(AZURE_KEY).doesNotContain(OPENAI_KEY).doesNotContain(EMBEDDING_KEY);
			assertThat(output.getAll()).doesNotContain(AZURE_KEY)
				.doesNotContain(OPENAI_KEY)
				.doesNotContain(EMBEDDING_KEY);
		});
	}

	// ---- helpers

	/** An Azure and an OpenAI deployment of gpt-4o, both on the fake. */
	private String[] chatEntries() {
		String base = this.provider.url();
		return new String[] { "router.model-list[0].model-name=gpt-4o",
				"router.model-list[0].params.model=azure/chat-eu", "router.model-list[0].params.api-base=" + base + "/eu",
				"router.model-list[0].params.api-key=" + AZURE_KEY,
				"router.model-list[0].params.api-version=2024-10-21", "router.model-list[1].model-name=gpt-4o",
				"router.model-list[1].params.model=openai/gpt-4o-2024-08-06",
				"router.model-list[1].params.api-base=" + base + "/oai/v1",
				"router.model-list[1].params.api-key=" + OPENAI_KEY };
	}

	/** One embedding deployment on the fake, at the given index of the model list. */
	private String[] embeddingEntry(int index) {
		String entry = "router.model-list[" + index + "].";
		return new String[] { entry + "model-name=embed", entry + "params.model=text-embedding-3-small",
				entry + "params.api-base=" + this.provider.url() + "/emb/v1", entry + "params.api-key=" + EMBEDDING_KEY,
				entry + "model-info.mode=embedding" };
	}

	private ApplicationContextRunner openAiStarter() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class, OpenAiChatAutoConfiguration.class,
					OpenAiEmbeddingAutoConfiguration.class, ToolCallingAutoConfiguration.class))
			.withPropertyValues("spring.ai.openai.api-key=sk-test-dummy")
			.withPropertyValues(chatEntries())
			.withPropertyValues(embeddingEntry(2))
			.withBean(ChatModelUser.class);
	}

	/** One Azure chat deployment, with ChatClient's auto-configuration. */
	private ApplicationContextRunner chatClient() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class, ChatClientAutoConfiguration.class,
					ToolCallingAutoConfiguration.class))
			.withPropertyValues("router.model-list[0].model-name=gpt-4o",
					"router.model-list[0].params.model=azure/chat-eu",
					"router.model-list[0].params.api-base=" + this.provider.url() + "/eu",
					"router.model-list[0].params.api-key=" + AZURE_KEY,
					"router.model-list[0].params.api-version=2024-10-21");
	}

	private static long chatRequestsCounted(org.springframework.context.ApplicationContext context) {
		Router router = context.getBean(Router.class);
		long requests = 0;
		for (ModelGroup group : router.groups()) {
			for (Deployment deployment : group.deployments()) {
				requests += router.usageStore().usage(deployment).requests();
			}
		}
		return requests;
	}

	private static boolean hasToolMessage(JsonNode request) {
		for (JsonNode message : request.path("messages")) {
			if ("tool".equals(message.path("role").asString(""))) {
				return true;
			}
		}
		return false;
	}

	private static List<PropertySource<?>> loadYaml(String yaml) {
		try {
			return new YamlPropertySourceLoader().load("litellm-config",
					new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Request single(List<Request> requests) {
		assertThat(requests).hasSize(1);
		return requests.get(0);
	}

	static class WeatherTools {

		final List<String> cities = new CopyOnWriteArrayList<>();

		@Tool(description = "The current weather in a city")
		String currentWeather(String city) {
			this.cities.add(city);
			return "sunny, 21 degrees in " + city;
		}

	}

	static class ChatModelUser {

		final ChatModel chatModel;

		ChatModelUser(ChatModel chatModel) {
			this.chatModel = chatModel;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserRoutingChatModelConfiguration {

		@Bean
		RoutingChatModel userRoutingChatModel(Router router, RouterModelList modelList) {
			Map<String, ChatModel> clients = new LinkedHashMap<>();
			for (Deployment deployment : modelList.deployments(ModelMode.CHAT)) {
				clients.put(deployment.id(), (prompt) -> {
					throw new UnsupportedOperationException("user client");
				});
			}
			return new RoutingChatModel(router, clients, "gpt-4o",
					new ChatTokenEstimator(new JTokkitTokenCountEstimator(), 1));
		}

	}

	/** A user's usage store: counts admissions, delegates the rest. */
	static class CountingUsageStore extends ForwardingUsageStore {

		final List<String> admissions = new CopyOnWriteArrayList<>();

		CountingUsageStore() {
			super("counting");
		}

		@Override
		public Admission admit(ModelGroup group, long tokens, Set<String> excluded, double[] scores) {
			this.admissions.add(group.name());
			return super.admit(group, tokens, excluded, scores);
		}

	}

}
