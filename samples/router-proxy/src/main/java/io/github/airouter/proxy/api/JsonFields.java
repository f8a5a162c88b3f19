package io.github.airouter.proxy.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.unit.DataSize;

/**
 * Reads the fields of a request body, failing with OpenAI's 400 messages: a missing
 * required parameter, or a value of the wrong type.
 */
final class JsonFields {

	/** The largest array a JVM allocates. */
	private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

	private JsonFields() {
	}

	/**
	 * The request's body as a JSON object, whatever its {@code Content-Type} says: read
	 * from the input stream, which a form content type would otherwise have Spring decode
	 * as form parameters ({@code curl -d} without {@code -H 'Content-Type:
	 * application/json'}). A body over the limit is refused before it is buffered: at once
	 * when its {@code Content-Length} says so, else (a chunked body) as soon as one byte
	 * more than the limit has been read.
	 * @param json the mapper
	 * @param request the request
	 * @param limit the largest body accepted
	 * @return the object
	 * @throws InvalidRequestException if the body is empty, not JSON, or not an object
	 * @throws RequestTooLargeException if the body is larger than the limit
	 */
	static JsonNode object(JsonMapper json, HttpServletRequest request, DataSize limit) {
		long max = Math.max(0, limit.toBytes());
		if (request.getContentLengthLong() > max) {
			throw new RequestTooLargeException(max);
		}
		byte[] body;
		try {
			// readNBytes grows its buffer with what arrives, not to the bound
			body = request.getInputStream().readNBytes((max < MAX_ARRAY) ? (int) max + 1 : MAX_ARRAY);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not read the request body", ex);
		}
		if (body.length > max) {
			throw new RequestTooLargeException(max);
		}
		return object(json, body);
	}

	/**
	 * The body as a JSON object.
	 * @param json the mapper
	 * @param body the bytes received, or {@code null}
	 * @return the object
	 * @throws InvalidRequestException if the body is empty, not JSON, or not an object
	 */
	static JsonNode object(JsonMapper json, byte @Nullable [] body) {
		if (body == null || body.length == 0) {
			throw new InvalidRequestException("The request has no body: send a JSON object "
					+ "(Content-Type: application/json).", null, null);
		}
		JsonNode root;
		try {
			root = json.readTree(body);
		}
		catch (JacksonException ex) {
			throw new InvalidRequestException("We could not parse the JSON body of your request. The proxy expects "
					+ "a JSON payload; the body is not valid JSON.", null, null);
		}
		if (root == null || !root.isObject()) {
			throw new InvalidRequestException("The request body must be a JSON object.", null, null);
		}
		return root;
	}

	static String requiredString(JsonNode node, String field, String param) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			throw missing(param);
		}
		if (!value.isString()) {
			throw invalidType(param, "a string", value);
		}
		return value.stringValue();
	}

	static @Nullable String optionalString(JsonNode node, String field, String param) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isString()) {
			throw invalidType(param, "a string", value);
		}
		return value.stringValue();
	}

	static @Nullable Double optionalNumber(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isNumber()) {
			throw invalidType(field, "a number", value);
		}
		return value.asDouble();
	}

	static @Nullable Integer optionalInteger(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isIntegralNumber() || !value.canConvertToInt()) {
			throw invalidType(field, "an integer", value);
		}
		return value.asInt();
	}

	static @Nullable Boolean optionalBoolean(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (!value.isBoolean()) {
			throw invalidType(field, "a boolean", value);
		}
		return value.asBoolean();
	}

	/** A string, or an array of strings: {@code stop}. */
	static @Nullable List<String> optionalStrings(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		if (value.isString()) {
			return List.of(value.stringValue());
		}
		if (!value.isArray()) {
			throw invalidType(field, "a string or an array of strings", value);
		}
		List<String> strings = new ArrayList<>();
		for (int i = 0; i < value.size(); i++) {
			JsonNode item = value.get(i);
			if (!item.isString()) {
				throw invalidType(field + "[" + i + "]", "a string", item);
			}
			strings.add(item.stringValue());
		}
		return strings;
	}

	static InvalidRequestException missing(String param) {
		return new InvalidRequestException("Missing required parameter: '" + param + "'.", param,
				"missing_required_parameter");
	}

	static InvalidRequestException invalidType(String param, String expected, JsonNode actual) {
		return new InvalidRequestException(
				"Invalid type for '" + param + "': expected " + expected + ", but got " + describe(actual) + " instead.",
				param, "invalid_type");
	}

	static InvalidRequestException invalidValue(String param, String message) {
		return new InvalidRequestException("Invalid value for '" + param + "': " + message, param, "invalid_value");
	}

	private static String describe(JsonNode value) {
		if (value.isString()) {
			return "a string";
		}
		if (value.isIntegralNumber()) {
			return "an integer";
		}
		if (value.isNumber()) {
			return "a decimal";
		}
		if (value.isBoolean()) {
			return "a boolean";
		}
		if (value.isArray()) {
			return "an array";
		}
		if (value.isObject()) {
			return "an object";
		}
		return "null";
	}

}
