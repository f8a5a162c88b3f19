package io.github.airouter.provider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.openai.azure.AzureOpenAIServiceVersion;
import io.micrometer.observation.ObservationRegistry;
import okhttp3.Request;
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

	/** How much longer than the router's own stream limits the socket waits. */
	private static final Duration STREAM_SOCKET_MARGIN = Duration.ofSeconds(5);

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
	 * The customizers of one deployment's HTTP client: the application's; one that gives a
	 * stream read and write timeouts of its own (see {@link #streamReadTimeout}); and one that
	 * reads the rate-limit headers of every response (the OpenAI SDK inside Spring AI does not
	 * expose them).
	 */
	private List<OpenAiHttpClientBuilderCustomizer> customizers(Deployment deployment) {
		List<OpenAiHttpClientBuilderCustomizer> customizers = new ArrayList<>(this.httpClientCustomizers);
		Duration streamReadTimeout = streamReadTimeout(deployment);
		if (streamReadTimeout != null) {
			int millis = (int) Math.min(Integer.MAX_VALUE, streamReadTimeout.toMillis());
			customizers.add((builder) -> builder.interceptor((chain) -> isStream(chain.request())
					? chain.withReadTimeout(millis, TimeUnit.MILLISECONDS)
						.withWriteTimeout(millis, TimeUnit.MILLISECONDS)
						.proceed(chain.request())
					: chain.proceed(chain.request())));
		}
		ProviderRateLimitsListener listener = this.rateLimitsListener;
		if (listener != null) {
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
		}
		return customizers;
	}

	/**
	 * The socket read and write timeout of a stream from the deployment, when the router
	 * holds its streams to limits of its own (a first-chunk and an idle timeout): a little
	 * longer than both, so that the router's limits act first and the socket is still freed
	 * if the router's cancellation cannot reach it. The stream itself is then sent without
	 * the SDK's per-request timeout, which OkHttp would apply to the whole body and so cut
	 * any stream longer than it.
	 * @param deployment the deployment
	 * @return the timeout, or {@code null} when the router sets no limits of its own
	 */
	public static @Nullable Duration streamReadTimeout(Deployment deployment) {
		Duration first = deployment.streamTimeout();
		Duration idle = deployment.streamIdleTimeout();
		if (first == null || idle == null) {
			return null;
		}
		return ((first.compareTo(idle) > 0) ? first : idle).plus(STREAM_SOCKET_MARGIN);
	}

	private static boolean isStream(Request request) {
		String accept = request.header("Accept");
		return accept != null && accept.contains("text/event-stream");
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
