package io.github.airouter.provider;

import java.util.Map;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.ModelMode;
import io.github.airouter.routing.Router;

/**
 * The client of every deployment of one mode, by deployment: a chat model per chat
 * deployment, an embedding model per embedding deployment. Complete by construction: every
 * deployment of the mode has its client.
 *
 * @param <C> the client type
 * @author airouter
 */
public final class DeploymentClients<C> {

	private final ModelMode mode;

	private final Map<String, C> clients;

	/**
	 * Create the clients of one mode.
	 * @param router the router whose deployments they serve
	 * @param mode chat or embedding
	 * @param clients the client of each deployment of the mode, by deployment id
	 * @throws IllegalArgumentException if a deployment of the mode has no client
	 */
	public DeploymentClients(Router router, ModelMode mode, Map<String, ? extends C> clients) {
		this.mode = mode;
		this.clients = Map.copyOf(clients);
		for (ModelGroup group : router.groups()) {
			if (group.mode() == mode) {
				group.deployments().forEach(this::get);
			}
		}
	}

	/**
	 * The client of a deployment.
	 * @param deployment the deployment
	 * @return its client
	 * @throws IllegalArgumentException if it has none
	 */
	public C get(Deployment deployment) {
		C client = this.clients.get(deployment.id());
		if (client == null) {
			throw new IllegalArgumentException(
					"No " + this.mode.name().toLowerCase(java.util.Locale.ROOT) + " client for deployment " + deployment.id());
		}
		return client;
	}

}
