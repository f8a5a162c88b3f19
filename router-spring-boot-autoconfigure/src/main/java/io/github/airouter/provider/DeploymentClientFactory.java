package io.github.airouter.provider;

import java.net.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientAsync;
import com.openai.credential.BearerTokenCredential;
import com.openai.credential.Credential;
import io.micrometer.observation.ObservationRegistry;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.OpenAiEmbeddingModel;
import org.springframework.ai.openai.OpenAiEmbeddingOptions;
import org.springframework.ai.openai.http.okhttp.OpenAiHttpClientBuilderCustomizer;
import org.springframework.ai.openai.setup.OpenAiSetup;
import org.springframework.util.Assert;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Provider;

/**
 * Builds the Spring AI client of one deployment: an {@link OpenAiChatModel} or
 * {@link OpenAiEmbeddingModel} whose connection (endpoint, credential, Azure deployment and
 * surface: the v1 API or the dated deployments API, see {@link AzureApiVersions}) is fixed at
 * construction. The SDK's own retries are off: the router decides where a call goes next.
 * <p>
 * An API key is handed to the client and kept nowhere else. A keyless Azure deployment's
 * client asks its {@link ClientCredential.AccessTokens} for a token on every request (a cached
 * one, see {@link CachedAccessToken}) and sends it as {@code Authorization: Bearer}; never an
 * {@code api-key} header, whatever key the environment holds.
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
	 * Build the chat client of a deployment that authenticates with an API key.
	 * @param deployment the deployment
	 * @param apiKey its API key
	 * @return the client
	 */
	public OpenAiChatModel chatModel(Deployment deployment, String apiKey) {
		Assert.hasText(apiKey, () -> "Deployment " + deployment.id() + " has no API key");
		return chatModel(deployment, ClientCredential.apiKey(apiKey));
	}

	/**
	 * Build the chat client of a deployment.
	 * @param deployment the deployment
	 * @param credential its API key or access tokens
	 * @return the client
	 */
	public OpenAiChatModel chatModel(Deployment deployment, ClientCredential credential) {
		OpenAiChatOptions.Builder builder = OpenAiChatOptions.builder().model(deployment.target()).maxRetries(0);
		Connection connection = connection(deployment, credential);
		builder.baseUrl(connection.baseUrl()).apiKey(connection.optionsApiKey());
		if (deployment.provider() == Provider.AZURE) {
			builder.microsoftFoundry(true).deploymentName(deployment.target());
			if (connection.apiVersion() != null) {
				builder.microsoftFoundryServiceVersion(connection.apiVersion());
			}
		}
		OpenAiChatOptions options = builder.build();
		SdkClients clients = clients(SetupArguments.of(options), connection, customizers(deployment), true);
		return OpenAiChatModel.builder()
			.openAiClient(clients.sync())
			.openAiClientAsync(Objects.requireNonNull(clients.async()))
			.options(options)
			.observationRegistry(this.observationRegistry)
			.build();
	}

	/**
	 * Build the embedding client of a deployment that authenticates with an API key.
	 * @param deployment the deployment
	 * @param apiKey its API key
	 * @return the client
	 */
	public OpenAiEmbeddingModel embeddingModel(Deployment deployment, String apiKey) {
		Assert.hasText(apiKey, () -> "Deployment " + deployment.id() + " has no API key");
		return embeddingModel(deployment, ClientCredential.apiKey(apiKey));
	}

	/**
	 * Build the embedding client of a deployment.
	 * @param deployment the deployment
	 * @param credential its API key or access tokens
	 * @return the client
	 */
	public OpenAiEmbeddingModel embeddingModel(Deployment deployment, ClientCredential credential) {
		OpenAiEmbeddingOptions.Builder builder = OpenAiEmbeddingOptions.builder()
			.model(deployment.target())
			.maxRetries(0);
		Connection connection = connection(deployment, credential);
		builder.baseUrl(connection.baseUrl()).apiKey(connection.optionsApiKey());
		if (deployment.provider() == Provider.AZURE) {
			builder.microsoftFoundry(true).deploymentName(deployment.target());
			if (connection.apiVersion() != null) {
				builder.microsoftFoundryServiceVersion(connection.apiVersion());
			}
		}
		OpenAiEmbeddingOptions options = builder.build();
		SdkClients clients = clients(SetupArguments.of(options), connection, customizers(deployment), false);
		return OpenAiEmbeddingModel.builder()
			.openAiClient(clients.sync())
			.options(options)
			.observationRegistry(this.observationRegistry)
			.build();
	}

	/**
	 * Where and how a deployment's client connects. The client is built by Spring AI's
	 * {@link OpenAiSetup}, as its model builders build it, with one difference: a keyless
	 * deployment's client gets a placeholder key there and its access tokens put in its place
	 * afterwards. Given no key, {@code OpenAiSetup} would take {@code OPENAI_API_KEY} or
	 * {@code MICROSOFT_FOUNDRY_API_KEY} from the environment, and such a key wins over any
	 * credential; an empty one would even strip the {@code Authorization} header. A router
	 * that mixes OpenAI and keyless Azure deployments usually has {@code OPENAI_API_KEY} set,
	 * so its Azure deployments would be sent the OpenAI key.
	 */
	private static Connection connection(Deployment deployment, ClientCredential credential) {
		boolean azure = deployment.provider() == Provider.AZURE;
		String baseUrl = deployment.apiBase().toString();
		AzureOpenAIServiceVersion apiVersion = null;
		if (azure && AzureApiVersions.usesV1(deployment)) {
			baseUrl = AzureApiVersions.v1BaseUrl(deployment);
			String v1ApiVersion = AzureApiVersions.v1ApiVersion(deployment);
			apiVersion = (v1ApiVersion != null) ? AzureOpenAIServiceVersion.fromString(v1ApiVersion) : null;
		}
		else if (azure) {
			apiVersion = AzureOpenAIServiceVersion.fromString(Objects.requireNonNull(deployment.apiVersion()));
		}
		if (credential instanceof ClientCredential.ApiKey key) {
			return new Connection(baseUrl, apiVersion, key.key(), key.key(), null);
		}
		Assert.isTrue(azure, () -> "OpenAI deployment " + deployment.id() + " needs an API key");
		Supplier<String> tokens = ((ClientCredential.AccessTokens) credential).tokens();
		Supplier<String> named = () -> {
			try {
				return tokens.get();
			}
			catch (AccessTokenUnavailableException ex) {
				throw new AccessTokenUnavailableException("Deployment " + deployment.id() + ": " + ex.getMessage(),
						ex.getCause());
			}
			catch (RuntimeException ex) {
				throw new AccessTokenUnavailableException(
						"Deployment " + deployment.id() + ": no access token: " + ex.getClass().getSimpleName(), ex);
			}
		};
		return new Connection(baseUrl, apiVersion, null, KEYLESS_PLACEHOLDER, BearerTokenCredential.create(named));
	}

	/**
	 * The SDK clients of a deployment, built by {@link OpenAiSetup} as Spring AI's model
	 * builders build them, then given the access token credential of a keyless deployment.
	 */
	private SdkClients clients(SetupArguments arguments, Connection connection,
			List<OpenAiHttpClientBuilderCustomizer> customizers, boolean withAsync) {
		OpenAIClient sync = OpenAiSetup.setupSyncClient(arguments.baseUrl(), connection.setupApiKey(), null,
				arguments.deploymentName(), arguments.apiVersion(), arguments.organizationId(), arguments.azure(),
				arguments.gitHubModels(), arguments.model(), arguments.timeout(), arguments.maxRetries(),
				arguments.proxy(), arguments.customHeaders(), this.observationRegistry, null, customizers);
		OpenAIClientAsync async = withAsync ? OpenAiSetup.setupAsyncClient(arguments.baseUrl(),
				connection.setupApiKey(), null, arguments.deploymentName(), arguments.apiVersion(),
				arguments.organizationId(), arguments.azure(), arguments.gitHubModels(), arguments.model(),
				arguments.timeout(), arguments.maxRetries(), arguments.proxy(), arguments.customHeaders(),
				this.observationRegistry, null, customizers) : null;
		Credential tokens = connection.tokens();
		if (tokens != null) {
			sync = sync.withOptions((clientOptions) -> clientOptions.credential(tokens));
			async = (async != null) ? async.withOptions((clientOptions) -> clientOptions.credential(tokens)) : null;
		}
		return new SdkClients(sync, async);
	}

	/** Handed to {@link OpenAiSetup} for a keyless deployment, replaced before any request. */
	private static final String KEYLESS_PLACEHOLDER = "entra-id-token-follows";

	/**
	 * How a client connects.
	 *
	 * @param baseUrl the base URL the SDK appends paths to
	 * @param apiVersion the Azure api-version to send, or {@code null}
	 * @param optionsApiKey the key kept in the model's options, or {@code null}
	 * @param setupApiKey the key handed to {@link OpenAiSetup}
	 * @param tokens the credential that replaces it, or {@code null} for a key
	 */
	private record Connection(String baseUrl, @Nullable AzureOpenAIServiceVersion apiVersion,
			@Nullable String optionsApiKey, String setupApiKey, @Nullable Credential tokens) {

		@Override
		public String toString() {
			return "Connection[" + this.baseUrl + "]";
		}

	}

	/**
	 * What {@link OpenAiSetup} is given, from a model's options (chat and embedding options
	 * share no type).
	 */
	private record SetupArguments(@Nullable String baseUrl, @Nullable String deploymentName,
			@Nullable AzureOpenAIServiceVersion apiVersion, @Nullable String organizationId, boolean azure,
			boolean gitHubModels, @Nullable String model, Duration timeout, int maxRetries, @Nullable Proxy proxy,
			@Nullable Map<String, String> customHeaders) {

		static SetupArguments of(OpenAiChatOptions options) {
			return new SetupArguments(options.getBaseUrl(), options.getMicrosoftDeploymentName(),
					options.getMicrosoftFoundryServiceVersion(), options.getOrganizationId(), options.isMicrosoftFoundry(),
					options.isGitHubModels(), options.getModel(), options.getTimeout(), options.getMaxRetries(),
					options.getProxy(), options.getCustomHeaders());
		}

		static SetupArguments of(OpenAiEmbeddingOptions options) {
			return new SetupArguments(options.getBaseUrl(), options.getMicrosoftDeploymentName(),
					options.getMicrosoftFoundryServiceVersion(), options.getOrganizationId(), options.isMicrosoftFoundry(),
					options.isGitHubModels(), options.getModel(), options.getTimeout(), options.getMaxRetries(),
					options.getProxy(), options.getCustomHeaders());
		}

	}

	/**
	 * A deployment's SDK clients.
	 *
	 * @param sync for calls
	 * @param async for streams, {@code null} for an embedding model
	 */
	private record SdkClients(OpenAIClient sync, @Nullable OpenAIClientAsync async) {

	}

}
