package io.github.airouter.autoconfigure;

import com.azure.core.credential.TokenCredential;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

import io.github.airouter.provider.AzureIdentityTokenSource;
import io.github.airouter.provider.EntraIdTokenSource;

/**
 * The source of Microsoft Entra ID tokens for Azure entries without an api-key, when azure-core
 * is on the classpath: the application's {@link TokenCredential} bean (when it has exactly
 * one, or a primary one) for entries that leave the credential to the default, and
 * azure-identity's credentials for the rest. Without azure-core, no source: a keyless entry
 * then fails start-up, naming the dependency to add.
 *
 * @author airouter
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = RouterEntraIdConfiguration.TOKEN_CREDENTIAL)
class RouterEntraIdConfiguration {

	/** azure-core's credential type, which an application's credential bean implements. */
	static final String TOKEN_CREDENTIAL = "com.azure.core.credential.TokenCredential";

	/** A class of azure-identity. */
	static final String DEFAULT_AZURE_CREDENTIAL = "com.azure.identity.DefaultAzureCredentialBuilder";

	@Bean
	@ConditionalOnMissingBean
	EntraIdTokenSource routerEntraIdTokenSource(ObjectProvider<TokenCredential> applicationCredential,
			ResourceLoader resourceLoader) {
		return new AzureIdentityTokenSource(applicationCredential.getIfUnique(),
				ClassUtils.isPresent(DEFAULT_AZURE_CREDENTIAL, resourceLoader.getClassLoader()));
	}

}
