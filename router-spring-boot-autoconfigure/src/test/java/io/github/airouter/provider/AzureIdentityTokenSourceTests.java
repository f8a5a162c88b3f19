package io.github.airouter.provider;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.airouter.testsupport.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Which credential {@link AzureIdentityTokenSource} asks for each entry's tokens, what it can
 * serve without azure-identity, and that entries with the same settings share one cache. No
 * test here lets azure-identity ask for a token.
 */
class AzureIdentityTokenSourceTests {

	private static final EntraIdSettings DEFAULTS = EntraIdSettings.defaults();

	private static final EntraIdSettings OTHER_SCOPE = new EntraIdSettings(null, null, null, null,
			"api://other/.default");

	private static final EntraIdSettings MANAGED_IDENTITY = new EntraIdSettings(null, "uami-client-id", null, null,
			EntraIdSettings.DEFAULT_SCOPE);

	private static final EntraIdSettings SERVICE_PRINCIPAL = new EntraIdSettings("tenant-1", "app-client-id",
			"client-SECRET-value", null, EntraIdSettings.DEFAULT_SCOPE);

	private static final EntraIdSettings TENANT = new EntraIdSettings("tenant-1", null, null, null,
			EntraIdSettings.DEFAULT_SCOPE);

	private static final EntraIdSettings FIXED = new EntraIdSettings(null, null, null, "fixed-SECRET-token",
			EntraIdSettings.DEFAULT_SCOPE);

	private final MutableClock clock = MutableClock.atSecond(1_000_000);

	private final CountingCredential application = new CountingCredential();

	@Test
	void theApplicationsCredentialServesEntriesThatLeaveTheCredentialToTheDefault() {
		AzureIdentityTokenSource source = new AzureIdentityTokenSource(this.application, true, this.clock);
		assertThat(source.tokens(DEFAULTS).get()).isEqualTo("app-token-1");
		assertThat(source.tokens(OTHER_SCOPE).get()).isEqualTo("app-token-2");
		assertThat(this.application.scopes).containsExactly(List.of(EntraIdSettings.DEFAULT_SCOPE),
				List.of("api://other/.default"));
	}

	@Test
	void entriesWithTheSameSettingsShareOneCache() {
		AzureIdentityTokenSource source = new AzureIdentityTokenSource(this.application, true, this.clock);
		Supplier<String> first = source.tokens(DEFAULTS);
		Supplier<String> second = source.tokens(EntraIdSettings.defaults());
		assertThat(second).isSameAs(first);
		for (int i = 0; i < 10; i++) {
			assertThat(first.get()).isEqualTo("app-token-1");
			assertThat(second.get()).isEqualTo("app-token-1");
		}
		assertThat(this.application.scopes).hasSize(1);
		this.clock.advance(Duration.ofMinutes(55));
		assertThat(second.get()).isEqualTo("app-token-2");
	}

	@Test
	void withAzureIdentityEveryKindOfEntryIsServed() {
		AzureIdentityTokenSource source = new AzureIdentityTokenSource(null, true, this.clock);
		assertThat(List.of(DEFAULTS, TENANT, MANAGED_IDENTITY, SERVICE_PRINCIPAL)).allMatch(source::canServe);
		assertThat(source.canServe(FIXED)).as("a fixed token needs no credential").isFalse();
	}

	@Test
	void withoutAzureIdentityOnlyTheApplicationsCredentialServesAndOnlyDefaultEntries() {
		AzureIdentityTokenSource withBean = new AzureIdentityTokenSource(this.application, false, this.clock);
		assertThat(withBean.canServe(DEFAULTS)).isTrue();
		assertThat(withBean.canServe(OTHER_SCOPE)).isTrue();
		assertThat(List.of(TENANT, MANAGED_IDENTITY, SERVICE_PRINCIPAL)).noneMatch(withBean::canServe);
		AzureIdentityTokenSource withNothing = new AzureIdentityTokenSource(null, false, this.clock);
		assertThat(List.of(DEFAULTS, TENANT, MANAGED_IDENTITY, SERVICE_PRINCIPAL)).noneMatch(withNothing::canServe);
		assertThatIllegalArgumentException().isThrownBy(() -> withNothing.tokens(DEFAULTS))
			.withMessageContaining("com.azure:azure-identity");
	}

	@Test
	void anEntryThatNamesAClientIsNeverServedByTheApplicationsCredential() {
		AzureIdentityTokenSource source = new AzureIdentityTokenSource(this.application, true, this.clock);
		source.tokens(MANAGED_IDENTITY);
		source.tokens(SERVICE_PRINCIPAL);
		assertThat(this.application.scopes).isEmpty();
	}

	@Test
	void aCredentialThatFailsGivesAnExceptionNamingItAndTheCause() {
		TokenCredential failing = (request) -> Mono.error(new IllegalStateException("no identity on this host"));
		AzureIdentityTokenSource source = new AzureIdentityTokenSource(failing, false, this.clock);
		assertThatExceptionOfType(AccessTokenUnavailableException.class).isThrownBy(source.tokens(DEFAULTS)::get)
			.withMessage("No access token from the application's TokenCredential (scope "
					+ EntraIdSettings.DEFAULT_SCOPE + "): IllegalStateException: no identity on this host");
	}

	@Test
	void settingsNeverPrintTheirSecrets() {
		assertThat(SERVICE_PRINCIPAL.toString()).doesNotContain("SECRET").contains("app-client-id");
		assertThat(SERVICE_PRINCIPAL.describe()).doesNotContain("SECRET")
			.isEqualTo("the service principal app-client-id of tenant tenant-1 (scope "
					+ EntraIdSettings.DEFAULT_SCOPE + ")");
		assertThat(FIXED.toString()).doesNotContain("SECRET");
		assertThat(FIXED.describe()).doesNotContain("SECRET");
	}

	/** Gives app-token-1, app-token-2, ..., each valid for an hour, and records the scopes. */
	private final class CountingCredential implements TokenCredential {

		final List<List<String>> scopes = new CopyOnWriteArrayList<>();

		@Override
		public Mono<AccessToken> getToken(TokenRequestContext request) {
			this.scopes.add(request.getScopes());
			return Mono.just(new AccessToken("app-token-" + this.scopes.size(),
					AzureIdentityTokenSourceTests.this.clock.instant().plus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC)));
		}

	}

}
