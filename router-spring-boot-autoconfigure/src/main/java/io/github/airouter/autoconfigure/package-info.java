/**
 * Auto-configuration of the router: binds {@code router.*}, validates the model list, picks the usage store and wires the beans.
 */
@NullMarked
package io.github.airouter.autoconfigure;

import org.jspecify.annotations.NullMarked;
