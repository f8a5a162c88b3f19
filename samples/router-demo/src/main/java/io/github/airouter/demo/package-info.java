/**
 * The router demo: a Spring Boot application using the router starter as any application
 * would, a burst of calls, and a report of where they went.
 */
@NullMarked
package io.github.airouter.demo;

import org.jspecify.annotations.NullMarked;
