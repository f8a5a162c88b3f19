/**
 * Local fakes of Azure OpenAI and OpenAI, in the real wire formats, each deployment
 * enforcing its own rate limits: the default profile of the samples (the router demo and
 * the proxy) runs against them, with no keys and no network.
 */
@NullMarked
package io.github.airouter.samples.fake;

import org.jspecify.annotations.NullMarked;
