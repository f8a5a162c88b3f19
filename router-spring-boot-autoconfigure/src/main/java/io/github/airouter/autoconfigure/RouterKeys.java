package io.github.airouter.autoconfigure;

import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;
import io.github.airouter.autoconfigure.LiteLlmKeys.Section;

/**
 * The keys that exist under {@code router.*}, read from {@link RouterProperties}' own
 * properties, and the check of the keys an application sets against them: binding drops an
 * unknown key without a word (a misspelt {@code rmp} leaves a deployment unlimited), so each
 * one becomes a problem naming the nearest known key. LiteLLM keys the router knows but does
 * not use ({@link LiteLlmKeys}) are accepted and listed instead. Keys are compared in
 * uniform form (lowercase, without dashes or underscores), as relaxed binding compares them.
 *
 * @author airouter
 */
final class RouterKeys {

	private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of(RouterProperties.PREFIX);

	/** LiteLLM's litellm_params binds the params object: problems name it params. */
	private static final Map<String, String> REPORTED_AS = Map.of("litellm-params", "params");

	/** What an unknown key must look like to be echoed; anything else may be a value. */
	private static final Pattern KEY_LIKE = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

	/** More digits than a key name has (output_cost_per_second_1080p has 4): a pasted secret. */
	private static final int MOST_DIGITS_IN_A_KEY = 6;

	private static final Node TREE = node(RouterProperties.class);

	private RouterKeys() {
	}

