package io.github.airouter.autoconfigure;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.chat.RoutingChatModel;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.provider.EntraIdSettings;
import io.github.airouter.provider.EntraIdTokenSource;
import io.github.airouter.testsupport.FakeProvider;
import io.github.airouter.testsupport.FakeProvider.Request;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which credential keyless Azure entries get in an application: its {@link TokenCredential}
 * bean, azure-identity's credentials, or a fixed token; and what happens without
 * azure-identity, or without any Azure library, on the classpath. No test here lets
 * azure-identity ask for a token: the wire tests do ({@link EntraIdWireTests}).
 */
@ExtendWith(OutputCaptureExtension.class)
class EntraIdConfigurationTests {

	private static final String AZURE_IDENTITY_ABSENT = "com.azure.identity";

	private final FakeProvider provider = new FakeProvider();

	private final CountingCredential application = new CountingCredential();

	@AfterEach
	void close() throws Exception {
		this.provider.close();
	}

	@Test
	void anApplicationTokenCredentialServesEveryKeylessEntryThatLeavesTheCredentialToTheDefault() {
		runner(keyless(0, "chat-eu", "/eu"), keyless(1, "chat-us", "/us"))
			.withBean(TokenCredential.class, () -> this.application)
			.run((context) -> {
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				for (int i = 0; i < 6; i++) {
					chat.call(prompt());
				}
				assertThat(this.provider.requests()).hasSize(6).allSatisfy((request) -> {
					assertThat(request.authorizationHeader()).isEqualTo("Bearer app-token-1");
					assertThat(request.apiKeyHeader()).isNull();
				});
				assertThat(this.provider.requestsTo("/eu/openai/v1")).isNotEmpty();
				assertThat(this.provider.requestsTo("/us/openai/v1")).isNotEmpty();
				assertThat(this.application.scopes).containsExactly(List.of(EntraIdSettings.DEFAULT_SCOPE));
			});
	}

	@Test
	void anEntrysScopeIsAskedFor() {
		runner(keyless(0, "chat-eu", "/eu", "azure-scope=api://my-gateway/.default"))
			.withBean(TokenCredential.class, () -> this.application)
			.run((context) -> {
				context.getBean(RoutingChatModel.class).call(prompt());
				assertThat(this.application.scopes).containsExactly(List.of("api://my-gateway/.default"));
			});
	}

