package io.github.airouter.autoconfigure;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown at start-up when the {@code router.*} configuration cannot be used. Lists every
 * problem found, each naming the property, what is wrong, and how to fix it; never a key.
 *
 * @author airouter
 */
public class InvalidRouterConfigurationException extends RuntimeException {

	private final List<Problem> problems;

	/**
	 * Create an exception.
	 * @param problems what is wrong, at least one
	 */
	public InvalidRouterConfigurationException(List<Problem> problems) {
		super(problems.stream()
			.map((problem) -> " - " + problem.property() + " " + problem.description())
			.collect(Collectors.joining("\n", "Invalid router configuration:\n", "")));
		this.problems = List.copyOf(problems);
	}

	/**
	 * What is wrong.
	 * @return the problems, in the order of the configuration
	 */
	public List<Problem> getProblems() {
		return this.problems;
	}

	/**
	 * One thing wrong with the configuration.
	 *
	 * @param property the property at fault, for instance {@code router.model-list[1].rpm}
	 * @param description what is wrong, for instance {@code must be positive, was -5}
	 * @param action how to fix it
	 */
	public record Problem(String property, String description, String action) {

		@Override
		public String toString() {
			return this.property + " " + this.description;
		}

	}

}
