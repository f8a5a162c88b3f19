package io.github.airouter.proxy;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.fail;

/**
 * What the tests that drive a program outside the JVM (Node.js, Chromium) need from the
 * machine. Where it is missing such a test is skipped with one line saying what is
 * missing, so that {@code ./mvnw verify} passes with a JDK alone, unless the environment
 * variable that requires it is {@code true} (CI sets them): then it fails.
 * <p>
 * Call it from a test method or {@code @BeforeEach}, not {@code @BeforeAll}: surefire and
 * failsafe count a test aborted there as skipped, a class aborted in {@code @BeforeAll} as
 * no test at all.
 */
final class Prerequisites {

	/** The tests that have said why they skip: once each is enough. */
	private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

	private Prerequisites() {
	}

	/**
	 * Skip the calling test, or fail it when {@code requiredBy} is {@code true}, unless
	 * {@code missing} is empty.
	 * @param test the test's name, for the line printed
	 * @param requiredBy the environment variable that turns the skip into a failure
	 * @param missing what the machine lacks, empty when it has everything
	 */
	static void skipUnlessPresent(String test, String requiredBy, Optional<String> missing) {
		if (missing.isEmpty()) {
			return;
		}
		if (Boolean.parseBoolean(System.getenv(requiredBy))) {
			fail("%s failed: %s, and %s=true requires it", test, missing.get(), requiredBy);
		}
		String line = test + " skipped: " + missing.get() + " (set " + requiredBy + "=true to fail instead)";
		// surefire and failsafe count a skip without its reason: say it on the console, once
		if (SAID.add(test)) {
			System.out.println(line);
		}
		Assumptions.abort(line);
	}

	/**
	 * An executable on the {@code PATH}.
	 * @param name the command
	 * @return its path, or empty when no directory of the {@code PATH} has it
	 */
	static Optional<Path> onPath(String name) {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String directory : path.split(File.pathSeparator)) {
			if (directory.isEmpty()) {
				continue;
			}
			Path candidate = Path.of(directory, name);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				return Optional.of(candidate);
			}
		}
		return Optional.empty();
	}

	/**
	 * An executable at a fixed place.
	 * @param path where it should be
	 * @return whether it is there and executable
	 */
	static boolean isExecutable(Path path) {
		return Files.isRegularFile(path) && Files.isExecutable(path);
	}

}
