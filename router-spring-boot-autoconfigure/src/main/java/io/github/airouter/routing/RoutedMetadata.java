package io.github.airouter.routing;

/**
 * The keys under which a routed response's metadata says where the router sent it
 * ({@code ChatResponse.getMetadata()}, {@code EmbeddingResponse.getMetadata()}), so that an
 * application can log or tag it without a listener.
 *
 * @author airouter
 */
public final class RoutedMetadata {

	/** The id of the deployment that answered ({@code String}). */
	public static final String DEPLOYMENT = "router.deployment";

	/**
	 * The model group that answered ({@code String}): the model asked for, or the fallback
	 * that served it.
	 */
	public static final String MODEL = "router.model";

	/** The attempts the call took, over every model tried ({@code Integer}). */
	public static final String ATTEMPTS = "router.attempts";

	private RoutedMetadata() {
	}

}
