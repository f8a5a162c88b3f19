/**
 * Immutable descriptions of the configured deployments and model groups: what the router routes over. No credentials live here.
 */
@NullMarked
package io.github.airouter.deployment;

import org.jspecify.annotations.NullMarked;
