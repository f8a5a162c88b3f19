package io.github.airouter.proxy.api;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;

import com.openai.core.http.Headers;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.ErrorObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.Limits;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.NoDeploymentAvailableException;
import io.github.airouter.routing.UnknownModelException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What failures become for the client.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiErrorsTests {

	private static final String PROVIDER_KEY = "configured-provider-key-123";

	private final ApiErrors errors = new ApiErrors(List.of(PROVIDER_KEY));

	@Test
	void unknownModelIs404ModelNotFound() {
		OpenAiError error = this.errors.of(new UnknownModelException("gpt-9", "for chat", List.of("gpt-4o")));
		assertThat(error.status()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(error.code()).isEqualTo("model_not_found");
		assertThat(error.param()).isEqualTo("model");
		assertThat(error.message()).contains("gpt-9", "gpt-4o");
	}

	@Test
	void noCapacityIs429WithRetryAfterRoundedUpToWholeSeconds() {
		OpenAiError error = this.errors
			.of(new NoDeploymentAvailableException("gpt-4o", Duration.ofMillis(1200), "every deployment is full"));
		assertThat(error.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(error.type()).isEqualTo("rate_limit_exceeded");
		assertThat(error.code()).isEqualTo("rate_limit_exceeded");
		assertThat(error.retryAfterSeconds()).isEqualTo("2");
		assertThat(error.toResponseEntity().getHeaders().getFirst("Retry-After")).isEqualTo("2");
		assertThat(this.errors.of(new NoDeploymentAvailableException("gpt-4o", Duration.ZERO, "full"))
			.retryAfterSeconds()).isEqualTo("1");
		// a call no deployment can ever take: waiting does not help
		assertThat(this.errors.of(new NoDeploymentAvailableException("gpt-4o", null, "too large"))
			.toResponseEntity()
			.getHeaders()
			.containsHeader("Retry-After")).isFalse();
		// as the stream or a future wraps it
		assertThat(this.errors.of(new CompletionException(
				new NoDeploymentAvailableException("gpt-4o", Duration.ofSeconds(3), "full"))).retryAfterSeconds())
			.isEqualTo("3");
	}

	@Test
	void providerErrorsKeepStatusTypeAndCodeButNoSecretOrUrl() {
		BadRequestException provider = BadRequestException.builder()
			.headers(Headers.builder().build())
			.error(ErrorObject.builder()
				.message("Bad prompt for key " + PROVIDER_KEY + ", token sk-proj-abcdef123456; see "
						+ "https://my-resource.openai.azure.com/openai/deployments/x?api-key=s3cr3t&x=1 or "
						+ "password=hunter2")
				.type("invalid_request_error")
				.param("messages")
				.code("context_length_exceeded")
				.build())
			.build();
		OpenAiError error = this.errors.of(provider);
		assertThat(error.status()).isEqualTo(HttpStatus.BAD_REQUEST);
		assertThat(error.type()).isEqualTo("invalid_request_error");
		assertThat(error.param()).isEqualTo("messages");
		assertThat(error.code()).isEqualTo("context_length_exceeded");
		assertThat(error.message()).startsWith("Bad prompt for key [redacted]")
			.doesNotContain(PROVIDER_KEY, "sk-proj", "https://", "my-resource", "s3cr3t", "hunter2");
	}

	@Test
	void aProviderRefusingTheProxysCredentialsIs502SayingNoMore() {
		UnauthorizedException provider = UnauthorizedException.builder()
			.headers(Headers.builder().build())
			.error(ErrorObject.builder()
				.message("Incorrect API key provided: conf****-123.")
				.type("invalid_request_error")
				.param("")
				.code("invalid_api_key")
				.build())
			.build();
		OpenAiError error = this.errors.of(provider);
		assertThat(error.status()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(error.code()).isEqualTo("upstream_authentication_failed");
		assertThat(error.message()).doesNotContain("conf", "Incorrect");
	}

	@Test
	void aProviders404IsA502NamingTheDeploymentNotA404(CapturedOutput output) {
		// Azure's answer when the deployment name is wrong: the client's request was valid
		NotFoundException provider = NotFoundException.builder()
			.headers(Headers.builder().build())
			.error(ErrorObject.builder()
				.message("The API deployment for this resource does not exist. Key " + PROVIDER_KEY + ".")
				.type("")
				.param("")
				.code("DeploymentNotFound")
				.build())
			.build();
		FailedDeployments failedDeployments = new FailedDeployments();
		failedDeployments.onFailure(Deployment.of("azure-eu/gpt-4o", "gpt-4o", Limits.UNLIMITED),
				Failure.of(Failure.Kind.NOT_RETRYABLE), provider);
		OpenAiError error = new ApiErrors(List.of(PROVIDER_KEY), failedDeployments)
			.of(new CompletionException(provider));
		assertThat(error.status()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(error.type()).isEqualTo("server_error");
		assertThat(error.code()).isEqualTo("upstream_deployment_not_found");
		assertThat(error.message())
			.contains("Deployment 'azure-eu/gpt-4o' of model 'gpt-4o'", "HTTP 404 DeploymentNotFound",
					"The API deployment for this resource does not exist.", "router.model-list")
			.doesNotContain(PROVIDER_KEY);
		assertThat(output).contains("Deployment 'azure-eu/gpt-4o'").doesNotContain(PROVIDER_KEY);
		// one the router did not report: still a 502, without a name
		OpenAiError unnamed = this.errors.of(provider);
		assertThat(unnamed.status()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(unnamed.message()).startsWith("A deployment of the model does not exist at its provider");
	}

	@Test
	void aBodyOverTheLimitIs413RequestTooLarge() {
		OpenAiError error = this.errors.of(new RequestTooLargeException(1024));
		assertThat(error.status().value()).isEqualTo(413);
		assertThat(error.type()).isEqualTo("invalid_request_error");
		assertThat(error.code()).isEqualTo("request_too_large");
		assertThat(error.message()).contains("1024 bytes", "router.proxy.max-request-size");
	}

	@Test
	void aProviders429KeepsItsRetryAfterMsOverItsRetryAfter() {
		// Azure sends both; they disagree here: 2.5 s rounds up to 3, Retry-After says 1
		RateLimitException provider = RateLimitException.builder()
			.headers(Headers.builder().put("retry-after-ms", "2500").put("retry-after", "1").build())
			.error(ErrorObject.builder().message("Slow down").type("requests").param("").code("").build())
			.build();
		OpenAiError error = this.errors.of(provider);
		assertThat(error.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		assertThat(error.type()).isEqualTo("requests");
		assertThat(error.code()).isEqualTo("rate_limit_exceeded");
		assertThat(error.retryAfter()).isEqualTo(Duration.ofMillis(2500));
		assertThat(error.toResponseEntity().getHeaders().getFirst("Retry-After")).isEqualTo("3");
	}

	@Test
	void aProviders429WithRetryAfterOnlyKeepsIt() {
		// OpenAI sends Retry-After alone
		RateLimitException provider = RateLimitException.builder()
			.headers(Headers.builder().put("retry-after", "7").build())
			.error(ErrorObject.builder().message("Slow down").type("requests").param("").code("").build())
			.build();
		OpenAiError error = this.errors.of(provider);
		assertThat(error.retryAfter()).isEqualTo(Duration.ofSeconds(7));
		assertThat(error.toResponseEntity().getHeaders().getFirst("Retry-After")).isEqualTo("7");
	}

	@Test
	void unreachableIs502TimeoutIs504AnythingElse500(CapturedOutput output) {
		assertThat(this.errors.of(new OpenAIIoException("connection refused", null)).status())
			.isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(this.errors.of(new OpenAIIoException("timeout", new SocketTimeoutException("read"))).status())
			.isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
		OpenAiError error = this.errors.of(new IllegalStateException("secret internals " + PROVIDER_KEY));
		assertThat(error.status()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
		assertThat(error.message()).doesNotContain("internals", PROVIDER_KEY);
		assertThat(output).contains("Failed to serve a request: java.lang.IllegalStateException: secret internals")
			.doesNotContain(PROVIDER_KEY);
	}

	@Test
	void bodyIsOpenAisErrorObject() {
		assertThat(OpenAiError.invalidRequest("Nope.", null, null).body())
			.hasToString("{\"error\":{\"message\":\"Nope.\",\"type\":\"invalid_request_error\",\"param\":null,"
					+ "\"code\":null}}");
	}

}
