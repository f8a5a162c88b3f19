package io.github.airouter.samples.fake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The samples' fake services: two Azure OpenAI resources and OpenAI, each a local HTTP
 * server on a free port. Their limits are the providers' side of the quota; the router's
 * side is {@code router.model-list} in the {@code application.yml} of the router demo and of
 * the proxy. They agree, except that
 * {@code azure-eu}'s {@code gpt-4o-eu} shares its quota with another application, which
 * uses the rest of the minute's requests after the router's 8th call.
 */
public final class FakeProviders implements AutoCloseable {

	/** Prefix of the properties holding each resource's base URL, e.g. {@code demo.fake.azure-eu}. */
	public static final String PROPERTY_PREFIX = "demo.fake.";

	private final List<FakeResource> resources;

	/**
	 * Fake providers made of the given resources.
	 * @param resources the resources, not started
	 */
	public FakeProviders(List<FakeResource> resources) {
		this.resources = List.copyOf(resources);
	}

	/**
	 * The resources the samples' {@code application.yml} files expect.
	 * @return the fakes, not started
	 */
	public static FakeProviders standard() {
		return new FakeProviders(List.of(
				FakeResource.azure("azure-eu",
						FakeDeployment.chat("gpt-4o-eu", "gpt-4o-2024-08-06", 30, 8_000).sharedWithAnotherApplication(8),
						FakeDeployment.embedding("text-embedding-3-small-eu", "text-embedding-3-small", 12, 100_000)),
				FakeResource.azure("azure-us", FakeDeployment.chat("gpt-4o-us", "gpt-4o-2024-08-06", 30, 8_000),
						FakeDeployment.chat("gpt-4o-mini-us", "gpt-4o-mini-2024-07-18", 20, 20_000)),
				FakeResource.openAi("openai", FakeDeployment.chat("gpt-4o", "gpt-4o-2024-08-06", 60, 2_400),
						FakeDeployment.chat("gpt-4o-mini", "gpt-4o-mini-2024-07-18", 20, 20_000),
						FakeDeployment.embedding("text-embedding-3-small", "text-embedding-3-small", 12, 100_000))));
	}

	/**
	 * Start every resource.
	 * @return these providers
	 */
	public FakeProviders start() {
		try {
			for (FakeResource resource : this.resources) {
				resource.start();
			}
		}
		catch (IOException ex) {
			close();
			throw new UncheckedIOException("Could not start the fake providers", ex);
		}
		return this;
	}

	/**
	 * The base URL of every resource, as properties {@code demo.fake.<resource>}.
	 * @return the properties
	 */
	public Map<String, Object> properties() {
		Map<String, Object> properties = new LinkedHashMap<>();
		for (FakeResource resource : this.resources) {
			properties.put(PROPERTY_PREFIX + resource.name(), resource.baseUrl());
		}
		return properties;
	}

	/**
	 * The resources.
	 * @return the resources
	 */
	public List<FakeResource> resources() {
		return this.resources;
	}

	/**
	 * The fake deployment a client configured with {@code apiBase} and {@code target} (Azure
	 * deployment or OpenAI model) reaches.
	 * @param apiBase the endpoint the client uses
	 * @param target the deployment or model name
	 * @return the deployment, or empty when none of these fakes serves it
	 */
	public Optional<FakeDeployment> find(URI apiBase, String target) {
		for (FakeResource resource : this.resources) {
			if (("127.0.0.1".equals(apiBase.getHost()) || "localhost".equals(apiBase.getHost()))
					&& apiBase.getPort() == resource.port()) {
				return Optional.ofNullable(resource.deployment(target));
			}
		}
		return Optional.empty();
	}

	@Override
	public void close() {
		for (FakeResource resource : this.resources) {
			resource.close();
		}
	}

	@Override
	public String toString() {
		return this.resources.toString();
	}

}
