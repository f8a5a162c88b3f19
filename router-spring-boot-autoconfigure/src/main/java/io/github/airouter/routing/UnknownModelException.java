package io.github.airouter.routing;

import java.util.Collection;

/**
 * Thrown when a call names a model that no {@code router.model-list} entry serves.
 *
 * @author airouter
 */
public class UnknownModelException extends IllegalArgumentException {

	private final String modelName;

	/**
	 * Create an exception.
	 * @param modelName the name requested
	 * @param detail what kind of model was looked for, or what the name is instead
	 * @param knownNames the names that would have been accepted
	 */
	public UnknownModelException(String modelName, String detail, Collection<String> knownNames) {
		super("Unknown model '" + modelName + "' " + detail + "; known: " + knownNames);
		this.modelName = modelName;
	}

	/**
	 * The name requested.
	 * @return the model name
	 */
	public String getModelName() {
		return this.modelName;
	}

}
