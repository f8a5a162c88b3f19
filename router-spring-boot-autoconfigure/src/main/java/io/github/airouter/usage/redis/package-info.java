/**
 * The Redis usage store: one Lua script per routing decision, shared by every instance of an
 * application, with an in-memory fallback while Redis is unreachable.
 */
@NullMarked
package io.github.airouter.usage.redis;

import org.jspecify.annotations.NullMarked;
