package io.github.airouter.samples.fake;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.Profiles;

/**
 * Starts the {@linkplain FakeProviders#standard() fake providers} as soon as the environment
 * is ready (after the configuration files are read, before any bean exists), unless the
 * {@code real} profile is active or {@code demo.fake.enabled} is {@code false}. Their base
 * URLs become the properties {@code demo.fake.<resource>} that {@code application.yml}
 * refers to, so the router builds its clients against them; the fakes become the bean
 * {@code fakeProviders}, and stop with the application.
 * <p>
 * An application registers it in its own {@code META-INF/spring.factories} (the router
 * demo and the proxy do), so it works for {@code SpringApplication.run} and for tests
 * alike; depending on this module alone starts nothing.
 */
public class FakeProvidersListener implements SmartApplicationListener {

	/** The profile that talks to real deployments instead. */
	public static final String REAL_PROFILE = "real";

	/** The name of the bean the fakes become. */
	public static final String BEAN_NAME = "fakeProviders";

	private static final Log logger = LogFactory.getLog(FakeProvidersListener.class);

	private @Nullable FakeProviders fakes;

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return ApplicationEnvironmentPreparedEvent.class.isAssignableFrom(eventType)
				|| ApplicationPreparedEvent.class.isAssignableFrom(eventType)
				|| ContextClosedEvent.class.isAssignableFrom(eventType)
				|| ApplicationFailedEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
			start(prepared.getEnvironment());
		}
		else if (event instanceof ApplicationPreparedEvent prepared && this.fakes != null) {
			prepared.getApplicationContext().getBeanFactory().registerSingleton(BEAN_NAME, this.fakes);
		}
		else if (event instanceof ContextClosedEvent || event instanceof ApplicationFailedEvent) {
			stop();
		}
	}

	private synchronized void start(ConfigurableEnvironment environment) {
		if (this.fakes != null || environment.acceptsProfiles(Profiles.of(REAL_PROFILE))
				|| !environment.getProperty("demo.fake.enabled", Boolean.class, true)) {
			return;
		}
		FakeProviders fakes = FakeProviders.standard().start();
		environment.getPropertySources().addLast(new MapPropertySource("demoFakeProviders", fakes.properties()));
		this.fakes = fakes;
		if (logger.isInfoEnabled()) {
			logger.info("Started local fakes of Azure OpenAI and OpenAI: " + fakes);
		}
	}

	private synchronized void stop() {
		if (this.fakes != null) {
			this.fakes.close();
			this.fakes = null;
		}
	}

	/**
	 * After Spring Boot's own listeners, so that the configuration files and the active
	 * profiles are known.
	 */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
