package io.github.airouter.deployment;

/**
 * What a model group serves.
 *
 * @author airouter
 */
public enum ModelMode {

	/**
	 * Chat completions, called and streamed.
	 */
	CHAT,

	/**
	 * Embeddings.
	 */
	EMBEDDING

}
