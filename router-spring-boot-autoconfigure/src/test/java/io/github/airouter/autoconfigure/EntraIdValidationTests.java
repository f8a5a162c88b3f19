package io.github.airouter.autoconfigure;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.autoconfigure.RouterProperties.Params;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.provider.EntraIdSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * How the model list validates Azure entries without an api-key (Microsoft Entra ID) and
 * api-versions: what each combination of Entra ID settings becomes, every combination that
 * cannot apply reported with its property, and no secret in any message.
 */
class EntraIdValidationTests {

	private static final String BASE = "https://my-eu.openai.azure.com";

	private static final String SECRET = "client-SECRET-abcdef123456";

	private static final Function<String, @Nullable String> NO_ENVIRONMENT = (name) -> null;

	// ---- what an entry becomes

	@Test
	void anAzureEntryWithoutKeyOrApiVersionUsesTheDefaultCredentialAndTheV1Api() {
		RouterModelList modelList = valid(azure((params) -> {
		}));
		Deployment deployment = modelList.deployments().get(0);
		assertThat(modelList.apiKey(deployment)).isNull();
		assertThat(modelList.entraId(deployment)).isEqualTo(EntraIdSettings.defaults());
		assertThat(modelList.entry(deployment)).isEqualTo("router.model-list[0]");
		assertThat(deployment.apiVersion()).isNull();
	}

	@Test
	void aClientIdAloneIsAUserAssignedManagedIdentity() {
		EntraIdSettings settings = settings(azure((params) -> params.setClientId(" uami-client-id ")));
		assertThat(settings.isUserAssignedManagedIdentity()).isTrue();
		assertThat(settings.clientId()).isEqualTo("uami-client-id");
	}

	@Test
	void tenantClientIdAndSecretAreAServicePrincipal() {
		EntraIdSettings settings = settings(azure((params) -> {
			params.setTenantId("tenant-1");
			params.setClientId("app-client-id");
			params.setClientSecret(SECRET);
		}));
		assertThat(settings.isServicePrincipal()).isTrue();
		assertThat(settings.clientSecret()).isEqualTo(SECRET);
	}

	@Test
	void aTenantAloneIsTheDefaultCredentialInThatTenant() {
		EntraIdSettings settings = settings(azure((params) -> params.setTenantId("tenant-1")));
		assertThat(settings.tenantId()).isEqualTo("tenant-1");
		assertThat(settings.isDefaultCredential()).isFalse();
		assertThat(settings.describe()).startsWith("DefaultAzureCredential in tenant tenant-1");
	}

	@Test
	void aFixedTokenAndAScopeAreReadFromTheEnvironment() {
		RouterModelList modelList = RouterModelList.of(properties(azure((params) -> {
			params.setAzureAdToken("os.environ/ROUTER_TEST_AD_TOKEN");
		}), azure((params) -> params.setAzureScope("os.environ/ROUTER_TEST_SCOPE"))),
				Map.of("ROUTER_TEST_AD_TOKEN", "token-from-env", "ROUTER_TEST_SCOPE", "api://custom/.default")::get);
		assertThat(modelList.entraId(modelList.deployments().get(0)).token()).isEqualTo("token-from-env");
		assertThat(modelList.entraId(modelList.deployments().get(1)).scope()).isEqualTo("api://custom/.default");
	}

	@Test
	void anAzureEntryWithAKeyHasNoEntraIdSettings() {
		RouterModelList modelList = valid(azure((params) -> params.setApiKey("azure-key-0001")));
		Deployment deployment = modelList.deployments().get(0);
		assertThat(modelList.apiKey(deployment)).isEqualTo("azure-key-0001");
		assertThat(modelList.entraId(deployment)).isNull();
	}

	@Test
	void everyV1VersionIsAcceptedAsIsADatedOne() {
		for (String version : new String[] { "v1", "latest", "preview", "2024-10-21", "2025-04-01-preview" }) {
			valid(azure((params) -> params.setApiVersion(version)));
		}
		valid(azure((params) -> params.setApiBase(BASE + "/openai/v1/")));
		valid(azure((params) -> {
			params.setApiBase(BASE + "/openai/v1");
			params.setApiVersion("preview");
		}));
	}

	// ---- what cannot apply

	@Test
	void entraIdSettingsOnAnOpenAiEntryApplyToAzureOnly() {
		ModelListEntry entry = azure((params) -> {
			params.setModel("openai/gpt-4o");
			params.setApiKey("sk-test-0001");
			params.setClientId("app-client-id");
			params.setAzureScope("api://custom/.default");
		});
		assertProblems(properties(entry), "router.model-list[0].params.client-id applies to Azure entries only",
				"router.model-list[0].params.azure-scope applies to Azure entries only");
	}

	@Test
	void entraIdSettingsBesideAnApiKeyAreNamed() {
		assertProblems(properties(azure((params) -> {
			params.setApiKey("azure-key-0001");
			params.setTenantId("tenant-1");
			params.setAzureAdToken(SECRET);
		})), "router.model-list[0].params.azure-ad-token is set together with params.api-key",
				"router.model-list[0].params.tenant-id is set together with params.api-key");
	}

