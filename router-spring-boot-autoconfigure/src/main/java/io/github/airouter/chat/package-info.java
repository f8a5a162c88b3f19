/**
 * The routing {@link org.springframework.ai.chat.model.ChatModel}: call and stream over the router.
 */
@NullMarked
package io.github.airouter.chat;

import org.jspecify.annotations.NullMarked;
