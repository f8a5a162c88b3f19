/**
 * A consumer of the router starter on Spring Boot 4.1.
 */
@NullMarked
package io.github.airouter.compat;

import org.jspecify.annotations.NullMarked;
