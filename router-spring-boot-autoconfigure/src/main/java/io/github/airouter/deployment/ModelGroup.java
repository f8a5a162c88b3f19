package io.github.airouter.deployment;

import java.util.List;

/**
 * The deployments that serve one public model name, and how to choose among them.
 *
 * @author airouter
 */
public final class ModelGroup {

	private final String name;

	private final ModelMode mode;

	private final RoutingStrategy strategy;

	private final List<Deployment> deployments;

	private final double[] shuffleWeights;

	/**
	 * Create a group.
	 * @param name the public model name
	 * @param strategy how to choose among the deployments
	 * @param deployments the deployments, all with this model name and one mode
	 */
	public ModelGroup(String name, RoutingStrategy strategy, List<Deployment> deployments) {
		if (deployments.isEmpty()) {
			throw new IllegalArgumentException("Model group '" + name + "' has no deployment");
		}
		ModelMode mode = deployments.get(0).mode();
		for (Deployment deployment : deployments) {
			if (!deployment.modelName().equals(name)) {
				throw new IllegalArgumentException(
						"Deployment " + deployment.id() + " serves '" + deployment.modelName() + "', not '" + name + "'");
			}
			if (deployment.mode() != mode) {
				throw new IllegalArgumentException("Model group '" + name + "' mixes " + mode + " and "
						+ deployment.mode() + " deployments (" + deployment.id() + ")");
			}
		}
		this.name = name;
		this.mode = mode;
		this.strategy = strategy;
		this.deployments = List.copyOf(deployments);
		this.shuffleWeights = shuffleWeights(this.deployments);
	}

	/**
	 * One rule for the whole group: by weight when any deployment sets one (an unset weight
	 * counts 1), else by rpm when all set it, else by tpm when all set it, else uniform.
	 */
	private static double[] shuffleWeights(List<Deployment> deployments) {
		double[] weights = new double[deployments.size()];
		boolean anyWeight = deployments.stream().anyMatch((d) -> d.weight() != null);
		boolean allRpm = deployments.stream().allMatch((d) -> d.limits().requestsPerMinute() != null);
		boolean allTpm = deployments.stream().allMatch((d) -> d.limits().tokensPerMinute() != null);
		for (int i = 0; i < weights.length; i++) {
			Deployment deployment = deployments.get(i);
			if (anyWeight) {
				weights[i] = (deployment.weight() != null) ? deployment.weight() : 1;
			}
			else if (allRpm) {
				weights[i] = deployment.limits().rpm();
			}
			else if (allTpm) {
				weights[i] = deployment.limits().tpm();
			}
			else {
				weights[i] = 1;
			}
		}
		return weights;
	}

	/**
	 * The public model name.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * What the group serves.
	 * @return the mode
	 */
	public ModelMode mode() {
		return this.mode;
	}

	/**
	 * How a deployment is chosen.
	 * @return the strategy
	 */
	public RoutingStrategy strategy() {
		return this.strategy;
	}

	/**
	 * The deployments, in configuration order.
	 * @return the deployments
	 */
	public List<Deployment> deployments() {
		return this.deployments;
	}

	/**
	 * The relative weight of the deployment at {@code index} under
	 * {@link RoutingStrategy#SIMPLE_SHUFFLE}.
	 * @param index the index in {@link #deployments()}
	 * @return the weight, positive
	 */
	public double shuffleWeight(int index) {
		return this.shuffleWeights[index];
	}

	@Override
	public String toString() {
		return this.name + " (" + this.mode.name().toLowerCase(java.util.Locale.ROOT) + "): " + this.deployments;
	}

}
