package io.github.airouter.proxy.api;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.Router;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{model}}: the router's model groups,
 * chat and embedding, by the names requests use. Any other {@code /v1/} path is a 404 in
 * OpenAI's format.
 */
@RestController
class ModelsController {

	private static final JsonNodeFactory nodes = JsonNodeFactory.instance;

	private final Router router;

	private final long created = System.currentTimeMillis() / 1000;

	ModelsController(Router router) {
		this.router = router;
	}

	@GetMapping("/v1/models")
	ResponseEntity<ObjectNode> list() {
		ObjectNode list = nodes.objectNode().put("object", "list");
		ArrayNode data = list.putArray("data");
		for (ModelGroup group : this.router.groups()) {
			data.add(model(group));
		}
		return json(list);
	}

	@GetMapping("/v1/models/{*model}")
	ResponseEntity<ObjectNode> get(@PathVariable("model") String path) {
		String name = path.startsWith("/") ? path.substring(1) : path;
		if (name.isEmpty()) {
			return list();
		}
		for (ModelGroup group : this.router.groups()) {
			if (group.name().equals(name)) {
				return json(model(group));
			}
		}
		return new OpenAiError(HttpStatus.NOT_FOUND, "The model '" + name + "' does not exist; known: "
				+ this.router.groups().stream().map(ModelGroup::name).toList() + ".", OpenAiError.INVALID_REQUEST,
				"model", "model_not_found", null)
			.toResponseEntity();
	}

	@RequestMapping("/v1/**")
	ResponseEntity<ObjectNode> unknown(HttpServletRequest request) {
		return new OpenAiError(HttpStatus.NOT_FOUND,
				"Invalid URL (" + request.getMethod() + " " + request.getRequestURI() + "): this proxy serves POST "
						+ "/v1/chat/completions, POST /v1/embeddings and GET /v1/models.",
				OpenAiError.INVALID_REQUEST, null, "unknown_url", null)
			.toResponseEntity();
	}

	private ObjectNode model(ModelGroup group) {
		return nodes.objectNode()
			.put("id", group.name())
			.put("object", "model")
			.put("created", this.created)
			.put("owned_by", "router-proxy");
	}

	private static ResponseEntity<ObjectNode> json(ObjectNode body) {
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
	}

}
