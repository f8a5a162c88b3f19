/**
 * Local fakes of Azure OpenAI and OpenAI, in the real wire formats, each deployment
 * enforcing its own rate limits.
 */
@NullMarked
package io.github.airouter.demo.fake;

import org.jspecify.annotations.NullMarked;
