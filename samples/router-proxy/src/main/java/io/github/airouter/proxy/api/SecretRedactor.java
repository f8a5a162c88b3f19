package io.github.airouter.proxy.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Removes from a provider's error message whatever could be a secret before it reaches a
 * client: every configured provider key, URLs (which may carry keys or signatures in their
 * query), {@code sk-...} style keys (OpenAI echoes part of a wrong key), bearer tokens and
 * {@code key=value} secrets.
 */
final class SecretRedactor {

	static final String REDACTED = "[redacted]";

	private static final int MAX_LENGTH = 1000;

	private static final Pattern URL = Pattern.compile("(?i)\\b(?:https?|wss?)://\\S+");

	private static final Pattern KEY_LIKE = Pattern.compile("\\b(?:sk|pk|rk)-[A-Za-z0-9_*.\\-]{4,}");

	private static final Pattern BEARER = Pattern.compile("(?i)\\bbearer\\s+\\S+");

	private static final Pattern ASSIGNED = Pattern
		.compile("(?i)\\b(api[-_]?key|key|token|secret|password|sig|signature|code)=[^&\\s\"',;]+");

	private final List<String> secrets;

	/**
	 * A redactor of the given secrets and of anything that looks like one.
	 * @param secrets the values to remove wherever they appear (blank ones are ignored)
	 */
	SecretRedactor(Collection<String> secrets) {
		List<String> kept = new ArrayList<>();
		for (String secret : secrets) {
			if (secret != null && !secret.isBlank()) {
				kept.add(secret.strip());
			}
		}
		// longest first, so that a key containing another is removed whole
		kept.sort(Comparator.comparingInt(String::length).reversed());
		this.secrets = List.copyOf(kept);
	}

	/**
	 * The text without secrets, at most 1000 characters.
	 * @param text a message from a provider
	 * @return the message, safe to return to a client
	 */
	String redact(String text) {
		String safe = text;
		for (String secret : this.secrets) {
			safe = safe.replace(secret, REDACTED);
		}
		safe = URL.matcher(safe).replaceAll("[url]");
		safe = KEY_LIKE.matcher(safe).replaceAll(REDACTED);
		safe = BEARER.matcher(safe).replaceAll("Bearer " + REDACTED);
		safe = ASSIGNED.matcher(safe).replaceAll("$1=" + REDACTED);
		return (safe.length() > MAX_LENGTH) ? safe.substring(0, MAX_LENGTH) + "..." : safe;
	}

}
