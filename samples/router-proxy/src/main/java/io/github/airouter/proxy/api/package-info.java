/**
 * The OpenAI API over the router: chat completions (plain and streamed), embeddings and
 * models, their JSON mapped to and from Spring AI's types, and errors in OpenAI's format.
 */
@NullMarked
package io.github.airouter.proxy.api;

import org.jspecify.annotations.NullMarked;
