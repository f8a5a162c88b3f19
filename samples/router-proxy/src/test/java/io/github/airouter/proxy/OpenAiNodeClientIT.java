package io.github.airouter.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The official OpenAI client for Node.js against the proxy on a random port: the
 * {@code openai} package pinned in {@code src/test/node/package.json} is installed by
 * {@code npm ci} from the committed lockfile into {@code target/node-client}, then
 * {@code src/test/node/test.mjs} runs chat, streaming, embeddings, models, and a wrong key
 * (401), an unknown model (404) and a malformed request (400). Needs Node.js 20+ and npm on
 * the {@code PATH}: without them the test is skipped with one line saying so, unless {@code ROUTER_REQUIRE_NODE=true} (CI), which makes it fail instead.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class OpenAiNodeClientIT {

	private static final Path SOURCES = Path.of("src", "test", "node");

	private static final Path WORK = Path.of("target", "node-client");

	private static final List<String> FILES = List.of("package.json", "package-lock.json", "test.mjs");

	/** The environment variable that turns a missing Node.js into a failure. */
	static final String REQUIRED_BY = "ROUTER_REQUIRE_NODE";

	private static final int NODE_MAJOR = 20;

	private static final Pattern NODE_VERSION = Pattern.compile("v(\\d+)\\.");

	@LocalServerPort
	private int port;

	@Test
	void officialNodeClientTalksToTheProxy() throws Exception {
		Prerequisites.skipUnlessPresent("OpenAiNodeClientIT", REQUIRED_BY, missingNode());
		boolean installed = copySources();
		if (!installed) {
			// no global installs: the pinned version, from the lockfile, into target/
			Result npm = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), Map.of(),
					Duration.ofMinutes(3));
			assertThat(npm.exitCode()).as("npm ci in %s failed:%n%s", WORK.toAbsolutePath(), npm.output()).isZero();
		}
		Result test = run(List.of("node", "test.mjs"), Map.of("PROXY_BASE_URL", "http://127.0.0.1:" + this.port + "/v1",
				"PROXY_API_KEY", RouterProxyApplicationTests.KEY), Duration.ofMinutes(2));
		assertThat(test.exitCode()).as("node test.mjs failed:%n%s", test.output()).isZero();
		assertThat(test.output()).contains("node client checks: 9 of 9 passed");
		System.out.println(test.output().strip().lines().reduce((first, last) -> last).orElse(""));
	}

	/**
	 * Copy the client's sources to the work directory.
	 * @return whether the installed package is still the locked one (npm ci can be skipped)
	 */
	private static boolean copySources() throws IOException {
		Files.createDirectories(WORK);
		Path lock = WORK.resolve("package-lock.json");
		boolean sameLock = Files.exists(lock)
				&& Files.mismatch(lock, SOURCES.resolve("package-lock.json")) == -1
				&& Files.exists(WORK.resolve("node_modules/openai/package.json"));
		for (String file : FILES) {
			Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
		}
		return sameLock;
	}

	/**
	 * What the machine lacks to run the client.
	 * @return a description of what is missing, empty when Node.js 20+ and npm are there
	 */
	private static Optional<String> missingNode() throws InterruptedException {
		if (Prerequisites.onPath("node").isEmpty()) {
			return Optional.of("node not found on the PATH (the official OpenAI client for Node.js needs Node.js "
					+ NODE_MAJOR + "+ and npm)");
		}
		if (Prerequisites.onPath("npm").isEmpty()) {
			return Optional.of("npm not found on the PATH (node is there)");
		}
		try {
			Result version = run(List.of("node", "--version"), Map.of(), Duration.ofSeconds(30));
			Matcher major = NODE_VERSION.matcher(version.output());
			if (version.exitCode() != 0 || !major.find()) {
				return Optional.of("'node --version' failed (exit " + version.exitCode() + "): " + version.output().strip());
			}
			if (Integer.parseInt(major.group(1)) < NODE_MAJOR) {
				return Optional.of("node " + version.output().strip() + " is older than " + NODE_MAJOR);
			}
			return Optional.empty();
		}
		catch (IOException ex) {
			return Optional.of("node could not be run: " + ex.getMessage());
		}
	}

	private static Result run(List<String> command, Map<String, String> environment, Duration timeout)
			throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).directory(WORK.toFile())
			.redirectErrorStream(true);
		builder.environment().putAll(environment);
		Files.createDirectories(WORK);
		Process process = builder.start();
		process.getOutputStream().close();
		// output is read to its end before waiting: a full pipe would block the process
		StringBuilder output = new StringBuilder();
		Thread reader = new Thread(() -> {
			try {
				output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
			}
			catch (IOException ex) {
				output.append("(output unreadable: ").append(ex).append(')');
			}
		});
		reader.start();
		if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			process.destroyForcibly();
			reader.join(5000);
			fail("'%s' took more than %s:%n%s", String.join(" ", command), timeout, output);
		}
		reader.join(5000);
		return new Result(process.exitValue(), output.toString());
	}

	private record Result(int exitCode, String output) {
	}

}
