/**
 * Builds one Spring AI client per deployment, in OpenAI or Azure OpenAI mode (the v1 API or the
 * dated deployments API), with the SDK's own retries off; authenticates it with an API key or,
 * for a keyless Azure deployment, with cached Microsoft Entra ID tokens. Only
 * {@link io.github.airouter.provider.AzureIdentityTokenSource} refers to azure-core, and only
 * {@code AzureIdentityCredentials} to azure-identity.
 */
@NullMarked
package io.github.airouter.provider;

import org.jspecify.annotations.NullMarked;
