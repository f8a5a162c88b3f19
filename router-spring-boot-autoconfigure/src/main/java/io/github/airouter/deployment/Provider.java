package io.github.airouter.deployment;

/**
 * The wire protocol a deployment speaks.
 *
 * @author airouter
 */
public enum Provider {

	/**
	 * Azure OpenAI: the v1 API, {@code POST {api-base}/openai/v1/...} with the deployment as
	 * {@code model}, or for a dated api-version
	 * {@code POST {api-base}/openai/deployments/{deployment}/...?api-version=...}; with an
	 * {@code api-key} header, or without a key a Microsoft Entra ID bearer token.
	 */
	AZURE("azure"),

	/**
	 * OpenAI and OpenAI-compatible servers: {@code POST {api-base}/chat/completions} with a
	 * bearer key.
	 */
	OPENAI("openai");

	private final String prefix;

	Provider(String prefix) {
		this.prefix = prefix;
	}

	/**
	 * The prefix that selects this provider in a {@code params.model} value, as in
	 * {@code azure/my-deployment}.
	 * @return the prefix, without the slash
	 */
	public String prefix() {
		return this.prefix;
	}

}
