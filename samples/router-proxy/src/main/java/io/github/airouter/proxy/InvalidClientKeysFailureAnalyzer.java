package io.github.airouter.proxy;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link InvalidClientKeysException} as a start-up failure that says which
 * property to set, instead of a stack trace. Registered in
 * {@code META-INF/spring.factories}.
 */
class InvalidClientKeysFailureAnalyzer extends AbstractFailureAnalyzer<InvalidClientKeysException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidClientKeysException cause) {
		return new FailureAnalysis(cause.getMessage(), cause.getAction(), cause);
	}

}
