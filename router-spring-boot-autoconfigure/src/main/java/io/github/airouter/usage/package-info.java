/**
 * Usage stores: the sliding-window request and token accounting behind every routing decision, and the SPI a shared (Redis) store implements.
 */
@NullMarked
package io.github.airouter.usage;

import org.jspecify.annotations.NullMarked;
