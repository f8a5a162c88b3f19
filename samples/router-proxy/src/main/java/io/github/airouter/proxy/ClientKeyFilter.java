package io.github.airouter.proxy;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

import io.github.airouter.proxy.api.OpenAiError;

/**
 * Lets a request through only when its {@code Authorization: Bearer <key>} header carries
 * one of the {@linkplain ClientKeys client keys}; answers any other with a 401 in
 * OpenAI's error format ({@code invalid_api_key}). The key is never echoed or logged.
 */
class ClientKeyFilter extends OncePerRequestFilter {

	private static final Log logger = LogFactory.getLog(ClientKeyFilter.class);

	private final ClientKeys keys;

	private final JsonMapper json;

	ClientKeyFilter(ClientKeys keys, JsonMapper json) {
		this.keys = keys;
		this.json = json;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (this.keys.accepts(authorization)) {
			chain.doFilter(request, response);
			return;
		}
		boolean missing = ClientKeys.bearer(authorization) == null;
		if (logger.isDebugEnabled()) {
			logger.debug("Refused " + request.getMethod() + " " + request.getRequestURI() + ": "
					+ (missing ? "no client key" : "an unknown client key"));
		}
		OpenAiError error = OpenAiError.invalidApiKey(missing
				? "You didn't provide an API key. Provide one of the proxy's client keys in an Authorization header "
						+ "using Bearer auth (Authorization: Bearer YOUR_KEY)."
				: "Incorrect API key provided. Use one of the proxy's client keys (router.proxy.keys).");
		response.setStatus(error.status().value());
		response.setContentType(MediaType.APPLICATION_JSON_VALUE);
		response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
		this.json.writeValue(response.getOutputStream(), error.body());
	}

}
