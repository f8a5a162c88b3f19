package io.github.airouter.demo;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The burst the demo sends through the router.
 *
 * @param chatCalls chat calls (ChatClient {@code call()}) to the chat model
 * @param streams streamed chat calls (ChatClient {@code stream()}) to the chat model
 * @param embeddingCalls embedding calls, each of {@code textsPerEmbedding} texts
 * @param textsPerEmbedding texts embedded by one embedding call
 * @param threads how many threads send the burst
 * @param chatModel the model name chat calls ask for
 * @param maxTokens max tokens of each chat call: what the router reserves for the answer
 */
@ConfigurationProperties("demo.burst")
public record BurstProperties(@DefaultValue("120") int chatCalls, @DefaultValue("10") int streams,
		@DefaultValue("20") int embeddingCalls, @DefaultValue("4") int textsPerEmbedding,
		@DefaultValue("4") int threads, @DefaultValue("gpt-4o") String chatModel,
		@DefaultValue("64") int maxTokens) {

	/**
	 * Every call of the burst.
	 * @return calls of every kind
	 */
	public int totalCalls() {
		return this.chatCalls + this.streams + this.embeddingCalls;
	}

}
