package io.github.airouter.provider;

import java.util.ArrayList;
import java.util.List;

import com.openai.azure.AzureOpenAIServiceVersion;
import io.micrometer.observation.ObservationRegistry;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.ai.openai.http.okhttp.OpenAiHttpClientBuilderCustomizer;
import org.springframework.util.Assert;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Provider;

/**
 * Builds the Spring AI client of one deployment: an {@link OpenAiChatModel} or
 * {@link OpenAiEmbeddingModel} whose connection (endpoint, key, Azure deployment and
 * api-version) is fixed at construction. The SDK's own retries are off: the router decides
 * where a call goes next.
 * <p>
 * The API key is handed to the client and kept nowhere else.
 *
 * @author airouter
 */
public class DeploymentClientFactory {

	private final ObservationRegistry observationRegistry;

	private final List<OpenAiHttpClientBuilderCustomizer> httpClientCustomizers;

	private final @Nullable ProviderRateLimitsListener rateLimitsListener;

	/**
	 * Create a factory.
	 * @param observationRegistry the registry Spring AI's chat and embedding observations
	 * go to
	 * @param httpClientCustomizers customizers of every deployment's OkHttp client
	 */
	public DeploymentClientFactory(ObservationRegistry observationRegistry,
			List<OpenAiHttpClientBuilderCustomizer> httpClientCustomizers) {
		this(observationRegistry, httpClientCustomizers, null);
	}

	/**
	 * Create a factory whose clients report the providers' rate-limit headers.
	 * @param observationRegistry the registry Spring AI's chat and embedding observations
	 * go to
	 * @param httpClientCustomizers customizers of every deployment's OkHttp client
	 * @param rateLimitsListener hears every response's rate-limit headers, or {@code null}
	 */
	public DeploymentClientFactory(ObservationRegistry observationRegistry,
			List<OpenAiHttpClientBuilderCustomizer> httpClientCustomizers,
			@Nullable ProviderRateLimitsListener rateLimitsListener) {
		this.observationRegistry = observationRegistry;
		this.httpClientCustomizers = List.copyOf(httpClientCustomizers);
		this.rateLimitsListener = rateLimitsListener;
	}

	/**
	 * The customizers of one deployment's HTTP client: the application's, then one that
	 * reads the rate-limit headers of every response (the OpenAI SDK inside Spring AI does
	 * not expose them).
	 */
	private List<OpenAiHttpClientBuilderCustomizer> customizers(Deployment deployment) {
		ProviderRateLimitsListener listener = this.rateLimitsListener;
		if (listener == null) {
			return this.httpClientCustomizers;
		}
		List<OpenAiHttpClientBuilderCustomizer> customizers = new ArrayList<>(this.httpClientCustomizers);
		customizers.add((builder) -> builder.interceptor((chain) -> {
			Response response = chain.proceed(chain.request());
			ProviderRateLimits limits = ProviderRateLimits.from(response.headers());
			if (limits != null) {
				try {
					listener.onRateLimits(deployment, limits);
				}
				catch (RuntimeException ex) {
					// headers only refine the router's view: never fail the call for them
				}
			}
			return response;
		}));
		return customizers;
	}

	/**
	 * Build the chat client of a deployment.
	 * @param deployment the deployment
	 * @param apiKey its API key
	 * @return the client
	 */
	public OpenAiChatModel chatModel(Deployment deployment, String apiKey) {
		Assert.hasText(apiKey, () -> "Deployment " + deployment.id() + " has no API key");
		OpenAiChatOptions.Builder options = OpenAiChatOptions.builder()
			.baseUrl(deployment.apiBase().toString())
			.apiKey(apiKey)
			.model(deployment.target())
			.maxRetries(0);
		if (deployment.provider() == Provider.AZURE) {
			options.microsoftFoundry(true)
				.deploymentName(deployment.target())
				.microsoftFoundryServiceVersion(apiVersion(deployment));
		}
		return OpenAiChatModel.builder()
			.options(options.build())
			.observationRegistry(this.observationRegistry)
			.httpClientBuilderCustomizers(customizers(deployment))
			.build();
	}

	/**
	 * Build the embedding client of a deployment.
	 * @param deployment the deployment
	 * @param apiKey its API key
	 * @return the client
	 */
	public OpenAiEmbeddingModel embeddingModel(Deployment deployment, String apiKey) {
		Assert.hasText(apiKey, () -> "Deployment " + deployment.id() + " has no API key");
		OpenAiEmbeddingOptions.Builder options = OpenAiEmbeddingOptions.builder()
			.baseUrl(deployment.apiBase().toString())
			.apiKey(apiKey)
			.model(deployment.target())
			.maxRetries(0);
		if (deployment.provider() == Provider.AZURE) {
			options.microsoftFoundry(true)
				.deploymentName(deployment.target())
				.microsoftFoundryServiceVersion(apiVersion(deployment));
		}
		return OpenAiEmbeddingModel.builder()
			.options(options.build())
			.observationRegistry(this.observationRegistry)
			.httpClientBuilderCustomizers(customizers(deployment))
			.build();
	}

	private static AzureOpenAIServiceVersion apiVersion(Deployment deployment) {
		String apiVersion = deployment.apiVersion();
		Assert.hasText(apiVersion, () -> "Azure deployment " + deployment.id() + " has no api-version");
		return AzureOpenAIServiceVersion.fromString(apiVersion);
	}

}
