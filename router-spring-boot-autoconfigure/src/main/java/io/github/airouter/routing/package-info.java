/**
 * The router core: admits a call to one deployment of a model group, runs it, and settles its usage. Plain Java, no Spring Boot.
 */
@NullMarked
package io.github.airouter.routing;

import org.jspecify.annotations.NullMarked;
