package io.github.airouter.proxy.api;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

import com.openai.errors.OpenAIServiceException;
import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Component;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.routing.Failure;
import io.github.airouter.routing.RoutingListener;

/**
 * Which deployment answered a provider's 404, so that the error the client gets can name
 * it by id: the router hands the provider's exception on unchanged and tells its listeners
 * which deployment threw it. Exceptions are held weakly: each is forgotten once its
 * request has been answered.
 */
@Component
class FailedDeployments implements RoutingListener {

	private final Map<Throwable, Deployment> notFound = Collections.synchronizedMap(new WeakHashMap<>());

	@Override
	public void onFailure(Deployment deployment, Failure failure, Throwable exception) {
		// Throwable keeps Object's identity equality: one entry per exception
		if (exception instanceof OpenAIServiceException service && service.statusCode() == 404) {
			this.notFound.put(exception, deployment);
		}
	}

	/**
	 * The deployment that answered a 404.
	 * @param exception the provider's exception, as the router surfaced it
	 * @return the deployment, or {@code null} when the router did not report it
	 */
	@Nullable Deployment of(Throwable exception) {
		return this.notFound.get(exception);
	}

}
