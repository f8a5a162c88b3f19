package io.github.airouter.usage;

import java.util.List;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.deployment.RoutingStrategy;

/**
 * The choice among the deployments of a group that can take a call, given one random point
 * in [0, 1) drawn per admission. The Redis script ({@code choose} in
 * {@code META-INF/scripts/router-usage.lua}) implements the same steps, so both stores choose
 * the same deployment from the same state and point:
 * <ol>
 * <li>only the lowest {@link Deployment#order() order} among the deployments that fit is
 * considered;</li>
 * <li>{@link RoutingStrategy#SIMPLE_SHUFFLE}: the point, scaled to the sum of their
 * {@link ModelGroup#shuffleWeight(int) weights}, walks the weights in group order;</li>
 * <li>otherwise the lowest key wins: the scores when the strategy
 * {@link RoutingStrategy#usesScores() uses scores} and they are given, else the tokens in
 * the window; among the tied, in group order, the one at {@code floor(point * ties)}.</li>
 * </ol>
 *
 * @author airouter
 */
final class Selection {

	private Selection() {
	}

	/**
	 * Choose a deployment.
	 * @param group the group
	 * @param fits per deployment of the group, whether it can take the call (not excluded, not
	 * cooling down, within its limits)
	 * @param windowTokens per deployment, the tokens in its window
	 * @param scores per deployment, its score (lower is better), or {@code null}
	 * @param point the admission's random point, in [0, 1)
	 * @return the index of the chosen deployment in the group, or {@code -1} when none fits
	 */
	static int choose(ModelGroup group, boolean[] fits, long[] windowTokens, double @Nullable [] scores,
			double point) {
		List<Deployment> deployments = group.deployments();
		int tier = Integer.MAX_VALUE;
		boolean any = false;
		for (int i = 0; i < fits.length; i++) {
			if (fits[i]) {
				any = true;
				tier = Math.min(tier, deployments.get(i).order());
			}
		}
		if (!any) {
			return -1;
		}
		boolean[] inTier = new boolean[fits.length];
		for (int i = 0; i < fits.length; i++) {
			inTier[i] = fits[i] && deployments.get(i).order() == tier;
		}
		if (group.strategy() == RoutingStrategy.SIMPLE_SHUFFLE) {
			return shuffle(group, inTier, point);
		}
		double[] keys = new double[fits.length];
		boolean byScore = group.strategy().usesScores() && scores != null;
		for (int i = 0; i < keys.length; i++) {
			keys[i] = (byScore) ? scores[i] : windowTokens[i];
		}
		return lowest(inTier, keys, point);
	}

	private static int shuffle(ModelGroup group, boolean[] inTier, double point) {
		double sum = 0;
		for (int i = 0; i < inTier.length; i++) {
			if (inTier[i]) {
				sum += group.shuffleWeight(i);
			}
		}
		double left = point * sum;
		int chosen = -1;
		for (int i = 0; i < inTier.length; i++) {
			if (inTier[i]) {
				chosen = i;
				left -= group.shuffleWeight(i);
				if (left < 0) {
					break;
				}
			}
		}
		return chosen;
	}

	private static int lowest(boolean[] inTier, double[] keys, double point) {
		double best = 0;
		int[] tied = new int[inTier.length];
		int ties = 0;
		for (int i = 0; i < inTier.length; i++) {
			if (!inTier[i]) {
				continue;
			}
			double value = keys[i];
			if (ties == 0 || value < best) {
				best = value;
				ties = 0;
				tied[ties++] = i;
			}
			else if (value == best) {
				tied[ties++] = i;
			}
		}
		return tied[Math.min(ties - 1, (int) Math.floor(point * ties))];
	}

}
