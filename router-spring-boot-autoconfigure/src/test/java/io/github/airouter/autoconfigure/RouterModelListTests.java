package io.github.airouter.autoconfigure;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.deployment.Provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Validation of {@code router.model-list} by {@link RouterModelList#of}: every mistake a user
 * can make is reported with the entry and field at fault, all at once, and never with a key.
 */
class RouterModelListTests {

	private static final String AZURE_BASE = "https://my-eu.openai.azure.com";

	private static final String AZURE_VERSION = "2024-10-21";

	private static final String SECRET = "sk-SECRET-abcdef123456";

	private static final Function<String, @Nullable String> NO_ENVIRONMENT = (name) -> null;

	// ---- failures, one per mistake

	@Test
	void negativeRpmNamesEntryAndField() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				openAi("gpt-4o", "gpt-4o", "sk-test-0002", (entry) -> entry.setRpm(-5L)));
		assertInvalid(properties, "router.model-list[1].rpm must be positive, was -5");
	}

	@Test
	void zeroTpmNamesEntryAndField() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.setTpm(0L)));
		assertInvalid(properties, "router.model-list[0].tpm must be positive, was 0");
	}

	@Test
	void negativeTpmGivenInParamsNamesTheParamsField() {
		RouterProperties properties = properties(
				openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.getParams().setTpm(-100L)));
		assertInvalid(properties, "router.model-list[0].params.tpm must be positive, was -100");
	}

	@Test
	void zeroRpmGivenInParamsNamesTheParamsField() {
		RouterProperties properties = properties(
				openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.getParams().setRpm(0L)));
		assertInvalid(properties, "router.model-list[0].params.rpm must be positive, was 0");
	}

	@Test
	void zeroWeightNamesEntryAndField() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				openAi("gpt-4o", "gpt-4o", "sk-test-0002", (entry) -> entry.setWeight(0)));
		assertInvalid(properties, "router.model-list[1].weight must be positive, was 0");
	}

	@Test
	void negativeWeightGivenInParamsNamesTheParamsField() {
		RouterProperties properties = properties(
				openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.getParams().setWeight(-3)));
		assertInvalid(properties, "router.model-list[0].params.weight must be positive, was -3");
	}

	@Test
	void missingApiKey() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", null));
		assertInvalid(properties, "router.model-list[0].params.api-key is required");
	}

	@Test
	void blankApiKeyIsMissing() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "   "));
		assertInvalid(properties, "router.model-list[0].params.api-key is required");
	}

	@Test
	void missingApiBaseForAzure() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", "azure-test-key-0001", null, AZURE_VERSION));
		assertInvalid(properties, "router.model-list[0].params.api-base is required for Azure deployments");
	}

	@Test
	void datedApiVersionOnTheV1EndpointForAzure() {
		// without api-version an Azure entry uses the v1 API, which takes no dated version
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE + "/openai/v1", AZURE_VERSION));
		assertInvalid(properties, "router.model-list[1].params.api-version is a dated version, but params.api-base "
				+ "ends with /openai/v1, the v1 API, which takes none");
	}

	@Test
	void unknownProviderPrefix() {
		RouterProperties properties = properties(openAi("claude", "bedrock/claude", "sk-test-0001"));
		assertInvalid(properties, "router.model-list[0].params.model has unknown provider prefix 'bedrock' in 'bedrock/claude'");
	}

	@Test
	void providerPrefixWithNothingAfterIt() {
		RouterProperties properties = properties(azure("gpt-4o", "", "azure-test-key-0001", AZURE_BASE, AZURE_VERSION));
		assertThat(properties.getModelList().get(0).getParams().getModel()).isEqualTo("azure/");
		assertInvalid(properties, "router.model-list[0].params.model names no deployment or model after 'azure/'");
	}

	@Test
	void missingModel() {
		RouterProperties properties = properties(openAi("gpt-4o", null, "sk-test-0001"));
		assertInvalid(properties, "router.model-list[0].params.model is required");
	}

	@Test
	void emptyModelList() {
		assertInvalid(new RouterProperties(), "router.model-list is empty");
	}

	@Test
	void duplicateExplicitIds() {
		RouterProperties properties = properties(
				openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.getModelInfo().setId("primary")),
				openAi("gpt-4o", "gpt-4o", "sk-test-0002"),
				openAi("gpt-4o", "gpt-4o", "sk-test-0003", (entry) -> entry.getModelInfo().setId("primary")));
		assertInvalid(properties, "router.model-list[2].model-info.id 'primary' is already used by router.model-list[0]");
	}

	@Test
	void defaultModelNamingNoChatEntryListsTheChatModels() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				openAi("gpt-4o-mini", "gpt-4o-mini", "sk-test-0002"), embedding("embed", "sk-test-0003"));
		properties.setDefaultModel("gpt-5");
		assertInvalid(properties, "router.default-model 'gpt-5' names no chat entry; chat models: [gpt-4o, gpt-4o-mini]");
	}

	@Test
	void defaultModelNamingAnEmbeddingEntryIsRejected() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				embedding("embed", "sk-test-0003"));
		properties.setDefaultModel("embed");
		assertInvalid(properties, "router.default-model 'embed' names no chat entry; chat models: [gpt-4o]");
	}

	@Test
	void defaultEmbeddingModelNamingNoEmbeddingEntryListsTheEmbeddingModels() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				embedding("embed", "sk-test-0003"));
		properties.setDefaultEmbeddingModel("gpt-4o");
		assertInvalid(properties,
				"router.default-embedding-model 'gpt-4o' names no embedding entry; embedding models: [embed]");
	}

	@Test
	void chatAndEmbeddingEntriesUnderOneModelName() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				embedding("gpt-4o", "sk-test-0002"));
		assertInvalid(properties,
				"router.model-list[1].model-info.mode is embedding, but model 'gpt-4o' is chat in router.model-list[0]");
	}

	@Test
	void environmentReferenceToUnsetVariable() {
		RouterProperties properties = properties(
				azure("gpt-4o", "chat-eu", "os.environ/ROUTER_TEST_UNSET_KEY", AZURE_BASE, AZURE_VERSION));
		assertInvalid(properties,
				"router.model-list[0].params.api-key refers to environment variable 'ROUTER_TEST_UNSET_KEY', which is not set");
		// reported once, not also as a missing key
		assertThat(invalid(properties).getProblems()).hasSize(1);
	}

	@Test
	void environmentReferenceToUnsetVariableInApiBase() {
		RouterProperties properties = properties(
				azure("gpt-4o", "chat-eu", "azure-test-key-0001", "os.environ/ROUTER_TEST_UNSET_BASE", AZURE_VERSION));
		assertInvalid(properties,
				"router.model-list[0].params.api-base refers to environment variable 'ROUTER_TEST_UNSET_BASE', which is not set");
		assertThat(invalid(properties).getProblems()).hasSize(1);
	}

	@Test
	void apiBaseThatIsNotAUrl() {
		RouterProperties properties = properties(
				azure("gpt-4o", "chat-eu", "azure-test-key-0001", "my-eu.openai.azure.com", AZURE_VERSION));
		assertInvalid(properties,
				"router.model-list[0].params.api-base must be an http or https URL: the value has no http:// or https:// scheme");
	}

	@Test
	void apiBaseWithSpaces() {
		RouterProperties properties = properties(
				openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.getParams().setApiBase("http://my host/v1")));
		assertInvalid(properties, "router.model-list[0].params.api-base must be an http or https URL: the value is not a valid URI (Illegal character in authority)");
	}

	@Test
	void apiBaseWithAnotherScheme() {
		RouterProperties properties = properties(
				openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.getParams().setApiBase("ftp://files.example.com")));
		assertInvalid(properties,
				"router.model-list[0].params.api-base must be an http or https URL: the value's scheme is not http or https");
	}

	@Test
	void missingModelName() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"),
				openAi(null, "gpt-4o", "sk-test-0002"));
		assertInvalid(properties, "router.model-list[1].model-name is required");
	}

	@Test
	void everyProblemIsReportedInOneException() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> entry.setRpm(-5L)),
				openAi("gpt-4o", "gpt-4o", null), openAi(null, "bedrock/claude", "sk-test-0003"));
		properties.setDefaultModel("gpt-5");
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getProblems()).extracting(Problem::toString)
			.containsExactly("router.model-list[0].rpm must be positive, was -5",
					"router.model-list[1].params.api-key is required",
					"router.model-list[2].model-name is required",
					"router.model-list[2].params.model has unknown provider prefix 'bedrock' in 'bedrock/claude'",
					"router.default-model 'gpt-5' names no chat entry; chat models: [gpt-4o]");
		assertThat(ex.getMessage()).startsWith("Invalid router configuration:")
			.contains(" - router.model-list[0].rpm must be positive, was -5")
			.contains(" - router.model-list[1].params.api-key is required")
			.contains(" - router.model-list[2].model-name is required")
			.contains(" - router.default-model 'gpt-5' names no chat entry");
		assertThat(ex.getProblems()).allSatisfy((problem) -> assertThat(problem.action()).isNotBlank());
	}

	// ---- no key in any message

	@Test
	void keyNeverAppearsInMessagesAboutOtherFields() {
		RouterProperties properties = properties(
				azure("gpt-4o", "chat-eu", SECRET, "not a url", null, (entry) -> entry.setRpm(-5L)),
				openAi("gpt-4o", "bedrock/claude", SECRET, (entry) -> entry.getModelInfo().setMode(ModelMode.EMBEDDING)),
				openAi(null, "azure/", SECRET));
		properties.setDefaultModel("gpt-5");
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getProblems()).hasSizeGreaterThanOrEqualTo(6);
		assertNoSecret(ex, SECRET);
	}

	@Test
	void keyPastedIntoApiBaseAsWellIsNotEchoed() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", SECRET, SECRET, AZURE_VERSION));
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getMessage()).contains("router.model-list[0].params.api-base must be an http or https URL");
		assertNoSecret(ex, SECRET);
	}

	@Test
	void keyPastedIntoApiBaseInsteadOfApiKeyIsNotEchoed() {
		// api-key and api-base swapped by mistake: the key sits in api-base only
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", AZURE_BASE, SECRET, AZURE_VERSION));
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getMessage()).contains("router.model-list[0].params.api-base must be an http or https URL");
		assertNoSecret(ex, SECRET);
	}

	@Test
	void keyPastedIntoApiBaseWithTheKeyMissingIsNotEchoed() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", null,
				(entry) -> entry.getParams().setApiBase(SECRET)));
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getMessage()).contains("router.model-list[0].params.api-key is required")
			.contains("router.model-list[0].params.api-base must be an http or https URL");
		assertNoSecret(ex, SECRET);
	}

	@Test
	void keyFromTheEnvironmentNeverAppearsInMessages() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", "os.environ/ROUTER_TEST_KEY",
				"os.environ/ROUTER_TEST_KEY", AZURE_VERSION));
		InvalidRouterConfigurationException ex = assertThatExceptionOfType(InvalidRouterConfigurationException.class)
			.isThrownBy(() -> RouterModelList.of(properties, Map.of("ROUTER_TEST_KEY", SECRET)::get))
			.actual();
		assertThat(ex.getMessage()).contains("router.model-list[0].params.api-base must be an http or https URL");
		assertNoSecret(ex, SECRET);
	}

	// ---- valid model lists

	@Test
	void openAiDefaultsToTheOpenAiEndpoint() {
		Deployment deployment = single(of(properties(openAi("gpt-4o", "openai/gpt-4o", "sk-test-0001"))));
		assertThat(deployment.provider()).isEqualTo(Provider.OPENAI);
		assertThat(deployment.apiBase()).isEqualTo(URI.create("https://api.openai.com/v1"));
		assertThat(deployment.target()).isEqualTo("gpt-4o");
		assertThat(deployment.apiVersion()).isNull();
	}

	@Test
	void modelWithoutPrefixIsOpenAi() {
		Deployment deployment = single(of(properties(openAi("fast", "gpt-4o-mini", "sk-test-0001"))));
		assertThat(deployment.provider()).isEqualTo(Provider.OPENAI);
		assertThat(deployment.target()).isEqualTo("gpt-4o-mini");
		assertThat(deployment.modelName()).isEqualTo("fast");
		assertThat(deployment.apiBase()).isEqualTo(URI.create("https://api.openai.com/v1"));
	}

	@Test
	void azureDeploymentKeepsEndpointDeploymentAndApiVersion() {
		Deployment deployment = single(
				of(properties(azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE, AZURE_VERSION))));
		assertThat(deployment.provider()).isEqualTo(Provider.AZURE);
		assertThat(deployment.target()).isEqualTo("chat-eu");
		assertThat(deployment.apiBase()).isEqualTo(URI.create(AZURE_BASE));
		assertThat(deployment.apiVersion()).isEqualTo(AZURE_VERSION);
		assertThat(deployment.mode()).isEqualTo(ModelMode.CHAT);
	}

	@Test
	void derivedIdsAreReadableAndStable() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", SECRET, AZURE_BASE, AZURE_VERSION),
				openAi("gpt-4o", "gpt-4o", SECRET), openAi("llama", "openai/llama-3", SECRET,
						(entry) -> entry.getParams().setApiBase("http://localhost:8080/v1")));
		List<String> ids = ids(of(properties));
		assertThat(ids).containsExactly("azure:my-eu.openai.azure.com/chat-eu", "openai:api.openai.com/gpt-4o",
				"openai:localhost:8080/llama-3");
		assertThat(ids(of(properties))).isEqualTo(ids);
	}

	@Test
	void derivedIdsDoNotDependOnTheKey() {
		List<String> first = ids(of(properties(azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE, AZURE_VERSION))));
		List<String> rotated = ids(of(properties(azure("gpt-4o", "chat-eu", "azure-test-key-0002", AZURE_BASE, AZURE_VERSION))));
		assertThat(rotated).isEqualTo(first);
	}

	@Test
	void derivedIdsNeverContainTheKey() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", SECRET, AZURE_BASE, AZURE_VERSION),
				openAi("gpt-4o", "gpt-4o", SECRET,
						(entry) -> entry.getParams().setApiBase("https://proxy:" + SECRET + "@proxy.example.com/v1")));
		RouterModelList modelList = of(properties);
		assertThat(modelList.deployments()).allSatisfy((deployment) -> {
			assertThat(deployment.id()).doesNotContain(SECRET);
			assertThat(deployment.toString()).doesNotContain(SECRET);
		});
		assertThat(ids(modelList)).containsExactly("azure:my-eu.openai.azure.com/chat-eu",
				"openai:proxy.example.com/gpt-4o");
		assertThat(modelList.toString()).doesNotContain(SECRET);
	}

	@Test
	void derivedIdsAreMadeUnique() {
		RouterProperties properties = properties(
				azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE, AZURE_VERSION),
				azure("gpt-4o", "chat-eu", "azure-test-key-0002", AZURE_BASE + "/", AZURE_VERSION),
				azure("other", "chat-eu", "azure-test-key-0003", AZURE_BASE, "2024-06-01"));
		assertThat(ids(of(properties))).containsExactly("azure:my-eu.openai.azure.com/chat-eu",
				"azure:my-eu.openai.azure.com/chat-eu#2", "azure:my-eu.openai.azure.com/chat-eu#3");
	}

	@Test
	void derivedIdsAvoidExplicitIdsOfLaterEntries() {
		RouterProperties properties = properties(
				azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE, AZURE_VERSION),
				azure("gpt-4o", "chat-eu", "azure-test-key-0002", "https://other.openai.azure.com", AZURE_VERSION,
						(entry) -> entry.getModelInfo().setId("azure:my-eu.openai.azure.com/chat-eu")));
		assertThat(ids(of(properties))).containsExactly("azure:my-eu.openai.azure.com/chat-eu#2",
				"azure:my-eu.openai.azure.com/chat-eu");
	}

	@Test
	void explicitIdIsUsed() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE,
				AZURE_VERSION, (entry) -> entry.getModelInfo().setId("eu-primary")));
		RouterModelList modelList = of(properties);
		assertThat(single(modelList).id()).isEqualTo("eu-primary");
		assertThat(modelList.apiKey(single(modelList))).isEqualTo("azure-test-key-0001");
	}

	@Test
	void eachDeploymentKeepsItsOwnKey() {
		RouterModelList modelList = of(properties(azure("gpt-4o", "chat-eu", "azure-test-key-0001", AZURE_BASE,
				AZURE_VERSION), azure("gpt-4o", "chat-eu", "azure-test-key-0002", AZURE_BASE, AZURE_VERSION)));
		assertThat(modelList.deployments()).extracting(modelList::apiKey)
			.containsExactly("azure-test-key-0001", "azure-test-key-0002");
	}

	@Test
	void entryLimitsWinOverParamsLimits() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> {
			entry.setRpm(100L);
			entry.getParams().setRpm(10L);
			entry.setTpm(100_000L);
			entry.getParams().setTpm(1_000L);
			entry.setWeight(7);
			entry.getParams().setWeight(3);
		}));
		Deployment deployment = single(of(properties));
		assertThat(deployment.limits().requestsPerMinute()).isEqualTo(100L);
		assertThat(deployment.limits().tokensPerMinute()).isEqualTo(100_000L);
		assertThat(deployment.weight()).isEqualTo(7);
	}

	@Test
	void paramsLimitsApplyWhenTheEntryHasNone() {
		RouterProperties properties = properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001", (entry) -> {
			entry.getParams().setRpm(10L);
			entry.getParams().setTpm(1_000L);
			entry.getParams().setWeight(3);
		}));
		Deployment deployment = single(of(properties));
		assertThat(deployment.limits().requestsPerMinute()).isEqualTo(10L);
		assertThat(deployment.limits().tokensPerMinute()).isEqualTo(1_000L);
		assertThat(deployment.weight()).isEqualTo(3);
	}

	@Test
	void absentLimitsAreUnlimited() {
		Deployment deployment = single(of(properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001"))));
		assertThat(deployment.limits().requestsPerMinute()).isNull();
		assertThat(deployment.limits().tokensPerMinute()).isNull();
		assertThat(deployment.weight()).isNull();
	}

	@Test
	void environmentReferencesResolveThroughTheLookup() {
		RouterProperties properties = properties(azure("gpt-4o", "chat-eu", "os.environ/ROUTER_TEST_KEY",
				"os.environ/ROUTER_TEST_BASE", "os.environ/ROUTER_TEST_VERSION"));
		Map<String, String> environment = Map.of("ROUTER_TEST_KEY", "azure-test-key-env", "ROUTER_TEST_BASE",
				"https://from-env.openai.azure.com", "ROUTER_TEST_VERSION", "2024-06-01");
		RouterModelList modelList = RouterModelList.of(properties, environment::get);
		Deployment deployment = single(modelList);
		assertThat(modelList.apiKey(deployment)).isEqualTo("azure-test-key-env");
		assertThat(deployment.apiBase()).isEqualTo(URI.create("https://from-env.openai.azure.com"));
		assertThat(deployment.apiVersion()).isEqualTo("2024-06-01");
		assertThat(deployment.id()).isEqualTo("azure:from-env.openai.azure.com/chat-eu");
	}

	@Test
	void valuesThatAreNotEnvironmentReferencesAreNotLookedUp() {
		List<String> lookedUp = new ArrayList<>();
		RouterModelList modelList = RouterModelList.of(properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001")),
				(name) -> {
					lookedUp.add(name);
					return "from-environment";
				});
		assertThat(modelList.apiKey(single(modelList))).isEqualTo("sk-test-0001");
		assertThat(lookedUp).isEmpty();
	}

	@Test
	void defaultModelIsTheFirstChatEntry() {
		RouterModelList modelList = of(properties(embedding("embed", "sk-test-0001"),
				openAi("gpt-4o-mini", "gpt-4o-mini", "sk-test-0002"), openAi("gpt-4o", "gpt-4o", "sk-test-0003"),
				embedding("embed-large", "sk-test-0004")));
		assertThat(modelList.defaultModel()).isEqualTo("gpt-4o-mini");
		assertThat(modelList.defaultEmbeddingModel()).isEqualTo("embed");
		assertThat(modelList.deployments(ModelMode.CHAT)).extracting(Deployment::modelName)
			.containsExactly("gpt-4o-mini", "gpt-4o");
		assertThat(modelList.deployments(ModelMode.EMBEDDING)).extracting(Deployment::modelName)
			.containsExactly("embed", "embed-large");
	}

	@Test
	void configuredDefaultModelsAreUsed() {
		RouterProperties properties = properties(openAi("gpt-4o-mini", "gpt-4o-mini", "sk-test-0002"),
				openAi("gpt-4o", "gpt-4o", "sk-test-0003"), embedding("embed", "sk-test-0001"),
				embedding("embed-large", "sk-test-0004"));
		properties.setDefaultModel("gpt-4o");
		properties.setDefaultEmbeddingModel("embed-large");
		RouterModelList modelList = of(properties);
		assertThat(modelList.defaultModel()).isEqualTo("gpt-4o");
		assertThat(modelList.defaultEmbeddingModel()).isEqualTo("embed-large");
	}

	@Test
	void noDefaultEmbeddingModelWithoutEmbeddingEntries() {
		RouterModelList modelList = of(properties(openAi("gpt-4o", "gpt-4o", "sk-test-0001")));
		assertThat(modelList.defaultModel()).isEqualTo("gpt-4o");
		assertThat(modelList.defaultEmbeddingModel()).isNull();
	}

	@Test
	void noDefaultChatModelWithoutChatEntries() {
		RouterModelList modelList = of(properties(embedding("embed", "sk-test-0001")));
		assertThat(modelList.defaultModel()).isNull();
		assertThat(modelList.defaultEmbeddingModel()).isEqualTo("embed");
	}

	// ---- helpers

	private static RouterModelList of(RouterProperties properties) {
		return RouterModelList.of(properties, NO_ENVIRONMENT);
	}

	private static InvalidRouterConfigurationException invalid(RouterProperties properties) {
		return assertThatExceptionOfType(InvalidRouterConfigurationException.class).isThrownBy(() -> of(properties))
			.actual();
	}

	private static void assertInvalid(RouterProperties properties, String expected) {
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getMessage()).contains(expected);
		assertThat(ex.getProblems()).extracting(Problem::toString).contains(expected);
	}

	private static void assertNoSecret(InvalidRouterConfigurationException ex, String secret) {
		assertThat(ex.getMessage()).doesNotContain(secret);
		assertThat(ex.toString()).doesNotContain(secret);
		assertThat(ex.getProblems()).allSatisfy((problem) -> {
			assertThat(problem.property()).doesNotContain(secret);
			assertThat(problem.description()).doesNotContain(secret);
			assertThat(problem.action()).doesNotContain(secret);
		});
	}

	private static Deployment single(RouterModelList modelList) {
		assertThat(modelList.deployments()).hasSize(1);
		return modelList.deployments().get(0);
	}

	private static List<String> ids(RouterModelList modelList) {
		return modelList.deployments().stream().map(Deployment::id).toList();
	}

	@SafeVarargs
	private static RouterProperties properties(ModelListEntry... entries) {
		RouterProperties properties = new RouterProperties();
		properties.setModelList(new ArrayList<>(Arrays.asList(entries)));
		return properties;
	}

	private static ModelListEntry openAi(@Nullable String modelName, @Nullable String model, @Nullable String apiKey) {
		return openAi(modelName, model, apiKey, (entry) -> {
		});
	}

	private static ModelListEntry openAi(@Nullable String modelName, @Nullable String model, @Nullable String apiKey,
			Consumer<ModelListEntry> customizer) {
		ModelListEntry entry = new ModelListEntry();
		entry.setModelName(modelName);
		entry.getParams().setModel(model);
		entry.getParams().setApiKey(apiKey);
		customizer.accept(entry);
		return entry;
	}

	private static ModelListEntry azure(String modelName, String deployment, @Nullable String apiKey,
			@Nullable String apiBase, @Nullable String apiVersion) {
		return azure(modelName, deployment, apiKey, apiBase, apiVersion, (entry) -> {
		});
	}

	private static ModelListEntry azure(String modelName, String deployment, @Nullable String apiKey,
			@Nullable String apiBase, @Nullable String apiVersion, Consumer<ModelListEntry> customizer) {
		ModelListEntry entry = new ModelListEntry();
		entry.setModelName(modelName);
		entry.getParams().setModel("azure/" + deployment);
		entry.getParams().setApiKey(apiKey);
		entry.getParams().setApiBase(apiBase);
		entry.getParams().setApiVersion(apiVersion);
		customizer.accept(entry);
		return entry;
	}

	private static ModelListEntry embedding(String modelName, String apiKey) {
		return openAi(modelName, "text-embedding-3-small", apiKey,
				(entry) -> entry.getModelInfo().setMode(ModelMode.EMBEDDING));
	}

}
