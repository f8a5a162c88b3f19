package io.github.airouter.provider;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletionException;

import com.openai.core.http.Headers;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.ErrorObject;
import org.junit.jupiter.api.Test;

import io.github.airouter.routing.Failure;
import io.github.airouter.routing.Failure.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link OpenAiFailureClassifier} makes of the OpenAI SDK's own exceptions, built as the
 * SDK builds them.
 */
class OpenAiFailureClassifierTests {

	/** Wednesday 2 December 2026, 14:00:00 UTC. */
	private static final Instant NOW = Instant.parse("2026-12-02T14:00:00Z");

	private final OpenAiFailureClassifier classifier = new OpenAiFailureClassifier(Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void a429WaitsForRetryAfterMsRatherThanRetryAfter() {
		Failure failure = this.classifier
			.classify(rateLimited(Headers.builder().put("retry-after-ms", "2500").put("retry-after", "7").build()));
		assertThat(failure).isEqualTo(new Failure(Kind.RATE_LIMITED, Duration.ofMillis(2500), 429));
	}

	@Test
	void a429WaitsForRetryAfterInSeconds() {
		Failure failure = this.classifier.classify(rateLimited(Headers.builder().put("Retry-After", "7").build()));
		assertThat(failure).isEqualTo(new Failure(Kind.RATE_LIMITED, Duration.ofSeconds(7), 429));
	}

	@Test
	void a429WaitsUntilTheHttpDateOfRetryAfter() {
		Failure failure = this.classifier
			.classify(rateLimited(Headers.builder().put("Retry-After", "Wed, 02 Dec 2026 14:00:42 GMT").build()));
		assertThat(failure).isEqualTo(new Failure(Kind.RATE_LIMITED, Duration.ofSeconds(42), 429));
	}

	@Test
	void a429WithARetryAfterDateAlreadyPastWaitsNothing() {
		Failure failure = this.classifier
			.classify(rateLimited(Headers.builder().put("Retry-After", "Wed, 02 Dec 2026 13:59:00 GMT").build()));
		assertThat(failure).isEqualTo(new Failure(Kind.RATE_LIMITED, Duration.ZERO, 429));
	}

	@Test
	void a429WithARetryAfterMsThatIsNotANumberWaitsForRetryAfter() {
		Failure failure = this.classifier
			.classify(rateLimited(Headers.builder().put("retry-after-ms", "soon").put("retry-after", "3").build()));
		assertThat(failure).isEqualTo(new Failure(Kind.RATE_LIMITED, Duration.ofSeconds(3), 429));
	}

	@Test
	void a429WithoutRetryAfterAsksForNoParticularWait() {
		Failure failure = this.classifier.classify(rateLimited(Headers.builder().build()));
		assertThat(failure).isEqualTo(new Failure(Kind.RATE_LIMITED, null, 429));
	}

	@Test
	void a408IsATimeout() {
		UnexpectedStatusCodeException timeout = UnexpectedStatusCodeException.builder()
			.statusCode(408)
			.headers(Headers.builder().build())
			.error(error("Request timed out.", "timeout", null))
			.build();
		assertThat(this.classifier.classify(timeout)).isEqualTo(Failure.of(Kind.TIMEOUT, 408));
	}

	@Test
	void aServerErrorIsRetryable() {
		InternalServerException unavailable = InternalServerException.builder()
			.statusCode(503)
			.headers(Headers.builder().build())
			.error(error("The service is temporarily unavailable.", "server_error", null))
			.build();
		assertThat(this.classifier.classify(unavailable)).isEqualTo(Failure.of(Kind.SERVER_ERROR, 503));
	}

	@Test
	void anAnswerThatCannotBeReadIsAServerError() {
		assertThat(this.classifier.classify(new OpenAIInvalidDataException("`choices` is missing")))
			.isEqualTo(Failure.of(Kind.SERVER_ERROR));
	}

	@Test
	void aRefusedConnectionIsAConnectionFailure() {
		assertThat(this.classifier.classify(new ConnectException("Connection refused")))
			.isEqualTo(Failure.of(Kind.CONNECTION));
	}

	@Test
	void anUnknownHostIsAConnectionFailure() {
		assertThat(this.classifier.classify(new UnknownHostException("my-resource.openai.azure.com")))
			.isEqualTo(Failure.of(Kind.CONNECTION));
	}

	@Test
	void theSdksIoExceptionCausedByARefusedConnectionIsAConnectionFailure() {
		OpenAIIoException io = new OpenAIIoException("Request failed", new ConnectException("Connection refused"));
		assertThat(this.classifier.classify(io)).isEqualTo(Failure.of(Kind.CONNECTION));
	}

	@Test
	void theSdksIoExceptionCausedByAnUnknownHostIsAConnectionFailure() {
		OpenAIIoException io = new OpenAIIoException("Request failed",
				new UnknownHostException("my-resource.openai.azure.com"));
		assertThat(this.classifier.classify(io)).isEqualTo(Failure.of(Kind.CONNECTION));
	}

	@Test
	void theSdksIoExceptionCausedByAReadTimeoutIsATimeout() {
		OpenAIIoException io = new OpenAIIoException("Request failed", new SocketTimeoutException("Read timed out"));
		assertThat(this.classifier.classify(io)).isEqualTo(Failure.of(Kind.TIMEOUT));
	}

	@Test
	void anInterruptedIoIsATimeout() {
		// OkHttp's call timeout
		assertThat(this.classifier.classify(new InterruptedIOException("timeout"))).isEqualTo(Failure.of(Kind.TIMEOUT));
	}

	@Test
	void a400WithTheContextLengthCodeExceedsTheContextWindow() {
		BadRequestException tooLong = badRequest(error("Please reduce the length of the messages.",
				"invalid_request_error", "context_length_exceeded"));
		assertThat(this.classifier.classify(tooLong)).isEqualTo(Failure.of(Kind.CONTEXT_WINDOW_EXCEEDED, 400));
	}

	@Test
	void a400WhoseMessageSaysTheContextLengthIsExceededExceedsTheContextWindow() {
		// Azure's older API versions say it only in the message
		BadRequestException tooLong = badRequest(error("This model's maximum context length is 8192 tokens. "
				+ "However, your messages resulted in 9000 tokens.", "invalid_request_error", null));
		assertThat(this.classifier.classify(tooLong)).isEqualTo(Failure.of(Kind.CONTEXT_WINDOW_EXCEEDED, 400));
	}

	@Test
	void anyOther400IsTheCallersErrorAndNotRetried() {
		BadRequestException invalid = badRequest(
				error("Invalid value for 'temperature'.", "invalid_request_error", "invalid_value"));
		assertThat(this.classifier.classify(invalid)).isEqualTo(Failure.of(Kind.NOT_RETRYABLE, 400));
	}

	@Test
	void aWrongKeyIsAMisconfiguredDeployment() {
		// the router chose the key: a 401 is never the caller's fault
		UnauthorizedException wrongKey = UnauthorizedException.builder()
			.headers(Headers.builder().build())
			.error(error("Access denied due to invalid subscription key or wrong API endpoint.", "invalid_request_error",
					"401"))
			.build();
		assertThat(this.classifier.classify(wrongKey)).isEqualTo(Failure.of(Kind.MISCONFIGURED, 401));
	}

	@Test
	void aMissingRoleAssignmentIsAMisconfiguredDeployment() {
		PermissionDeniedException noRole = PermissionDeniedException.builder()
			.headers(Headers.builder().build())
			.error(error("The principal lacks the data action Microsoft.CognitiveServices/accounts/OpenAI/"
					+ "deployments/chat/completions/action.", "invalid_request_error", "PermissionDenied"))
			.build();
		assertThat(this.classifier.classify(noRole)).isEqualTo(Failure.of(Kind.MISCONFIGURED, 403));
	}

	@Test
	void aDeploymentThatDoesNotExistIsMisconfigured() {
		NotFoundException missing = NotFoundException.builder()
			.headers(Headers.builder().build())
			.error(error("The API deployment for this resource does not exist.", "invalid_request_error",
					"DeploymentNotFound"))
			.build();
		assertThat(this.classifier.classify(missing)).isEqualTo(Failure.of(Kind.MISCONFIGURED, 404));
	}

	@Test
	void aModelNotFoundCodeIsMisconfiguredWhateverItsStatus() {
		BadRequestException unknownModel = badRequest(
				error("The model `gpt-4o-eu` does not exist.", "invalid_request_error", "model_not_found"));
		assertThat(this.classifier.classify(unknownModel)).isEqualTo(Failure.of(Kind.MISCONFIGURED, 400));
	}

	@Test
	void anErrorEventWithARateLimitCodeInsideA200StreamIsRateLimited() {
		SseException event = streamError(error("Rate limit reached.", "requests", "rate_limit_exceeded"));
		assertThat(this.classifier.classify(event)).isEqualTo(Failure.of(Kind.RATE_LIMITED));
	}

	@Test
	void anErrorEventWithTheContextLengthCodeInsideA200StreamExceedsTheContextWindow() {
		SseException event = streamError(
				error("Please reduce the length of the messages.", "invalid_request_error", "context_length_exceeded"));
		assertThat(this.classifier.classify(event)).isEqualTo(Failure.of(Kind.CONTEXT_WINDOW_EXCEEDED));
	}

	@Test
	void anyOtherErrorEventInsideA200StreamIsAServerError() {
		SseException event = streamError(error("The server is overloaded.", "server_error", null));
		assertThat(this.classifier.classify(event)).isEqualTo(Failure.of(Kind.SERVER_ERROR));
	}

	@Test
	void noAccessTokenForAKeylessDeploymentMeansItIsMisconfigured() {
		AccessTokenUnavailableException noToken = new AccessTokenUnavailableException(
				"Deployment azure:eu/chat: No access token from the default Azure credential", new IllegalStateException());
		assertThat(this.classifier.classify(noToken)).isEqualTo(Failure.of(Kind.MISCONFIGURED));
	}

	@Test
	void noAccessTokenWrappedByTheSdkOrAFutureIsStillMisconfigured() {
		AccessTokenUnavailableException noToken = new AccessTokenUnavailableException("no token", null);
		assertThat(this.classifier.classify(new CompletionException(noToken))).isEqualTo(Failure.of(Kind.MISCONFIGURED));
		assertThat(this.classifier.classify(new OpenAIException("request failed", noToken)))
			.isEqualTo(Failure.of(Kind.MISCONFIGURED));
	}

	private static RateLimitException rateLimited(Headers headers) {
		return RateLimitException.builder()
			.headers(headers)
			.error(error("Rate limit reached.", "requests", "rate_limit_exceeded"))
			.build();
	}

	private static BadRequestException badRequest(ErrorObject error) {
		return BadRequestException.builder().headers(Headers.builder().build()).error(error).build();
	}

	/** What the SDK throws for an {@code error} event of a stream whose response was a 200. */
	private static SseException streamError(ErrorObject error) {
		return SseException.builder().statusCode(200).headers(Headers.builder().build()).error(error).build();
	}

	private static ErrorObject error(String message, String type, String code) {
		return ErrorObject.builder().message(message).type(type).param((String) null).code(code).build();
	}

}