	@Test
	void withoutAzureIdentityAKeylessEntryFailsStartupNamingTheEntryAndTheDependency() {
		runner(keyless(0, "chat-eu", "/eu"), keyed(1), keyless(2, "chat-us", "/us", "client-id=uami-client-id"))
			.withClassLoader(new FilteredClassLoader(AZURE_IDENTITY_ABSENT))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(problems(context)).containsExactly(new Problem("router.model-list[0].params.api-key",
						"is not set, so the entry authenticates with Microsoft Entra ID, which needs "
								+ "com.azure:azure-identity on the classpath",
						"Add the dependency com.azure:azure-identity (or define a "
								+ "com.azure.core.credential.TokenCredential bean), or set the entry's api-key."),
						new Problem("router.model-list[2].params.client-id",
								"names a Microsoft Entra ID credential, which needs com.azure:azure-identity on the "
										+ "classpath",
								"Add the dependency com.azure:azure-identity, or set the entry's api-key instead."));
			});
	}

	@Test
	void withoutAnyAzureLibraryAKeylessEntryFailsStartupTheSameWay() {
		runner(keyless(0, "chat-eu", "/eu")).withClassLoader(new FilteredClassLoader("com.azure", "com.microsoft.aad"))
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context).getFailure()
					.rootCause()
					.hasMessage("Invalid router configuration:\n - router.model-list[0].params.api-key is not set, so "
							+ "the entry authenticates with Microsoft Entra ID, which needs com.azure:azure-identity "
							+ "on the classpath");
			});
	}

	@Test
	void withoutAnyAzureLibraryKeyedEntriesAndAFixedTokenWork() {
		runner(keyed(0), keyless(1, "chat-us", "/us", "azure-ad-token=fixed-entra-token-0001"))
			.withClassLoader(new FilteredClassLoader("com.azure", "com.microsoft.aad"))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(EntraIdTokenSource.class);
				RoutingChatModel chat = context.getBean(RoutingChatModel.class);
				chat.call(prompt());
				chat.call(prompt());
				Request fixed = single(this.provider.requestsTo("/us/openai/v1"));
				assertThat(fixed.authorizationHeader()).isEqualTo("Bearer fixed-entra-token-0001");
				assertThat(fixed.apiKeyHeader()).isNull();
				assertThat(single(this.provider.requestsTo("/keyed/openai/deployments/chat-keyed")).apiKeyHeader())
					.isEqualTo("azure-entry-key-0001");
			});
	}

	@Test
	void aTokenCredentialBeanServesDefaultEntriesWithoutAzureIdentityButCannotServeAClientId() {
		runner(keyless(0, "chat-eu", "/eu")).withClassLoader(new FilteredClassLoader(AZURE_IDENTITY_ABSENT))
			.withBean(TokenCredential.class, () -> this.application)
			.run((context) -> {
				context.getBean(RoutingChatModel.class).call(prompt());
				assertThat(single(this.provider.requests()).authorizationHeader()).isEqualTo("Bearer app-token-1");
			});
		runner(keyless(0, "chat-eu", "/eu"), keyless(1, "chat-us", "/us", "tenant-id=tenant-1"))
			.withClassLoader(new FilteredClassLoader(AZURE_IDENTITY_ABSENT))
			.withBean(TokenCredential.class, () -> this.application)
			.run((context) -> assertThat(problems(context)).extracting(Problem::toString)
				.containsExactly("router.model-list[1].params.tenant-id names a Microsoft Entra ID credential, which "
						+ "needs com.azure:azure-identity on the classpath"));
	}

	@Test
	void liteLlmsEntraIdKeysBindAndAreNoLongerIgnored(CapturedOutput output) {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withPropertyValues("router.model_list[0].model_name=gpt-4o",
					"router.model_list[0].litellm_params.model=azure/chat-eu",
					"router.model_list[0].litellm_params.api_base=" + this.provider.url() + "/eu",
					"router.model_list[0].litellm_params.tenant_id=tenant-1",
					"router.model_list[0].litellm_params.client_id=app-client-id",
					"router.model_list[0].litellm_params.client_secret=client-SECRET-0001",
					"router.model_list[0].litellm_params.azure_scope=api://my-gateway/.default",
					"router.model_list[1].model_name=gpt-4o", "router.model_list[1].litellm_params.model=azure/chat-us",
					"router.model_list[1].litellm_params.api_base=" + this.provider.url() + "/us",
					"router.model_list[1].litellm_params.azure_ad_token=fixed-SECRET-0002",
					"router.model_list[1].litellm_params.max_retries=3")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				RouterModelList modelList = context.getBean(RouterModelList.class);
				List<Deployment> deployments = modelList.deployments();
				assertThat(modelList.entraId(deployments.get(0))).isEqualTo(new EntraIdSettings("tenant-1",
						"app-client-id", "client-SECRET-0001", null, "api://my-gateway/.default"));
				assertThat(modelList.entraId(deployments.get(1)).token()).isEqualTo("fixed-SECRET-0002");
				assertThat(output.getAll()).contains(
						"Ignoring 1 LiteLLM settings that the router does not use: router.model-list[1].params.max_retries")
					.doesNotContain("SECRET");
			});
	}

	// ---- helpers

	private ApplicationContextRunner runner(String[]... entries) {
		List<String> properties = new ArrayList<>(List.of("router.usage-store=memory"));
		for (String[] entry : entries) {
			properties.addAll(List.of(entry));
		}
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(RouterAutoConfiguration.class))
			.withPropertyValues(properties.toArray(String[]::new));
	}

	/** A keyless Azure gpt-4o entry on the v1 API of the fake. */
	private String[] keyless(int index, String deployment, String path, String... params) {
		String prefix = "router.model-list[" + index + "].";
		List<String> properties = new ArrayList<>(List.of(prefix + "model-name=gpt-4o",
				prefix + "params.model=azure/" + deployment, prefix + "params.api-base=" + this.provider.url() + path));
		for (String param : params) {
			properties.add(prefix + "params." + param);
		}
		return properties.toArray(String[]::new);
	}

	/** An Azure gpt-4o entry with a key, on the deployments API of the fake. */
	private String[] keyed(int index) {
		String prefix = "router.model-list[" + index + "].";
		return new String[] { prefix + "model-name=gpt-4o", prefix + "params.model=azure/chat-keyed",
				prefix + "params.api-base=" + this.provider.url() + "/keyed",
				prefix + "params.api-key=azure-entry-key-0001", prefix + "params.api-version=2024-10-21",
				prefix + "rpm=1" };
	}

	private static List<Problem> problems(
			org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
		assertThat(context).hasFailed();
		Throwable cause = context.getStartupFailure();
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		assertThat(cause).isInstanceOf(InvalidRouterConfigurationException.class);
		return ((InvalidRouterConfigurationException) cause).getProblems();
	}

	private static Prompt prompt() {
		return new Prompt("Hello", ChatOptions.builder().model("gpt-4o").build());
	}

	private static Request single(List<Request> requests) {
		assertThat(requests).hasSize(1);
		return requests.get(0);
	}

	/** Gives app-token-1, app-token-2, ..., each valid for an hour, and records the scopes. */
	static final class CountingCredential implements TokenCredential {

		final List<List<String>> scopes = new CopyOnWriteArrayList<>();

		@Override
		public Mono<AccessToken> getToken(TokenRequestContext request) {
			this.scopes.add(request.getScopes());
			return Mono.just(new AccessToken("app-token-" + this.scopes.size(),
					OffsetDateTime.now().plus(Duration.ofHours(1))));
		}

	}

}
