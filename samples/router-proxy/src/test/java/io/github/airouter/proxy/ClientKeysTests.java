package io.github.airouter.proxy;

import java.util.List;

import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Client keys: which requests pass, and the proxy refusing to start without keys unless
 * anonymous access is explicitly allowed.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClientKeysTests {

	@Test
	void onlyTheConfiguredBearerKeysPass() {
		ClientKeys keys = ClientKeys.of(properties(List.of("key-one", "key-two"), false));
		assertThat(keys.isAnonymous()).isFalse();
		assertThat(keys.accepts("Bearer key-one")).isTrue();
		assertThat(keys.accepts("bearer key-two")).isTrue();
		assertThat(keys.accepts("Bearer  key-two ")).isTrue();
		assertThat(keys.accepts("Bearer key-three")).isFalse();
		assertThat(keys.accepts("Bearer key-on")).isFalse();
		assertThat(keys.accepts("Bearer key-one-and-more")).isFalse();
		assertThat(keys.accepts("key-one")).isFalse();
		assertThat(keys.accepts("Basic a2V5LW9uZTo=")).isFalse();
		assertThat(keys.accepts("Bearer ")).isFalse();
		assertThat(keys.accepts(null)).isFalse();
		assertThat(keys).hasToString("2 client key(s)");
	}

	@Test
	void noKeysIsAStartUpFailureUnlessAnonymousAccessIsAllowed() {
		assertThatExceptionOfType(InvalidClientKeysException.class)
			.isThrownBy(() -> ClientKeys.of(properties(List.of(), false)))
			.withMessageContaining("router.proxy.keys is empty")
			.satisfies((ex) -> assertThat(ex.getAction()).contains("router.proxy.keys",
					"router.proxy.allow-anonymous=true"));
		ClientKeys anonymous = ClientKeys.of(properties(List.of(), true));
		assertThat(anonymous.isAnonymous()).isTrue();
		assertThat(anonymous.accepts(null)).isTrue();
		// keys, once configured, are required even when anonymous access is allowed
		assertThat(ClientKeys.of(properties(List.of("key-one"), true)).accepts(null)).isFalse();
	}

	@Test
	void aBlankKeyIsAStartUpFailure() {
		assertThatExceptionOfType(InvalidClientKeysException.class)
			.isThrownBy(() -> ClientKeys.of(properties(List.of("key-one", " "), false)))
			.withMessage("router.proxy.keys[1] is blank.");
	}

	@Test
	void theFilterAnswersOpenAi401WithoutEchoingTheKey() throws Exception {
		ClientKeyFilter filter = new ClientKeyFilter(ClientKeys.of(properties(List.of("key-one"), false)),
				JsonMapper.builder().build());
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v1/chat/completions");
		request.addHeader("Authorization", "Bearer wrong-key");
		MockHttpServletResponse response = new MockHttpServletResponse();
		MockFilterChain chain = new MockFilterChain();
		filter.doFilter(request, response, chain);
		assertThat(chain.getRequest()).isNull();
		assertThat(response.getStatus()).isEqualTo(HttpServletResponse.SC_UNAUTHORIZED);
		assertThat(response.getContentType()).startsWith("application/json");
		assertThat(response.getContentAsString()).contains("\"code\":\"invalid_api_key\"", "\"param\":null")
			.doesNotContain("wrong-key");
		MockHttpServletRequest good = new MockHttpServletRequest("POST", "/v1/chat/completions");
		good.addHeader("Authorization", "Bearer key-one");
		MockFilterChain passed = new MockFilterChain();
		filter.doFilter(good, new MockHttpServletResponse(), passed);
		assertThat(passed.getRequest()).isSameAs(good);
	}

	@Test
	void theApplicationRefusesToStartWithoutKeysAndSaysWhatToSet(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(RouterProxyApplication.class)
			.web(WebApplicationType.NONE);
		assertThatExceptionOfType(RuntimeException.class)
			.isThrownBy(() -> application.run("--router.proxy.keys=").close());
		assertThat(output).contains("The proxy has no client keys: router.proxy.keys is empty",
				"Set router.proxy.keys", "router.proxy.allow-anonymous=true");
	}

	private static ProxyProperties properties(List<String> keys, boolean allowAnonymous) {
		ProxyProperties properties = new ProxyProperties();
		properties.setKeys(keys);
		properties.setAllowAnonymous(allowAnonymous);
		return properties;
	}

}
