package io.github.airouter.proxy.api;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.airouter.deployment.ModelMode;
import io.github.airouter.proxy.ProxyProperties;
import io.github.airouter.routing.Router;

/**
 * {@code POST /v1/chat/completions}: the request's model names a model group; the call
 * goes through the routing {@link ChatModel} to one of its deployments, as a whole answer
 * or, with {@code "stream": true}, as server-sent events relayed by a
 * {@link ChatCompletionStream}, which holds no thread while the provider is silent.
 */
@RestController
class ChatCompletionsController {

	private final ObjectProvider<ChatModel> chatModel;

	private final Router router;

	private final ChatRequests requests;

	private final ApiErrors errors;

	private final JsonMapper json;

	private final ProxyProperties properties;

	ChatCompletionsController(ObjectProvider<ChatModel> chatModel, Router router, ApiErrors errors, JsonMapper json,
			ProxyProperties properties) {
		this.chatModel = chatModel;
		this.router = router;
		this.requests = new ChatRequests(json);
		this.errors = errors;
		this.json = json;
		this.properties = properties;
	}

	/**
	 * Serve a chat completion.
	 * @param request the request
	 * @return the completion as a {@code ResponseEntity}, or for a stream a
	 * {@code DeferredResult} that its first signal sets (Spring MVC picks the handling by
	 * the value)
	 */
	@PostMapping("/v1/chat/completions")
	Object create(HttpServletRequest request) {
		ChatCall call = this.requests.read(JsonFields.object(this.json, request, this.properties.getMaxRequestSize()));
		// an unknown name is a 404, even one Spring AI would take for "no model named"
		this.router.group(call.model(), ModelMode.CHAT);
		// there is one as soon as the model list has a chat entry
		ChatModel chatModel = this.chatModel.getObject();
		if (call.stream()) {
			return ChatCompletionStream.relay(chatModel.stream(call.prompt()), call,
					this.properties.getStreamTimeout(), this.errors, this.json);
		}
		return ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_JSON)
			.body(ChatCompletions.completion(call.model(), chatModel.call(call.prompt())));
	}

}
