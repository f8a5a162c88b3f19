package io.github.airouter.proxy.api;

import org.springframework.ai.chat.prompt.Prompt;

/**
 * A chat completion request, read: the model group it names, the prompt for the routing
 * chat model, and how to answer.
 *
 * @param model the model group named in the request
 * @param prompt the messages, with {@code OpenAiChatOptions} naming {@code model}
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a usage chunk
 * ({@code stream_options.include_usage})
 */
record ChatCall(String model, Prompt prompt, boolean stream, boolean includeUsage) {
}
