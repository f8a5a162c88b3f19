package io.github.airouter.deployment;

/**
 * The wire protocol a deployment speaks.
 *
 * @author airouter
 */
public enum Provider {

	/**
	 * Azure OpenAI: {@code POST {api-base}/openai/deployments/{deployment}/...?api-version=...}
	 * with an {@code api-key} header.
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