	/**
	 * The {@code router.*} keys the application sets, from every property source but the
	 * system environment and system properties (which hold other tools' variables, such as
	 * {@code ROUTER_HOST}), and except those under a prefix that another
	 * {@code @ConfigurationProperties} bean binds (an application's own
	 * {@code router.proxy.*}, say).
	 * @param environment the environment
	 * @param beanFactory the bean factory, for the other {@code @ConfigurationProperties} beans
	 * @return the keys, sorted
	 */
	static List<ConfigurationPropertyName> configured(Environment environment, ListableBeanFactory beanFactory) {
		List<ConfigurationPropertyName> boundElsewhere = prefixesBoundElsewhere(beanFactory);
		UnboundElementsSourceFilter setByTheApplication = new UnboundElementsSourceFilter();
		Set<ConfigurationPropertyName> names = new TreeSet<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable && setByTheApplication.apply(source)) {
				iterable.stream()
					.filter(ROOT::isAncestorOf)
					.filter((name) -> boundElsewhere.stream()
						.noneMatch((prefix) -> prefix.equals(name) || prefix.isAncestorOf(name)))
					.forEach(names::add);
			}
		}
		return List.copyOf(names);
	}

	private static List<ConfigurationPropertyName> prefixesBoundElsewhere(ListableBeanFactory beanFactory) {
		List<ConfigurationPropertyName> prefixes = new ArrayList<>();
		for (String beanName : beanFactory.getBeanDefinitionNames()) {
			ConfigurationProperties annotation = beanFactory.findAnnotationOnBean(beanName,
					ConfigurationProperties.class, false);
			ConfigurationPropertyName prefix = (annotation != null)
					? ConfigurationPropertyName.ofIfValid(annotation.prefix()) : null;
			if (prefix != null && ROOT.isAncestorOf(prefix)) {
				prefixes.add(prefix);
			}
		}
		return prefixes;
	}

	/**
	 * Check keys against the known ones.
	 * @param names keys under {@code router}
	 * @return a problem per unknown key, and the LiteLLM keys the router ignores
	 */
	static Check check(Collection<ConfigurationPropertyName> names) {
		Map<String, Problem> problems = new LinkedHashMap<>();
		Set<String> ignored = new LinkedHashSet<>();
		for (ConfigurationPropertyName name : names) {
			check(name, problems, ignored);
		}
		return new Check(List.copyOf(problems.values()), List.copyOf(ignored));
	}

	private static void check(ConfigurationPropertyName name, Map<String, Problem> problems, Set<String> ignored) {
		StringBuilder path = new StringBuilder(RouterProperties.PREFIX);
		Node node = TREE;
		for (int i = 1; i < name.getNumberOfElements(); i++) {
			String written = name.getElement(i, Form.ORIGINAL);
			// list.0 binds like list[0]
			if (name.isNumericIndex(i) || (!written.isEmpty() && written.chars().allMatch(Character::isDigit))) {
				path.append('[').append(written).append(']');
				continue;
			}
			Key key = (node != null) ? node.keys().get(uniform(written)) : null;
			if (key == null) {
				unknown(path.toString(), written, node, problems, ignored);
				return;
			}
			path.append('.').append(key.reportedAs());
			if (key.kind() == Kind.MAP) {
				return; // keys of a map are the user's: model names
			}
			node = key.node();
		}
	}

	private static void unknown(String parent, String written, @Nullable Node node, Map<String, Problem> problems,
			Set<String> ignored) {
		Section section = (node != null) ? node.section() : null;
		if (section != null) {
			String unused = LiteLlmKeys.unused(section, written);
			if (unused != null) {
				ignored.add(parent + "." + unused);
				return;
			}
		}
		if (!looksLikeAKey(written)) {
			problems.putIfAbsent(parent + " ", new Problem(parent,
					"has a key that is not a router property, not shown because it does not look like a property name",
					"Remove it: a value may have been written where a key belongs."));
			return;
		}
		String property = parent + "." + written;
		if (node == null) {
			problems.putIfAbsent(property, new Problem(property,
					"is unknown and would be ignored: " + parent + " takes a value, not keys",
					"Remove it, and give " + parent + " its value directly."));
			return;
		}
		String limit = (section != null) ? LiteLlmKeys.limit(section, written) : null;
		if (limit != null) {
			String entry = parent.substring(0, parent.lastIndexOf('.'));
			problems.putIfAbsent(property, new Problem(property,
					"is a limit LiteLLM reads from model_info, but the router reads it only on the entry or in params",
					"Move it to " + entry + "." + limit + ", where it limits the deployment."));
			return;
		}
		String suggestion = nearest(node, written);
		if (suggestion != null) {
			problems.putIfAbsent(property, new Problem(property,
					"is unknown and would be ignored; did you mean " + suggestion + "?",
					"Rename it to " + suggestion + ", or remove it."));
		}
		else {
			problems.putIfAbsent(property, new Problem(property, "is unknown and would be ignored",
					"Remove it, or use one of: " + String.join(", ", node.names()) + "."));
		}
	}

	private static boolean looksLikeAKey(String written) {
		return KEY_LIKE.matcher(written).matches()
				&& written.chars().filter(Character::isDigit).count() <= MOST_DIGITS_IN_A_KEY;
	}

	/** The known key closest to a misspelt one, written in its style; none if too far. */
	private static @Nullable String nearest(Node node, String written) {
		String uniform = uniform(written);
		int limit = (uniform.length() <= 4) ? 1 : (uniform.length() <= 8) ? 2 : 3;
		List<String> candidates = new ArrayList<>(node.names());
		if (node.section() != null) {
			candidates.addAll(LiteLlmKeys.names(node.section()));
		}
		String nearest = null;
		int nearestDistance = limit + 1;
		for (String candidate : candidates) {
			int distance = distance(uniform, uniform(candidate));
			if (distance < nearestDistance) {
				nearest = candidate;
				nearestDistance = distance;
			}
		}
		if (nearest == null) {
			return null;
		}
		if (written.indexOf('_') >= 0) {
			return nearest.replace('-', '_');
		}
		return (written.indexOf('-') >= 0) ? nearest.replace('_', '-') : nearest;
	}

	/**
	 * Edits (insertions, deletions, substitutions, swaps of neighbours) from one key to
	 * another: {@code rmp} is one swap from {@code rpm}.
	 */
	static int distance(String a, String b) {
		int[][] d = new int[a.length() + 1][b.length() + 1];
		for (int i = 0; i <= a.length(); i++) {
			d[i][0] = i;
		}
		for (int j = 0; j <= b.length(); j++) {
			d[0][j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			for (int j = 1; j <= b.length(); j++) {
				int cost = (a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1;
				d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
				if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
					d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
				}
			}
		}
		return d[a.length()][b.length()];
	}

	/**
	 * A key in the form relaxed binding compares: lowercase letters and digits only.
	 * @param key a key in any case, with dashes or underscores
	 * @return the uniform form
	 */
	static String uniform(String key) {
		StringBuilder uniform = new StringBuilder(key.length());
		for (char c : key.toLowerCase(Locale.ROOT).toCharArray()) {
			if (Character.isLetterOrDigit(c)) {
				uniform.append(c);
			}
		}
		return uniform.toString();
	}

	/** The keys of one properties class, from its getters. */
	private static Node node(Class<?> type) {
		Map<String, Key> keys = new LinkedHashMap<>();
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			Method getter = descriptor.getReadMethod();
			if (getter == null || getter.getDeclaringClass() == Object.class) {
				continue;
			}
			String name = DataObjectPropertyName.toDashedForm(descriptor.getName());
			ResolvableType propertyType = ResolvableType.forMethodReturnType(getter);
			Class<?> group = group(propertyType);
			Kind kind = Map.class.isAssignableFrom(propertyType.toClass()) ? Kind.MAP
					: (group != null) ? Kind.GROUP : Kind.VALUE;
			keys.put(uniform(name),
					new Key(name, REPORTED_AS.getOrDefault(name, name), kind, (group != null) ? node(group) : null));
		}
		Section section = (type == RouterProperties.Params.class) ? Section.PARAMS
				: (type == RouterProperties.ModelInfo.class) ? Section.MODEL_INFO : null;
		return new Node(Collections.unmodifiableMap(keys), section);
	}

	/** The properties class a property (or each element of a list property) binds to. */
	private static @Nullable Class<?> group(ResolvableType propertyType) {
		Class<?> type = propertyType.toClass();
		if (Collection.class.isAssignableFrom(type)) {
			type = propertyType.asCollection().getGeneric(0).toClass();
		}
		return (type.getEnclosingClass() == RouterProperties.class && !type.isEnum()) ? type : null;
	}

	/**
	 * What a check found.
	 *
	 * @param problems one per unknown key, in key order
	 * @param ignored LiteLLM keys the router knows but does not use, as properties
	 */
	record Check(List<Problem> problems, List<String> ignored) {

	}

	private enum Kind {

		/** A value, or a list of values. */
		VALUE,

		/** A group of keys, or a list of groups. */
		GROUP,

		/** A map whose keys the application chooses. */
		MAP

	}

	/**
	 * A known key.
	 *
	 * @param name its canonical name
	 * @param reportedAs its name in problems and warnings
	 * @param kind what it holds
	 * @param node its keys, for a group
	 */
	private record Key(String name, String reportedAs, Kind kind, @Nullable Node node) {

	}

	/**
	 * The keys of a group.
	 *
	 * @param keys by uniform name
	 * @param section the LiteLLM section the group stands for, if any
	 */
	private record Node(Map<String, Key> keys, @Nullable Section section) {

		List<String> names() {
			return this.keys.values().stream().map(Key::name).toList();
		}

	}

}
