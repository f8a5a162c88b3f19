/**
 * Builds one Spring AI client per deployment, in OpenAI or Azure OpenAI mode, with the SDK's own retries off.
 */
@NullMarked
package io.github.airouter.provider;

import org.jspecify.annotations.NullMarked;
