/**
 * Micrometer metrics of the router: calls by outcome, tokens, decision time, attempts,
 * fallbacks, cooldowns, window usage against limits.
 */
@NullMarked
package io.github.airouter.metrics;

import org.jspecify.annotations.NullMarked;