	@Test
	void aClientSecretNeedsATenantAndAClientId() {
		assertProblems(properties(azure((params) -> params.setClientSecret(SECRET))),
				"router.model-list[0].params.client-secret needs params.tenant-id: a client secret authenticates a "
						+ "service principal",
				"router.model-list[0].params.client-secret needs params.client-id: a client secret authenticates a "
						+ "service principal");
	}

	@Test
	void aTenantAndAClientIdNeedAClientSecret() {
		assertProblems(properties(azure((params) -> {
			params.setTenantId("tenant-1");
			params.setClientId("app-client-id");
		})), "router.model-list[0].params.client-secret is required beside params.tenant-id and params.client-id, "
				+ "which name a service principal");
	}

	@Test
	void aFixedTokenLeavesNoRoomForACredential() {
		assertProblems(properties(azure((params) -> {
			params.setAzureAdToken(SECRET);
			params.setClientId("app-client-id");
			params.setAzureScope("api://custom/.default");
		})), "router.model-list[0].params.client-id has no effect beside params.azure-ad-token, a fixed token used "
				+ "as given",
				"router.model-list[0].params.azure-scope has no effect beside params.azure-ad-token, a fixed token "
						+ "used as given");
	}

	@Test
	void blankSettingsAndABlankApiKeyAreNamed() {
		assertProblems(properties(azure((params) -> params.setAzureScope(" ")), azure((params) -> params.setApiKey(""))),
				"router.model-list[0].params.azure-scope is blank", "router.model-list[1].params.api-key is blank");
	}

	@Test
	void aSecretFromAnUnsetVariableIsNamed() {
		assertProblems(properties(azure((params) -> {
			params.setTenantId("tenant-1");
			params.setClientId("app-client-id");
			params.setClientSecret("os.environ/ROUTER_TEST_UNSET_SECRET");
		})), "router.model-list[0].params.client-secret refers to environment variable 'ROUTER_TEST_UNSET_SECRET', "
				+ "which is not set");
	}

	@Test
	void anOpenAiEntryStillNeedsItsKey() {
		assertProblems(properties(azure((params) -> params.setModel("openai/gpt-4o"))),
				"router.model-list[0].params.api-key is required");
	}

	// ---- no secret in any message

	@Test
	void neitherAClientSecretNorAFixedTokenIsEverEchoed() {
		String token = "token-SECRET-abcdef654321";
		RouterProperties properties = properties(azure((params) -> {
			params.setTenantId("tenant-1");
			params.setClientId("app-client-id");
			params.setClientSecret(SECRET);
			params.setModel(SECRET + "/chat");
			params.setApiBase(SECRET);
		}), azure((params) -> {
			params.setAzureAdToken(token);
			params.setApiBase(token);
			params.setClientId(token);
		}));
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getProblems()).extracting(Problem::property)
			.contains("router.model-list[0].params.model", "router.model-list[0].params.api-base",
					"router.model-list[1].params.api-base", "router.model-list[1].params.client-id");
		for (String secret : new String[] { SECRET, token }) {
			assertThat(ex.getMessage()).doesNotContain(secret);
			assertThat(ex.getProblems()).allSatisfy((problem) -> {
				assertThat(problem.description()).doesNotContain(secret);
				assertThat(problem.action()).doesNotContain(secret);
			});
		}
	}

	@Test
	void paramsNeverPrintTheirSecrets() {
		Params params = new Params();
		params.setApiKey("key-SECRET-1");
		params.setClientSecret(SECRET);
		params.setAzureAdToken("token-SECRET-2");
		params.setClientId("app-client-id");
		assertThat(params.toString()).doesNotContain("SECRET").contains("app-client-id");
	}

	// ---- helpers

	private static ModelListEntry azure(Consumer<Params> customizer) {
		ModelListEntry entry = new ModelListEntry();
		entry.setModelName("gpt-4o");
		entry.getParams().setModel("azure/chat-eu");
		entry.getParams().setApiBase(BASE);
		customizer.accept(entry.getParams());
		return entry;
	}

	private static RouterProperties properties(ModelListEntry... entries) {
		RouterProperties properties = new RouterProperties();
		properties.setModelList(Arrays.asList(entries));
		for (int i = 0; i < entries.length; i++) {
			entries[i].getModelInfo().setId("entry-" + i);
		}
		return properties;
	}

	private static RouterModelList valid(ModelListEntry entry) {
		return RouterModelList.of(properties(entry), NO_ENVIRONMENT);
	}

	private static EntraIdSettings settings(ModelListEntry entry) {
		RouterModelList modelList = valid(entry);
		EntraIdSettings settings = modelList.entraId(modelList.deployments().get(0));
		assertThat(settings).isNotNull();
		return settings;
	}

	private static InvalidRouterConfigurationException invalid(RouterProperties properties) {
		return assertThatExceptionOfType(InvalidRouterConfigurationException.class)
			.isThrownBy(() -> RouterModelList.of(properties, NO_ENVIRONMENT))
			.actual();
	}

	private static void assertProblems(RouterProperties properties, String... problems) {
		InvalidRouterConfigurationException ex = invalid(properties);
		assertThat(ex.getProblems()).extracting(Problem::toString).containsExactly(problems);
		assertThat(ex.getProblems()).allSatisfy((problem) -> assertThat(problem.action()).isNotBlank());
	}

}
