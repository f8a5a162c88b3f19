package io.github.airouter.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock tests move by hand.
 */
public final class MutableClock extends Clock {

	private volatile Instant now;

	public MutableClock(Instant start) {
		this.now = start;
	}

	public static MutableClock atSecond(double seconds) {
		return new MutableClock(Instant.ofEpochMilli(Math.round(seconds * 1000)));
	}

	public void advance(Duration duration) {
		this.now = this.now.plus(duration);
	}

	public void setSecond(double seconds) {
		this.now = Instant.ofEpochMilli(Math.round(seconds * 1000));
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		return this;
	}

	@Override
	public Instant instant() {
		return this.now;
	}

}
