package io.github.airouter.provider;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * How an Azure deployment without an API key authenticates with Microsoft Entra ID, as its
 * entry configures it:
 * <ul>
 * <li>nothing but the scope: the default credential (the application's
 * {@code TokenCredential} bean, else azure-identity's {@code DefaultAzureCredential});</li>
 * <li>a tenant alone: {@code DefaultAzureCredential} in that tenant;</li>
 * <li>a client id alone: that user-assigned managed identity;</li>
 * <li>tenant, client id and client secret: that service principal;</li>
 * <li>a token: that fixed token, as given.</li>
 * </ul>
 * Validated before it is made: the combinations above are the only ones. Never prints the
 * client secret or the token.
 *
 * @param tenantId the Entra tenant, or {@code null}
 * @param clientId the client id of a managed identity or service principal, or {@code null}
 * @param clientSecret the service principal's secret, or {@code null}
 * @param token a fixed access token, or {@code null}
 * @param scope the scope tokens are asked for
 * @author airouter
 */
public record EntraIdSettings(@Nullable String tenantId, @Nullable String clientId, @Nullable String clientSecret,
		@Nullable String token, String scope) {

	/** The scope of Azure OpenAI (Cognitive Services) tokens. */
	public static final String DEFAULT_SCOPE = "https://cognitiveservices.azure.com/.default";

	public EntraIdSettings {
		Objects.requireNonNull(scope, "scope must not be null");
	}

	/**
	 * Settings for the default credential with the default scope.
	 * @return the settings
	 */
	public static EntraIdSettings defaults() {
		return new EntraIdSettings(null, null, null, null, DEFAULT_SCOPE);
	}

	/**
	 * Whether the entry gives a fixed token.
	 * @return whether it does
	 */
	public boolean isFixedToken() {
		return this.token != null;
	}

	/**
	 * Whether the entry names a service principal: tenant, client id and secret.
	 * @return whether it does
	 */
	public boolean isServicePrincipal() {
		return this.tenantId != null && this.clientId != null && this.clientSecret != null;
	}

	/**
	 * Whether the entry names a user-assigned managed identity: a client id alone.
	 * @return whether it does
	 */
	public boolean isUserAssignedManagedIdentity() {
		return this.clientId != null && this.tenantId == null && this.clientSecret == null && this.token == null;
	}

	/**
	 * Whether the entry leaves the credential to the default one (it may set the scope).
	 * @return whether it does
	 */
	public boolean isDefaultCredential() {
		return this.tenantId == null && this.clientId == null && this.clientSecret == null && this.token == null;
	}

	/**
	 * What the tokens come from, for log lines and messages: never a secret.
	 * @return e.g. {@code the managed identity 1234 (scope https://...)}
	 */
	public String describe() {
		String credential;
		if (isFixedToken()) {
			credential = "the fixed azure-ad-token";
		}
		else if (isServicePrincipal()) {
			credential = "the service principal " + this.clientId + " of tenant " + this.tenantId;
		}
		else if (isUserAssignedManagedIdentity()) {
			credential = "the user-assigned managed identity " + this.clientId;
		}
		else if (this.tenantId != null) {
			credential = "DefaultAzureCredential in tenant " + this.tenantId;
		}
		else {
			credential = "the default Azure credential";
		}
		return credential + " (scope " + this.scope + ")";
	}

	@Override
	public String toString() {
		return "EntraIdSettings[tenantId=" + this.tenantId + ", clientId=" + this.clientId + ", clientSecret="
				+ ((this.clientSecret != null) ? "(redacted)" : "null") + ", token="
				+ ((this.token != null) ? "(redacted)" : "null") + ", scope=" + this.scope + "]";
	}

}
