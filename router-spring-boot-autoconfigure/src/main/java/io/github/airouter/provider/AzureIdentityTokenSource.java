package io.github.airouter.provider;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * The {@link EntraIdTokenSource} of azure-core's {@link TokenCredential}s: the application's
 * {@code TokenCredential} bean for entries that leave the credential to the default, else
 * azure-identity's {@code DefaultAzureCredential}; azure-identity's managed identity and
 * client secret credentials for entries that name a client. One {@link CachedAccessToken}
 * per distinct settings (credential and scope), created on first use; credentials are built
 * lazily too, so a router without keyless entries asks nothing of azure-identity.
 * <p>
 * Loaded only when azure-core is on the classpath; azure-identity's classes are referred to
 * only from {@link AzureIdentityCredentials}, which is loaded only when it is present.
 *
 * @author airouter
 */
public class AzureIdentityTokenSource implements EntraIdTokenSource {

	private final @Nullable TokenCredential applicationCredential;

	private final boolean azureIdentityPresent;

	private final Clock clock;

	private final Map<EntraIdSettings, CachedAccessToken> tokens = new ConcurrentHashMap<>();

	/**
	 * Create a source.
	 * @param applicationCredential the application's credential, used for entries that leave
	 * the credential to the default; or {@code null} for azure-identity's
	 * {@code DefaultAzureCredential}
	 * @param azureIdentityPresent whether azure-identity is on the classpath
	 */
	public AzureIdentityTokenSource(@Nullable TokenCredential applicationCredential, boolean azureIdentityPresent) {
		this(applicationCredential, azureIdentityPresent, Clock.systemUTC());
	}

	/**
	 * Create a source.
	 * @param applicationCredential the application's credential, or {@code null}
	 * @param azureIdentityPresent whether azure-identity is on the classpath
	 * @param clock the clock token expiry times are compared with
	 */
	public AzureIdentityTokenSource(@Nullable TokenCredential applicationCredential, boolean azureIdentityPresent,
			Clock clock) {
		this.applicationCredential = applicationCredential;
		this.azureIdentityPresent = azureIdentityPresent;
		this.clock = clock;
	}

	@Override
	public boolean canServe(EntraIdSettings settings) {
		if (settings.isFixedToken()) {
			return false;
		}
		return this.azureIdentityPresent || (settings.isDefaultCredential() && this.applicationCredential != null);
	}

	@Override
	public Supplier<String> tokens(EntraIdSettings settings) {
		Assert.isTrue(canServe(settings), () -> "Cannot get tokens of " + settings.describe()
				+ " without com.azure:azure-identity on the classpath");
		return this.tokens.computeIfAbsent(settings, this::cache);
	}

	private CachedAccessToken cache(EntraIdSettings settings) {
		TokenCredential application = settings.isDefaultCredential() ? this.applicationCredential : null;
		String description = (application != null)
				? "the application's TokenCredential (scope " + settings.scope() + ")" : settings.describe();
		TokenRequestContext request = new TokenRequestContext().addScopes(settings.scope());
		Supplier<TokenCredential> credential = (application != null) ? () -> application
				: new Lazy(() -> AzureIdentityCredentials.of(settings));
		return new CachedAccessToken(description, () -> token(credential.get(), request), this.clock);
	}

	private static CachedAccessToken.Token token(TokenCredential credential, TokenRequestContext request) {
		AccessToken token = credential.getTokenSync(request);
		if (token == null) {
			throw new IllegalStateException("The credential gave no token");
		}
		OffsetDateTime expiresAt = token.getExpiresAt();
		OffsetDateTime refreshAt = token.getRefreshAt();
		Assert.notNull(expiresAt, "The credential gave a token without an expiry time");
		return new CachedAccessToken.Token(token.getToken(), expiresAt.toInstant(),
				(refreshAt != null) ? refreshAt.toInstant() : null);
	}

	/** A credential built on first use, once. */
	private static final class Lazy implements Supplier<TokenCredential> {

		private final Supplier<TokenCredential> factory;

		private volatile @Nullable TokenCredential credential;

		Lazy(Supplier<TokenCredential> factory) {
			this.factory = factory;
		}

		@Override
		public TokenCredential get() {
			TokenCredential current = this.credential;
			if (current == null) {
				synchronized (this) {
					current = this.credential;
					if (current == null) {
						current = this.factory.get();
						this.credential = current;
					}
				}
			}
			return current;
		}

	}

}
