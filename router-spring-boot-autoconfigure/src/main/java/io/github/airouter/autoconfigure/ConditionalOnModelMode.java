package io.github.airouter.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

import io.github.airouter.deployment.ModelMode;

/**
 * Matches when {@code router.model-list} has at least one entry of the given mode.
 *
 * @author airouter
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(OnModelModeCondition.class)
@interface ConditionalOnModelMode {

	/**
	 * The mode an entry must have.
	 * @return the mode
	 */
	ModelMode value();

}
