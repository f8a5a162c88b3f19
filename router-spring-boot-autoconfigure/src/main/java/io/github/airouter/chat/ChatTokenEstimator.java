package io.github.airouter.chat;

import java.util.ArrayList;
import java.util.List;

import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tokenizer.TokenCountEstimator;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

import io.github.airouter.routing.TokenEstimate;

/**
 * Estimates the tokens a chat call will use before it is sent, so its cost can be reserved
 * against the deployment's tpm: the prompt's tokens (messages, tool calls and results, tool
 * definitions, a flat cost per image), plus the completion's maximum when the call sets one,
 * else a configured expectation, for each of the {@code n} choices it asks for. A short
 * prompt is counted with the tokenizer; a long one is estimated from its length in time that
 * does not grow with it (a tool loop's history is not counted again on every round), at the
 * densest characters-per-token ratio of recent long prompts, sampled exactly off the caller's
 * thread (see {@code LearnedTokenCounter} for the error bound). The router replaces the
 * estimate with the provider's reported usage once the response arrives.
 *
 * @author airouter
 */
public class ChatTokenEstimator {

	/** Tokens the chat format adds around each message (role, separators). */
	static final int PER_MESSAGE_OVERHEAD = 4;

	/** Tokens that prime the assistant's reply. */
	static final int REPLY_PRIMING = 3;

	/** Flat cost of one image or other medium (OpenAI's high-detail 1024x1024 image). */
	static final int PER_MEDIA_TOKENS = 765;

	private final LearnedTokenCounter counter;

	private final int defaultCompletionTokens;

	/**
	 * Create an estimator.
	 * @param tokenizer counts the tokens of a text
	 * @param defaultCompletionTokens completion tokens expected of a call that sets no
	 * maximum
	 */
	public ChatTokenEstimator(TokenCountEstimator tokenizer, int defaultCompletionTokens) {
		this.counter = new LearnedTokenCounter(tokenizer);
		this.defaultCompletionTokens = defaultCompletionTokens;
	}

	/**
	 * Estimate the total tokens (prompt and completion) of a call.
	 * @param prompt the prompt
	 * @return the estimate
	 */
	public long estimate(Prompt prompt) {
		return tokenEstimate(prompt).total();
	}

	/**
	 * Estimate the tokens of a call, its prompt apart (a deployment whose context window
	 * cannot hold the prompt is skipped).
	 * @param prompt the prompt
	 * @return the estimate
	 */
	public TokenEstimate tokenEstimate(Prompt prompt) {
		return TokenEstimate.of(promptTokens(prompt), completionTokens(prompt.getOptions()));
	}

	long promptTokens(Prompt prompt) {
		long tokens = REPLY_PRIMING;
		List<String> texts = new ArrayList<>();
		for (Message message : prompt.getInstructions()) {
			tokens += PER_MESSAGE_OVERHEAD;
			texts.add(message.getText());
			if (message instanceof UserMessage user) {
				tokens += (long) PER_MEDIA_TOKENS * user.getMedia().size();
			}
			else if (message instanceof AssistantMessage assistant) {
				for (AssistantMessage.ToolCall call : assistant.getToolCalls()) {
					texts.add(call.name());
					texts.add(call.arguments());
				}
			}
			else if (message instanceof ToolResponseMessage toolResponse) {
				for (ToolResponseMessage.ToolResponse response : toolResponse.getResponses()) {
					tokens += PER_MESSAGE_OVERHEAD;
					texts.add(response.responseData());
				}
			}
		}
		if (prompt.getOptions() instanceof ToolCallingChatOptions toolOptions
				&& toolOptions.getToolCallbacks() != null) {
			for (ToolCallback callback : toolOptions.getToolCallbacks()) {
				ToolDefinition definition = callback.getToolDefinition();
				texts.add(definition.name());
				texts.add(definition.description());
				texts.add(definition.inputSchema());
			}
		}
		return tokens + this.counter.count(texts);
	}

	/**
	 * The completion's maximum when the call sets one, else the configured expectation; times
	 * {@code n} when the call asks for several choices, each of which is a completion.
	 */
	long completionTokens(ChatOptions options) {
		long perChoice = this.defaultCompletionTokens;
		if (options instanceof OpenAiChatOptions openAi && openAi.getMaxCompletionTokens() != null) {
			perChoice = openAi.getMaxCompletionTokens();
		}
		else if (options != null && options.getMaxTokens() != null) {
			perChoice = options.getMaxTokens();
		}
		Integer n = (options instanceof OpenAiChatOptions openAi) ? openAi.getN() : null;
		return (n != null && n > 1) ? perChoice * n : perChoice;
	}

}
