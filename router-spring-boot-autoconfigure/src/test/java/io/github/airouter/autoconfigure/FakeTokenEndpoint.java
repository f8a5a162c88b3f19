package io.github.airouter.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import okhttp3.HttpUrl;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.jspecify.annotations.Nullable;

/**
 * A local fake of Azure App Service's managed identity endpoint, which azure-identity (through
 * MSAL) asks for tokens when the environment has {@code IDENTITY_ENDPOINT} and
 * {@code IDENTITY_HEADER}: {@code GET ?api-version=2019-08-01&resource=...[&client_id=...]}
 * with the header {@code X-IDENTITY-HEADER}, answered with
 * {@code {"access_token", "expires_on" (epoch seconds), "resource", "token_type"}}.
 * <p>
 * It listens where {@code IDENTITY_ENDPOINT} points, which the module's surefire
 * configuration sets to a free local port: the real {@code DefaultAzureCredential} chain then
 * gets its tokens here. Tokens live four minutes unless a test says otherwise: under the five
 * minutes within which MSAL treats a token as expiring, so MSAL never answers from its own
 * (JVM-wide) cache and every token the router asks for is counted here.
 */
final class FakeTokenEndpoint implements AutoCloseable {

	static final String ENDPOINT_VARIABLE = "IDENTITY_ENDPOINT";

	static final String HEADER_VARIABLE = "IDENTITY_HEADER";

	private final MockWebServer server = new MockWebServer();

	private final Queue<TokenRequest> requests = new ConcurrentLinkedQueue<>();

	private final List<String> issued = new CopyOnWriteArrayList<>();

	private final Set<String> refusedClientIds = ConcurrentHashMap.newKeySet();

	private final AtomicInteger counter = new AtomicInteger();

	private volatile Duration lifetime = Duration.ofMinutes(4);

	private volatile boolean refuseAll;

	FakeTokenEndpoint() {
		URI endpoint = URI.create(endpoint());
		this.server.setDispatcher(new Dispatcher() {
			@Override
			public MockResponse dispatch(RecordedRequest request) {
				return respond(request);
			}
		});
		try {
			this.server.start(InetAddress.getByName(endpoint.getHost()), endpoint.getPort());
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot listen at " + ENDPOINT_VARIABLE, ex);
		}
	}

	/**
	 * Whether the environment points azure-identity at a local endpoint: only then may a test
	 * let azure-identity ask for tokens (else it would ask the Azure instance metadata
	 * service). The module's surefire configuration always sets it.
	 */
	static boolean configured() {
		String endpoint = System.getenv(ENDPOINT_VARIABLE);
		if (endpoint == null || System.getenv(HEADER_VARIABLE) == null) {
			return false;
		}
		String host = URI.create(endpoint).getHost();
		return "127.0.0.1".equals(host) || "localhost".equals(host);
	}

	private static String endpoint() {
		String endpoint = System.getenv(ENDPOINT_VARIABLE);
		if (endpoint == null) {
			throw new IllegalStateException(ENDPOINT_VARIABLE + " is not set: run the tests with Maven");
		}
		return endpoint;
	}

	/** Tokens issued from now on expire after this long. */
	FakeTokenEndpoint lifetime(Duration lifetime) {
		this.lifetime = lifetime;
		return this;
	}

	/** Refuse every request for this client id, as App Service does for an unknown identity. */
	FakeTokenEndpoint refuse(String clientId) {
		this.refusedClientIds.add(clientId);
		return this;
	}

	/**
	 * Refuse every request, as App Service does for an application without an identity (or,
	 * with false, serve again). A 400, which neither azure-core nor MSAL retries: a 500 would
	 * be retried for half a minute first.
	 */
	FakeTokenEndpoint refuseAll(boolean refuseAll) {
		this.refuseAll = refuseAll;
		return this;
	}

	List<TokenRequest> requests() {
		return new ArrayList<>(this.requests);
	}

	/** Every token issued, oldest first. */
	List<String> issued() {
		return List.copyOf(this.issued);
	}

	String lastIssued() {
		return this.issued.get(this.issued.size() - 1);
	}

	@Override
	public void close() throws IOException {
		this.server.shutdown();
	}

	private MockResponse respond(RecordedRequest recorded) {
		HttpUrl url = recorded.getRequestUrl();
		String clientId = (url != null) ? url.queryParameter("client_id") : null;
		TokenRequest request = new TokenRequest(recorded.getMethod(), (url != null) ? url.encodedPath() : "",
				(url != null) ? url.queryParameter("api-version") : null,
				(url != null) ? url.queryParameter("resource") : null, clientId,
				recorded.getHeader("X-IDENTITY-HEADER"));
		this.requests.add(request);
		if (!System.getenv(HEADER_VARIABLE).equals(request.identityHeader())) {
			return json(401, "{\"statusCode\":401,\"message\":\"Unauthorized request\"}");
		}
		if (this.refuseAll || (clientId != null && this.refusedClientIds.contains(clientId))) {
			return json(400, "{\"statusCode\":400,\"message\":\"No User Assigned or Delegated Managed Identity "
					+ "found for specified ClientId/ResourceId/PrincipalId.\"}");
		}
		String token = "entra-token-" + this.counter.incrementAndGet() + "-"
				+ UUID.randomUUID().toString().replace("-", "");
		this.issued.add(token);
		long expiresOn = Instant.now().plus(this.lifetime).getEpochSecond();
		return json(200, "{\"access_token\":\"" + token + "\",\"expires_on\":\"" + expiresOn + "\",\"resource\":\""
				+ request.resource() + "\",\"token_type\":\"Bearer\",\"client_id\":\""
				+ ((clientId != null) ? clientId : "system-assigned") + "\"}");
	}

	private static MockResponse json(int status, String body) {
		return new MockResponse().setResponseCode(status).setHeader("Content-Type", "application/json").setBody(body);
	}

	/** One token request. */
	record TokenRequest(String method, String path, @Nullable String apiVersion, @Nullable String resource,
			@Nullable String clientId, @Nullable String identityHeader) {

	}

}
