/**
 * Operations views of the router: the {@code router} actuator endpoint and its health
 * indicator.
 */
@NullMarked
package io.github.airouter.actuate;

import org.jspecify.annotations.NullMarked;
