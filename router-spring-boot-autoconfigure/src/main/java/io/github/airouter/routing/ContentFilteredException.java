package io.github.airouter.routing;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * A provider's content filter refused a call's prompt (Azure OpenAI's {@code content_filter},
 * {@code ResponsibleAIPolicyViolation}) and no content-policy fallback could serve it. Every
 * deployment of the model would refuse the same prompt, so none was tried after the first.
 * <p>
 * {@link #getCategories()} says what the filter found, as the provider reported it:
 * category to severity ({@code violence -> medium}), or to {@code detected} for the
 * detection filters (jailbreak, protected material).
 *
 * @author airouter
 */
public class ContentFilteredException extends RuntimeException {

	private final String modelName;

	private final Map<String, String> categories;

	/**
	 * Create an exception.
	 * @param modelName the model whose deployment refused the prompt
	 * @param categories what the filter found, by category
	 * @param cause the provider's exception
	 */
	public ContentFilteredException(String modelName, Map<String, String> categories, Throwable cause) {
		super(message(modelName, categories), cause);
		this.modelName = modelName;
		this.categories = Map.copyOf(categories);
	}

	private static String message(String modelName, Map<String, String> categories) {
		String found = categories.isEmpty() ? "no category reported"
				: categories.entrySet()
					.stream()
					.sorted(Map.Entry.comparingByKey())
					.map((entry) -> entry.getKey() + " " + entry.getValue())
					.collect(Collectors.joining(", "));
		return "The content filter of model '" + modelName + "' refused the prompt (" + found + ")";
	}

	/**
	 * The model whose deployment refused the prompt.
	 * @return the model name
	 */
	public String getModelName() {
		return this.modelName;
	}

	/**
	 * What the filter found: the categories it filtered, with their severity.
	 * @return category to severity, or to {@code detected}
	 */
	public Map<String, String> getCategories() {
		return this.categories;
	}

}
