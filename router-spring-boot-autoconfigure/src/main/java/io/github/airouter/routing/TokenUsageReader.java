package io.github.airouter.routing;

import java.util.function.ToLongFunction;

import org.jspecify.annotations.Nullable;

/**
 * Reads the tokens a call's result (or a stream's element) reports, split into prompt and
 * completion tokens; the router reconciles usage with the total and reports the split to
 * its {@link RoutingListener listeners}. A plain {@link ToLongFunction} passed to the router
 * gives the total only.
 *
 * @param <T> the result type
 * @author airouter
 */
@FunctionalInterface
public interface TokenUsageReader<T> extends ToLongFunction<T> {

	/**
	 * The tokens the result reports.
	 * @param result the result or element
	 * @return the usage, or {@code null} when it reports none
	 */
	@Nullable TokenUsage usage(T result);

	@Override
	default long applyAsLong(T result) {
		TokenUsage usage = usage(result);
		return (usage != null) ? usage.total() : -1;
	}

}
