package io.github.airouter.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.convert.DurationStyle;

import io.github.airouter.autoconfigure.RouterProperties.ModelInfo;
import io.github.airouter.autoconfigure.RouterProperties.UsageStoreType;
import io.github.airouter.deployment.RoutingStrategy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an IDE shows for {@code router.*}: the metadata the configuration processor generates
 * from {@link RouterProperties}, whose field initializers are the one source of every
 * default; and the README's properties table, checked against both.
 */
class ConfigurationMetadataTests {

	/** A row of the README's properties table: | `property` | description | default |. */
	private static final Pattern TABLE_ROW = Pattern.compile("^\\| `(router\\.[^`]+)` \\| (.*) \\| (.*) \\|$");

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

	// ---- one source for every default

	@Test
	void everyDefaultOfRouterPropertiesReachesTheMetadata() throws Exception {
		// the processor copies only literals, Duration.ofX(literal) and enum constants
		BeanWrapperImpl defaults = new BeanWrapperImpl(new RouterProperties());
		Map<String, @Nullable String> expected = new TreeMap<>();
		Map<String, @Nullable String> actual = new TreeMap<>();
		properties(metadata()).forEach((name, property) -> {
			if (name.startsWith("router.")) {
				Object value = defaults.getPropertyValue(beanPath(name));
				String defaultValue = defaultValue(property);
				expected.put(name, comparable(value));
				actual.put(name, (value instanceof Duration && defaultValue != null)
						? DurationStyle.detectAndParse(defaultValue).toString() : defaultValue);
			}
		});
		assertThat(actual).isEqualTo(expected);
		assertThat(expected).containsEntry("router.redis.key-ttl", "PT2M").containsEntry("router.enabled", "true");
	}

	@Test
	void theReadmeTableListsEveryPropertyWithItsDefault() throws Exception {
		Map<String, String> readme = readmeDefaults();
		Map<String, JsonNode> metadata = properties(metadata());
		List<String> missing = new ArrayList<>();
		metadata.forEach((name, property) -> {
			if (name.startsWith("router.") && readme.keySet()
				.stream()
				.noneMatch((row) -> row.equals(name) || row.startsWith(name + ".") || row.startsWith(name + "[]"))) {
				missing.add(name);
			}
		});
		assertThat(missing).as("router.* properties missing from the README's table").isEmpty();
		Map<String, String> expected = new TreeMap<>();
		Map<String, String> actual = new TreeMap<>();
		metadata.forEach((name, property) -> {
			String defaultValue = defaultValue(property);
			if (name.startsWith("router.") && readme.containsKey(name) && defaultValue != null) {
				expected.put(name, "`" + defaultValue + "`");
				actual.put(name, readme.get(name));
			}
		});
		assertThat(actual).as("defaults in the README's table").isEqualTo(expected);
		assertThat(actual).containsKeys("router.enabled", "router.routing-strategy", "router.redis.key-prefix");
	}

	@Test
	void theReadmeTableStatesNoDefaultThatTheMetadataLacks() throws Exception {
		Map<String, JsonNode> metadata = properties(metadata());
		Map<String, String> literalsWithoutDefault = new TreeMap<>();
		readmeDefaults().forEach((name, readmeDefault) -> {
			JsonNode property = metadata.get(name);
			boolean literal = readmeDefault.matches("`[^`]+`") && !readmeDefault.startsWith("`router.");
			if (property != null && defaultValue(property) == null && literal) {
				literalsWithoutDefault.put(name, readmeDefault);
			}
		});
		assertThat(literalsWithoutDefault).isEmpty();
	}

	@Test
	void everyPropertyOfTheReadmeTableExists() throws Exception {
		Map<String, JsonNode> metadata = properties(metadata());
		List<String> unknown = new ArrayList<>();
		for (String row : readmeDefaults().keySet()) {
			String property = row.replaceAll("(\\[\\]|\\.<model>|\\.<kind>).*$", "");
			if (!metadata.containsKey(property)) {
				unknown.add(row);
			}
		}
		assertThat(unknown).isEmpty();
	}

	@Test
	void theReadmeDefaultsOfAnEntryComeFromTheCode() throws IOException {
		Map<String, String> readme = readmeDefaults();
		assertThat(readme.get("router.model-list[].model-info.mode"))
			.isEqualTo("`" + new ModelInfo().getMode().name().toLowerCase(Locale.ROOT) + "`");
		assertThat(readme.get("router.model-list[].params.api-base"))
			.contains("`" + RouterConfigurationValidator.OPENAI_API_BASE + "`");
	}

	@Test
	void theReadmeNamesEveryChoiceOfItsEnumProperties() throws IOException {
		String routingStrategy = readmeDescriptions().get("router.routing-strategy");
		for (RoutingStrategy strategy : RoutingStrategy.values()) {
			assertThat(routingStrategy).contains("`" + dashed(strategy) + "`");
		}
		String usageStore = readmeDescriptions().get("router.usage-store");
		for (UsageStoreType type : UsageStoreType.values()) {
			assertThat(usageStore).contains("`" + dashed(type) + "`");
		}
	}

	// ---- helpers

	private static @Nullable String defaultValue(JsonNode property) {
		JsonNode value = property.get("defaultValue");
		return (value != null && !value.isNull()) ? value.asString() : null;
	}

	/** A default as the metadata holds it (a duration in ISO form), or null for none. */
	private static @Nullable String comparable(@Nullable Object value) {
		if (value instanceof Enum<?> constant) {
			return dashed(constant);
		}
		if (value instanceof Boolean || value instanceof Number || value instanceof String
				|| value instanceof Duration) {
			return value.toString();
		}
		return null; // unset, or an empty collection
	}

	private static String dashed(Enum<?> constant) {
		return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	/** router.redis.key-ttl to redis.keyTtl. */
	private static String beanPath(String name) {
		StringBuilder path = new StringBuilder();
		boolean upper = false;
		for (char c : name.substring("router.".length()).toCharArray()) {
			if (c == '-') {
				upper = true;
			}
			else {
				path.append(upper ? Character.toUpperCase(c) : c);
				upper = false;
			}
		}
		return path.toString();
	}

	private static Map<String, String> readmeDefaults() throws IOException {
		return readmeTable(3);
	}

	private static Map<String, String> readmeDescriptions() throws IOException {
		return readmeTable(2);
	}

	private static Map<String, String> readmeTable(int column) throws IOException {
		Map<String, String> cells = new LinkedHashMap<>();
		for (String line : Files.readAllLines(readme(), StandardCharsets.UTF_8)) {
			Matcher row = TABLE_ROW.matcher(line);
			if (row.matches()) {
				cells.put(row.group(1), row.group(column).trim());
			}
		}
		assertThat(cells).as("rows of the README's properties table").hasSizeGreaterThan(20);
		return cells;
	}

	/** The project's README, from the module's directory or the project's. */
	private static Path readme() {
		Path inModule = Path.of("..", "README.md");
		return Files.exists(inModule) ? inModule : Path.of("README.md");
	}

}
