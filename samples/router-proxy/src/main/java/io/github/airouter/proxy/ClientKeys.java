package io.github.airouter.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The bearer keys clients present, from {@code router.proxy.keys}. Only their SHA-256
 * digests are kept, and a presented key is compared with every one of them in constant
 * time, so neither the keys nor their lengths leak through timing.
 */
public final class ClientKeys {

	private final List<byte[]> digests;

	private ClientKeys(List<byte[]> digests) {
		this.digests = digests;
	}

	/**
	 * The client keys the properties configure.
	 * @param properties the proxy's properties
	 * @return the keys; {@linkplain #isAnonymous() anonymous} when none are configured and
	 * {@code router.proxy.allow-anonymous} is true
	 * @throws InvalidClientKeysException when no key is configured and anonymous access is
	 * not allowed, or when a key is blank
	 */
	public static ClientKeys of(ProxyProperties properties) {
		List<byte[]> digests = new ArrayList<>();
		List<String> keys = properties.getKeys();
		for (int i = 0; i < keys.size(); i++) {
			String key = keys.get(i);
			if (key == null || key.isBlank()) {
				throw new InvalidClientKeysException("router.proxy.keys[" + i + "] is blank.",
						"Give every client key a value, or remove the empty entry.");
			}
			digests.add(sha256(key.strip()));
		}
		if (digests.isEmpty() && !properties.isAllowAnonymous()) {
			throw new InvalidClientKeysException(
					"The proxy has no client keys: router.proxy.keys is empty, so anyone who reaches its port could "
							+ "spend the deployments' quota.",
					"Set router.proxy.keys (for example the environment variable ROUTER_PROXY_KEYS=key-1,key-2) and "
							+ "give clients one each; or, on a trusted network only, set "
							+ "router.proxy.allow-anonymous=true to serve without keys.");
		}
		return new ClientKeys(List.copyOf(digests));
	}

	/**
	 * Whether clients need no key: none is configured and anonymous access is allowed.
	 * @return whether every request is accepted
	 */
	public boolean isAnonymous() {
		return this.digests.isEmpty();
	}

	/**
	 * Whether a request with this {@code Authorization} header may pass.
	 * @param authorization the header's value, or {@code null}
	 * @return whether it carries one of the keys (always true when anonymous)
	 */
	public boolean accepts(@Nullable String authorization) {
		if (isAnonymous()) {
			return true;
		}
		String key = bearer(authorization);
		if (key == null) {
			return false;
		}
		byte[] presented = sha256(key);
		boolean match = false;
		for (byte[] digest : this.digests) {
			// no early exit: every key is compared whichever matches
			match |= MessageDigest.isEqual(digest, presented);
		}
		return match;
	}

	/**
	 * The key of a {@code Bearer} authorization header.
	 * @param authorization the header's value, or {@code null}
	 * @return the key, or {@code null} when the header carries none
	 */
	static @Nullable String bearer(@Nullable String authorization) {
		if (authorization == null || authorization.length() <= 7
				|| !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return null;
		}
		String key = authorization.substring(7).strip();
		return key.isEmpty() ? null : key;
	}

	private static byte[] sha256(String key) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
		}
	}

	@Override
	public String toString() {
		return isAnonymous() ? "no client keys (anonymous access)" : this.digests.size() + " client key(s)";
	}

}
