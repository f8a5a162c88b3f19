/**
 * The routing {@link org.springframework.ai.embedding.EmbeddingModel} over the router.
 */
@NullMarked
package io.github.airouter.embedding;

import org.jspecify.annotations.NullMarked;
