package io.github.airouter.provider;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Provider;

/**
 * Which of Azure OpenAI's two surfaces a deployment is called on:
 * <ul>
 * <li>the <b>v1 API</b>, {@code POST {api-base}/openai/v1/chat/completions} (and
 * {@code /embeddings}) with the deployment name as {@code model}, when the entry's
 * api-version is absent, {@code v1}, {@code latest} or {@code preview} (sent as
 * {@code ?api-version=preview}, which opts into preview features), or its api-base already
 * ends with {@code /openai/v1};</li>
 * <li>the <b>deployments API</b>,
 * {@code POST {api-base}/openai/deployments/{deployment}/chat/completions?api-version=...},
 * for a dated api-version such as {@code 2024-10-21} or {@code 2025-04-01-preview}.</li>
 * </ul>
 *
 * @author airouter
 */
public final class AzureApiVersions {

	/** The path of the v1 API under a resource's endpoint. */
	public static final String V1_PATH = "/openai/v1";

	/** The api-version that asks the v1 API for preview features. */
	static final String PREVIEW = "preview";

	private static final Set<String> V1_VERSIONS = Set.of("v1", "latest", PREVIEW);

	private AzureApiVersions() {
	}

	/**
	 * Whether an api-version selects the v1 API.
	 * @param apiVersion the configured api-version, or {@code null}
	 * @return whether it is absent, {@code v1}, {@code latest} or {@code preview}
	 */
	public static boolean isV1(@Nullable String apiVersion) {
		return apiVersion == null || apiVersion.isBlank()
				|| V1_VERSIONS.contains(apiVersion.trim().toLowerCase(Locale.ROOT));
	}

	/**
	 * Whether an endpoint already is the v1 API's.
	 * @param apiBase the configured api-base
	 * @return whether its path ends with {@code /openai/v1}
	 */
	public static boolean isV1Endpoint(URI apiBase) {
		String path = apiBase.getPath();
		if (path == null) {
			return false;
		}
		while (path.endsWith("/")) {
			path = path.substring(0, path.length() - 1);
		}
		return path.toLowerCase(Locale.ROOT).endsWith(V1_PATH);
	}

	/**
	 * Whether an Azure deployment is called on the v1 API.
	 * @param deployment the deployment
	 * @return whether it is Azure and its api-version or api-base selects the v1 API
	 */
	public static boolean usesV1(Deployment deployment) {
		return deployment.provider() == Provider.AZURE
				&& (isV1(deployment.apiVersion()) || isV1Endpoint(deployment.apiBase()));
	}

	/**
	 * The base URL of a deployment on the v1 API: its api-base with {@code /openai/v1}
	 * appended unless it ends with it already.
	 * @param deployment an Azure deployment on the v1 API
	 * @return the base URL, without a trailing slash
	 */
	static String v1BaseUrl(Deployment deployment) {
		String base = deployment.apiBase().toString();
		while (base.endsWith("/")) {
			base = base.substring(0, base.length() - 1);
		}
		return isV1Endpoint(deployment.apiBase()) ? base.substring(0, base.length() - V1_PATH.length()) + V1_PATH
				: base + V1_PATH;
	}

	/**
	 * The api-version a deployment on the v1 API sends: {@code preview}, or none.
	 * @param deployment an Azure deployment on the v1 API
	 * @return {@code preview} or {@code null}
	 */
	static @Nullable String v1ApiVersion(Deployment deployment) {
		String apiVersion = deployment.apiVersion();
		return (apiVersion != null && PREVIEW.equalsIgnoreCase(apiVersion.trim())) ? PREVIEW : null;
	}

}
