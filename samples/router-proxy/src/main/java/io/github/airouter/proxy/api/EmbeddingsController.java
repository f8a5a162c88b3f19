package io.github.airouter.proxy.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.github.airouter.deployment.ModelMode;
import io.github.airouter.proxy.ProxyProperties;
import io.github.airouter.routing.Router;

import static io.github.airouter.proxy.api.JsonFields.invalidType;
import static io.github.airouter.proxy.api.JsonFields.invalidValue;
import static io.github.airouter.proxy.api.JsonFields.missing;
import static io.github.airouter.proxy.api.JsonFields.optionalInteger;
import static io.github.airouter.proxy.api.JsonFields.optionalString;
import static io.github.airouter.proxy.api.JsonFields.requiredString;

/**
 * {@code POST /v1/embeddings}: {@code input} (a string or an array of strings) embedded
 * by a deployment of the model group the request names, through the routing
 * {@link EmbeddingModel}. {@code encoding_format} {@code float} (the default) or
 * {@code base64} (little-endian float32, which OpenAI's clients ask for and decode);
 * {@code dimensions} and {@code user} pass through.
 */
@RestController
class EmbeddingsController {

	private static final JsonNodeFactory nodes = JsonNodeFactory.instance;

	private final ObjectProvider<EmbeddingModel> embeddingModel;

	private final Router router;

	private final JsonMapper json;

	private final ProxyProperties properties;

	EmbeddingsController(ObjectProvider<EmbeddingModel> embeddingModel, Router router, JsonMapper json,
			ProxyProperties properties) {
		this.embeddingModel = embeddingModel;
		this.router = router;
		this.json = json;
		this.properties = properties;
	}

	@PostMapping("/v1/embeddings")
	ResponseEntity<ObjectNode> create(HttpServletRequest request) {
		JsonNode root = JsonFields.object(this.json, request, this.properties.getMaxRequestSize());
		String model = requiredString(root, "model", "model");
		List<String> input = input(root.get("input"));
		String format = optionalString(root, "encoding_format", "encoding_format");
		if (format != null && !format.equals("float") && !format.equals("base64")) {
			throw invalidValue("encoding_format", "'" + format + "' is not one of 'float', 'base64'.");
		}
		Integer dimensions = optionalInteger(root, "dimensions");
		if (dimensions != null && dimensions < 1) {
			throw invalidValue("dimensions", "it must be at least 1.");
		}
		String user = optionalString(root, "user", "user");
		// an unknown name is a 404, even one Spring AI would take for "no model named"
		this.router.group(model, ModelMode.EMBEDDING);
		OpenAiEmbeddingOptions options = OpenAiEmbeddingOptions.builder()
			.model(model)
			.dimensions(dimensions)
			.user(user)
			.build();
		// there is one as soon as the model list has an embedding entry
		EmbeddingResponse response = this.embeddingModel.getObject().call(new EmbeddingRequest(input, options));
		boolean base64 = "base64".equals(format);
		ObjectNode list = nodes.objectNode().put("object", "list");
		ArrayNode data = list.putArray("data");
		List<Embedding> results = response.getResults();
		for (int i = 0; i < results.size(); i++) {
			Embedding embedding = results.get(i);
			ObjectNode item = data.addObject()
				.put("object", "embedding")
				.put("index", (embedding.getIndex() != null) ? embedding.getIndex() : i);
			float[] vector = embedding.getOutput();
			if (base64) {
				ByteBuffer buffer = ByteBuffer.allocate(4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
				for (float value : vector) {
					buffer.putFloat(value);
				}
				item.put("embedding", Base64.getEncoder().encodeToString(buffer.array()));
			}
			else {
				ArrayNode values = item.putArray("embedding");
				for (float value : vector) {
					values.add(value);
				}
			}
		}
		list.put("model", model);
		Usage usage = response.getMetadata().getUsage();
		int prompt = (usage != null && usage.getPromptTokens() != null) ? usage.getPromptTokens() : 0;
		Integer total = (usage != null) ? usage.getTotalTokens() : null;
		list.putObject("usage")
			.put("prompt_tokens", prompt)
			.put("total_tokens", (total != null && total > 0) ? total : prompt);
		return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(list);
	}

	private static List<String> input(@Nullable JsonNode node) {
		if (node == null || node.isNull()) {
			throw missing("input");
		}
		if (node.isString()) {
			return List.of(node.stringValue());
		}
		if (!node.isArray()) {
			throw invalidType("input", "a string or an array of strings", node);
		}
		if (node.isEmpty()) {
			throw new InvalidRequestException("Invalid 'input': empty array. Expected an array with minimum length 1, "
					+ "but got an empty array instead.", "input", "empty_array");
		}
		List<String> texts = new ArrayList<>();
		for (int i = 0; i < node.size(); i++) {
			JsonNode item = node.get(i);
			if (item.isNumber() || item.isArray()) {
				throw invalidValue("input", "token arrays are not supported by this proxy; send the text instead.");
			}
			if (!item.isString()) {
				throw invalidType("input[" + i + "]", "a string", item);
			}
			texts.add(item.stringValue());
		}
		return texts;
	}

}
