package io.github.airouter.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.deployment.Deployment;
import io.github.airouter.provider.ClientCredential;
import io.github.airouter.provider.EntraIdSettings;
import io.github.airouter.provider.EntraIdTokenSource;

/**
 * The credential of each deployment's client: its API key, or for a keyless Azure deployment
 * the Microsoft Entra ID tokens of the credential its entry names (a fixed
 * {@code azure-ad-token} is sent as given). Checks at creation that every keyless deployment
 * can get tokens, and fails start-up naming each entry that cannot and the dependency it
 * needs. Refers to no Azure class.
 *
 * @author airouter
 */
final class DeploymentCredentials {

	/** What a keyless entry needs on the classpath. */
	static final String AZURE_IDENTITY = "com.azure:azure-identity";

	private final RouterModelList modelList;

	private final @Nullable EntraIdTokenSource tokenSource;

	/**
	 * Create the credentials of some deployments.
	 * @param modelList the validated model list
	 * @param deployments the deployments whose clients are about to be built
	 * @param tokenSource gives Entra ID tokens, {@code null} when azure-core is absent
	 * @throws InvalidRouterConfigurationException naming every keyless entry that cannot get
	 * tokens
	 */
	DeploymentCredentials(RouterModelList modelList, List<Deployment> deployments,
			@Nullable EntraIdTokenSource tokenSource) {
		this.modelList = modelList;
		this.tokenSource = tokenSource;
		List<Problem> problems = new ArrayList<>();
		for (Deployment deployment : deployments) {
			EntraIdSettings settings = modelList.entraId(deployment);
			if (settings != null && !settings.isFixedToken()
					&& (tokenSource == null || !tokenSource.canServe(settings))) {
				problems.add(missingAzureIdentity(modelList.entry(deployment), settings));
			}
		}
		if (!problems.isEmpty()) {
			throw new InvalidRouterConfigurationException(problems);
		}
	}

	private static Problem missingAzureIdentity(String entry, EntraIdSettings settings) {
		if (settings.isDefaultCredential()) {
			return new Problem(entry + ".params.api-key",
					"is not set, so the entry authenticates with Microsoft Entra ID, which needs " + AZURE_IDENTITY
							+ " on the classpath",
					"Add the dependency " + AZURE_IDENTITY + " (or define a com.azure.core.credential.TokenCredential"
							+ " bean), or set the entry's api-key.");
		}
		String setting = settings.isServicePrincipal() ? "client-secret"
				: (settings.clientId() != null) ? "client-id" : "tenant-id";
		return new Problem(entry + ".params." + setting,
				"names a Microsoft Entra ID credential, which needs " + AZURE_IDENTITY + " on the classpath",
				"Add the dependency " + AZURE_IDENTITY + ", or set the entry's api-key instead.");
	}

	/**
	 * The credential of a deployment's client.
	 * @param deployment a deployment of the model list
	 * @return its API key, or its access tokens
	 */
	ClientCredential of(Deployment deployment) {
		String apiKey = this.modelList.apiKey(deployment);
		if (apiKey != null) {
			return ClientCredential.apiKey(apiKey);
		}
		EntraIdSettings settings = this.modelList.entraId(deployment);
		if (settings == null) {
			throw new IllegalStateException("Deployment " + deployment.id() + " has no credential");
		}
		String token = settings.token();
		if (token != null) {
			return ClientCredential.accessTokens(() -> token);
		}
		if (this.tokenSource == null) {
			throw new IllegalStateException("Deployment " + deployment.id() + " needs " + AZURE_IDENTITY);
		}
		return ClientCredential.accessTokens(this.tokenSource.tokens(settings));
	}

}
