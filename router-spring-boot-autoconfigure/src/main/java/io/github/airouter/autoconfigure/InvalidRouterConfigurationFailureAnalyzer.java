package io.github.airouter.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import io.github.airouter.autoconfigure.InvalidRouterConfigurationException.Problem;

/**
 * Explains an {@link InvalidRouterConfigurationException} at start-up, in the style of
 * Spring Boot's own analyzers: each offending property with what is wrong, then how to fix
 * each.
 *
 * @author airouter
 */
class InvalidRouterConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidRouterConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidRouterConfigurationException cause) {
		StringBuilder description = new StringBuilder("The router configuration is invalid:\n");
		StringBuilder action = new StringBuilder("Update your application's configuration:\n");
		for (Problem problem : cause.getProblems()) {
			description.append("\n    Property: ").append(problem.property());
			description.append("\n    Reason: ").append(problem.description()).append('\n');
			action.append("\n    ").append(problem.property()).append(": ").append(problem.action());
		}
		return new FailureAnalysis(description.toString(), action.toString(), cause);
	}

}
