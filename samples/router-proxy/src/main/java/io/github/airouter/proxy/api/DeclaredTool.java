package io.github.airouter.proxy.api;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * A tool a client declared in its request: its definition goes to the model, and the
 * model's tool calls come back to the client, which runs them and sends the results in
 * its next request. The proxy never runs it.
 */
final class DeclaredTool implements ToolCallback {

	private final ToolDefinition definition;

	DeclaredTool(ToolDefinition definition) {
		this.definition = definition;
	}

	@Override
	public ToolDefinition getToolDefinition() {
		return this.definition;
	}

	@Override
	public String call(String toolInput) {
		throw new UnsupportedOperationException("Tool '" + this.definition.name()
				+ "' is the client's: the proxy returns tool calls and never runs them");
	}

}
