package io.github.airouter.provider;

import java.util.function.Supplier;

/**
 * Gives the Microsoft Entra ID access tokens of Azure deployments without an API key, from
 * the credential their {@link EntraIdSettings} name. The auto-configuration provides one when
 * azure-core is on the classpath ({@link AzureIdentityTokenSource}); this interface itself
 * refers to no Azure class, so the router loads without azure-identity.
 *
 * @author airouter
 */
public interface EntraIdTokenSource {

	/**
	 * Whether this source can give the tokens of the settings: a credential they need may
	 * come from a library that is not on the classpath.
	 * @param settings the entry's Entra ID settings (never a fixed token)
	 * @return whether {@link #tokens} can serve them
	 */
	boolean canServe(EntraIdSettings settings);

	/**
	 * The tokens of the settings' credential and scope, cached and refreshed before they
	 * expire; deployments with the same settings share one cache, so one token request
	 * serves them all.
	 * @param settings the entry's Entra ID settings (never a fixed token)
	 * @return gives the token to send with a request; throws
	 * {@link AccessTokenUnavailableException} when there is none
	 */
	Supplier<String> tokens(EntraIdSettings settings);

}
