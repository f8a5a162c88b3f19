package io.github.airouter.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection to the proxy on a plain socket, for what a full client does not
 * do: declare a body and not send it, send a chunked body without its last chunk, hang up
 * in the middle of a stream. Every read gives up after a timeout.
 */
final class RawHttp implements AutoCloseable {

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	private final int port;

	/**
	 * Connect to the proxy.
	 * @param port its port
	 * @param timeout how long any read may wait
	 */
	RawHttp(int port, Duration timeout) throws IOException {
		this.port = port;
		this.socket = new Socket("127.0.0.1", port);
		this.socket.setSoTimeout((int) timeout.toMillis());
		this.in = new BufferedInputStream(this.socket.getInputStream());
		this.out = this.socket.getOutputStream();
	}

	/**
	 * Send a request's head and the start of its body, in one write.
	 * @param method the method
	 * @param path the path
	 * @param headers its header lines, e.g. {@code Content-Length: 10}
	 * @param body what to send of the body: all of it, part of it, or chunks
	 */
	void send(String method, String path, String headers, String body) throws IOException {
		String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + this.port + "\r\n" + headers;
		this.out.write((head + "\r\n" + body).getBytes(StandardCharsets.UTF_8));
		this.out.flush();
	}

	/**
	 * Read a response's status line and headers.
	 * @return the head
	 */
	Head head() throws IOException {
		String[] lines = readUntil("\r\n\r\n").split("\r\n");
		Map<String, String> headers = new LinkedHashMap<>();
		for (int i = 1; i < lines.length; i++) {
			int colon = lines[i].indexOf(':');
			if (colon > 0) {
				headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
						lines[i].substring(colon + 1).strip());
			}
		}
		return new Head(Integer.parseInt(lines[0].split(" ")[1]), headers);
	}

	/**
	 * Read a response's body, after its head: by its length, in chunks, or to the end of
	 * the connection.
	 * @param head the head read before
	 * @return the body
	 */
	String body(Head head) throws IOException {
		String length = head.headers().get("content-length");
		if (length != null) {
			return new String(this.in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
		}
		if (!"chunked".equalsIgnoreCase(head.headers().get("transfer-encoding"))) {
			return new String(this.in.readAllBytes(), StandardCharsets.UTF_8);
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		while (true) {
			int size = Integer.parseInt(readUntil("\r\n").strip().split(";")[0], 16);
			if (size == 0) {
				readUntil("\r\n");
				return body.toString(StandardCharsets.UTF_8);
			}
			body.write(this.in.readNBytes(size));
			readUntil("\r\n");
		}
	}

	/**
	 * Read until the text read ends with a marker.
	 * @param marker what to read up to
	 * @return the text read, the marker included
	 * @throws EOFException if the connection ends first
	 */
	String readUntil(String marker) throws IOException {
		ByteArrayOutputStream read = new ByteArrayOutputStream();
		byte[] end = marker.getBytes(StandardCharsets.UTF_8);
		while (!endsWith(read, end)) {
			int next = this.in.read();
			if (next < 0) {
				throw new EOFException("The connection ended before '" + marker.replace("\r\n", "\\r\\n")
						+ "'; read: " + read.toString(StandardCharsets.UTF_8));
			}
			read.write(next);
		}
		return read.toString(StandardCharsets.UTF_8);
	}

	private static boolean endsWith(ByteArrayOutputStream read, byte[] end) {
		if (read.size() < end.length) {
			return false;
		}
		byte[] bytes = read.toByteArray();
		for (int i = 0; i < end.length; i++) {
			if (bytes[bytes.length - end.length + i] != end[i]) {
				return false;
			}
		}
		return true;
	}

	/** Hang up. */
	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * A response's status line and headers.
	 *
	 * @param status the status
	 * @param headers the headers, by lower-case name
	 */
	record Head(int status, Map<String, String> headers) {
	}

}
