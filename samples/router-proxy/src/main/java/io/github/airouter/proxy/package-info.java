/**
 * The router proxy: an OpenAI-compatible server over the router starter, its client keys
 * and its settings.
 */
@NullMarked
package io.github.airouter.proxy;

import org.jspecify.annotations.NullMarked;
