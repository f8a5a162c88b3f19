package io.github.airouter.autoconfigure;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an IDE shows for {@code router.*}: the metadata the configuration processor generates
 * from {@link RouterProperties}.
 */
class ConfigurationMetadataTests {

	private static JsonNode metadata() throws Exception {
		try (InputStream in = RouterProperties.class.getClassLoader()
			.getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("generated metadata").isNotNull();
			return JsonMapper.builder().build().readTree(in);
		}
	}

	private static Map<String, JsonNode> properties(JsonNode metadata) {
		Map<String, JsonNode> properties = new TreeMap<>();
		for (JsonNode property : metadata.path("properties")) {
			properties.put(property.path("name").asString(), property);
		}
		return properties;
	}

	@Test
	void everyRouterPropertyHasADescription() throws Exception {
		Map<String, JsonNode> properties = properties(metadata());
		assertThat(properties.keySet()).contains("router.model-list", "router.routing-strategy", "router.num-retries",
				"router.fallbacks", "router.usage-store", "router.redis.command-timeout", "router.redis.fallback-share",
				"router.calibrate-from-provider-headers");
		List<String> undocumented = new ArrayList<>();
		properties.forEach((name, property) -> {
			if (name.startsWith("router.") && property.path("description").asString("").isBlank()) {
				undocumented.add(name);
			}
		});
		assertThat(undocumented).isEmpty();
	}

	@Test
	void defaultsAreDocumented() throws Exception {
		Map<String, JsonNode> properties = properties(metadata());
		assertThat(properties.get("router.enabled").path("defaultValue").asBoolean()).isTrue();
		assertThat(properties.get("router.routing-strategy").path("defaultValue").asString()).isEqualTo("usage-based");
		assertThat(properties.get("router.num-retries").path("defaultValue").asInt()).isEqualTo(2);
		assertThat(properties.get("router.allowed-fails").path("defaultValue").asInt()).isEqualTo(3);
		assertThat(properties.get("router.max-fallbacks").path("defaultValue").asInt()).isEqualTo(5);
		assertThat(properties.get("router.cooldown-time").path("defaultValue").asString()).isEqualTo("5s");
		assertThat(properties.get("router.timeout").path("defaultValue").asString()).isEqualTo("60s");
		assertThat(properties.get("router.usage-store").path("defaultValue").asString()).isEqualTo("auto");
		assertThat(properties.get("router.redis.key-prefix").path("defaultValue").asString()).isEqualTo("router:");
		assertThat(properties.get("router.redis.command-timeout").path("defaultValue").asString()).isEqualTo("200ms");
		assertThat(properties.get("router.completion-token-estimate").path("defaultValue").asInt()).isEqualTo(256);
	}

	@Test
	void enumPropertiesListTheirValues() throws Exception {
		Map<String, List<String>> hints = new TreeMap<>();
		for (JsonNode hint : metadata().path("hints")) {
			List<String> values = new ArrayList<>();
			hint.path("values").forEach((value) -> values.add(value.path("value").asString()));
			hints.put(hint.path("name").asString(), values);
		}
		assertThat(hints.get("router.routing-strategy")).containsExactly("usage-based", "simple-shuffle", "least-busy",
				"latency-based");
		assertThat(hints.get("router.usage-store")).containsExactly("auto", "memory", "redis");
	}

}
