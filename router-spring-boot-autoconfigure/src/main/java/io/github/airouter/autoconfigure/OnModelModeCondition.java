package io.github.airouter.autoconfigure;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import io.github.airouter.autoconfigure.RouterProperties.ModelListEntry;
import io.github.airouter.deployment.ModelMode;

/**
 * Matches when {@code router.model-list} has at least one entry of the
 * {@link ConditionalOnModelMode mode} asked for; also when the list cannot be bound, so that
 * the binding error surfaces instead of a silently missing bean.
 *
 * @author airouter
 */
class OnModelModeCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Map<String, Object> attributes = metadata.getAnnotationAttributes(ConditionalOnModelMode.class.getName());
		ModelMode mode = (ModelMode) attributes.get("value");
		String kind = mode.name().toLowerCase(Locale.ROOT);
		List<ModelListEntry> entries;
		try {
			entries = Binder.get(context.getEnvironment())
				.bind("router.model-list", Bindable.listOf(ModelListEntry.class))
				.orElse(List.of());
		}
		catch (RuntimeException ex) {
			return ConditionOutcome.match("router.model-list could not be bound; letting the error surface");
		}
		boolean found = entries.stream().anyMatch((entry) -> entry.getModelInfo().getMode() == mode);
		return found ? ConditionOutcome.match("router.model-list has a " + kind + " entry")
				: ConditionOutcome.noMatch("router.model-list has no " + kind + " entry");
	}

}
