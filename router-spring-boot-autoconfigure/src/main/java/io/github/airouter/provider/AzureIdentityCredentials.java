package io.github.airouter.provider;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;

import org.springframework.util.Assert;

/**
 * The one class that refers to azure-identity: builds the credential an entry's
 * {@link EntraIdSettings} name. Loaded only when azure-identity is on the classpath.
 *
 * @author airouter
 */
final class AzureIdentityCredentials {

	private AzureIdentityCredentials() {
	}

	/**
	 * The credential of the settings.
	 * @param settings an entry's settings, never a fixed token
	 * @return {@code ClientSecretCredential} for a service principal,
	 * {@code ManagedIdentityCredential} for a client id alone, else
	 * {@code DefaultAzureCredential} (in the settings' tenant, if any)
	 */
	static TokenCredential of(EntraIdSettings settings) {
		Assert.isTrue(!settings.isFixedToken(), "A fixed token needs no credential");
		if (settings.isServicePrincipal()) {
			return new ClientSecretCredentialBuilder().tenantId(settings.tenantId())
				.clientId(settings.clientId())
				.clientSecret(settings.clientSecret())
				.build();
		}
		if (settings.isUserAssignedManagedIdentity()) {
			return new ManagedIdentityCredentialBuilder().clientId(settings.clientId()).build();
		}
		DefaultAzureCredentialBuilder builder = new DefaultAzureCredentialBuilder();
		if (settings.tenantId() != null) {
			builder.tenantId(settings.tenantId());
		}
		return builder.build();
	}

}
