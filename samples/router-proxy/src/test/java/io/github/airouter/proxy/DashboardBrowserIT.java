package io.github.airouter.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard at {@code /} in a real browser: headless Chromium, driven by Selenium
 * through the system's chromedriver (Debian's {@code chromium} and {@code chromium-driver}:
 * {@code /usr/bin/chromium}, {@code /usr/bin/chromedriver}, or those {@code ROUTER_CHROMIUM}
 * and {@code ROUTER_CHROMEDRIVER} name; Selenium Manager is never asked to find or download
 * anything). It loads, lists every deployment of
 * {@code /actuator/router}, its usage bars and charts move after routed calls, and a
 * deployment cooling down after a 429 is marked. Without Chromium and chromedriver the
 * test is skipped with one line saying so, unless {@code ROUTER_REQUIRE_BROWSER=true} (CI),
 * which makes it fail instead.
 * <p>
 * Its own application context (the {@code properties} below): the fakes of a context
 * shared with other tests would have served their calls, moving the bars and using up the
 * shared deployment's quota before this test could watch it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.application.name=router-proxy-dashboard-test")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserIT {

	/** The environment variable that turns a missing browser into a failure. */
	static final String REQUIRED_BY = "ROUTER_REQUIRE_BROWSER";

	/** The browser: Debian's by default, another with {@code ROUTER_CHROMIUM}. */
	private static final Path CHROMIUM = Path.of(orDefault(System.getenv("ROUTER_CHROMIUM"), "/usr/bin/chromium"));

	/** Its driver, of the same version: Debian's by default, another with {@code ROUTER_CHROMEDRIVER}. */
	private static final Path CHROMEDRIVER = Path
		.of(orDefault(System.getenv("ROUTER_CHROMEDRIVER"), "/usr/bin/chromedriver"));

	/** The deployment whose quota another application shares: a 429 after its 8th call. */
	private static final String SHARED = "azure-eu/gpt-4o";

	/** Longer than a few of the page's 2-second refreshes. */
	private static final Duration PATIENCE = Duration.ofSeconds(20);

	private static final Path SCREENSHOT = Path.of("target", "dashboard-browser-it.png");

	private static ChromeDriverService service;

	private static WebDriver browser;

	private static Path profile;

	private static ProxyClient client;

	@LocalServerPort
	private int port;

	private static Optional<String> missing = Optional.empty();

	@BeforeAll
	static void startTheBrowser() throws IOException {
		if (!Prerequisites.isExecutable(CHROMIUM)) {
			missing = Optional.of(CHROMIUM + " not found (apt-get install chromium chromium-driver)");
			return;
		}
		if (!Prerequisites.isExecutable(CHROMEDRIVER)) {
			missing = Optional.of(CHROMEDRIVER + " not found (apt-get install chromium-driver)");
			return;
		}
		// a Chromium without a CDP binding of Selenium's own version is fine: WebDriver only
		Logger.getLogger("org.openqa.selenium.chromium.ChromiumDriver").setLevel(Level.SEVERE);
		Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder").setLevel(Level.SEVERE);
		profile = Files.createTempDirectory("dashboard-chromium-");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		// as root in a container, on a machine without network: no sandbox, no background calls
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
				"--user-data-dir=" + profile, "--window-size=1400,1000");
		// the driver named here: Selenium Manager is not run
		service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		browser = new ChromeDriver(service, options);
	}

	@AfterAll
	static void quit() throws IOException {
		if (browser != null) {
			browser.quit();
		}
		if (service != null) {
			service.stop();
		}
		if (profile != null) {
			try (Stream<Path> files = Files.walk(profile)) {
				for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
					Files.deleteIfExists(file);
				}
			}
		}
	}

	@BeforeEach
	void open() {
		Prerequisites.skipUnlessPresent("DashboardBrowserIT", REQUIRED_BY, missing);
		if (client == null) {
			client = new ProxyClient(this.port);
			browser.get("http://127.0.0.1:" + this.port + "/");
		}
	}

	@Test
	@Order(1)
	void theDashboardLoadsAndShowsEveryDeployment() {
		waitUntil("the page reads /actuator/router",
				() -> browser.findElement(By.id("status")).getText().equals("live"));
		assertThat(browser.getTitle()).isEqualTo("router-proxy");
		Map<String, List<String>> expected = new LinkedHashMap<>();
		for (JsonNode group : router().path("modelGroups")) {
			List<String> ids = new ArrayList<>();
			group.path("deployments").forEach((deployment) -> ids.add(deployment.path("id").asString()));
			expected.put(group.path("name").asString(), ids);
		}
		assertThat(expected).hasSize(3);
		// what the page shows, read in one go: it replaces its rows at every refresh
		Map<String, List<String>> shown = read(() -> {
			Map<String, List<String>> groups = new LinkedHashMap<>();
			for (WebElement section : browser.findElements(By.cssSelector("main section"))) {
				String model = section.getDomAttribute("data-model");
				assertThat(section.findElement(By.tagName("h2")).getText()).startsWith(model + " ");
				List<String> ids = new ArrayList<>();
				for (WebElement row : section.findElements(By.cssSelector("tbody tr"))) {
					String id = row.getDomAttribute("data-deployment");
					assertThat(row.getText()).contains(id);
					assertThat(row.findElements(By.cssSelector("svg.chart"))).as("a chart for %s", id).hasSize(1);
					ids.add(id);
				}
				groups.put(model, ids);
			}
			return groups;
		});
		assertThat(shown).isEqualTo(expected);
	}

	@Test
	@Order(2)
	void usageBarsAndChartsMoveAfterRoutedCalls() {
		waitUntil("a first refresh", () -> browser.findElements(By.cssSelector("tbody tr")).size() == 7);
		for (String id : List.of("azure-us/gpt-4o", "openai/gpt-4o", "openai/text-embedding-3-small")) {
			assertThat(read(() -> barWidth(id, "requests"))).as("%s before any call", id).isZero();
		}
		for (int call = 0; call < 6; call++) {
			chat();
		}
		for (int call = 0; call < 4; call++) {
			assertThat(client.post("/v1/embeddings", RouterProxyApplicationTests.KEY,
					"{\"model\":\"text-embedding-3-small\",\"input\":\"routing\"}").statusCode())
				.isEqualTo(200);
		}
		List<String> used = new ArrayList<>();
		for (JsonNode group : router().path("modelGroups")) {
			for (JsonNode deployment : group.path("deployments")) {
				if (deployment.at("/usage/requests").asLong() > 0) {
					used.add(deployment.path("id").asString());
				}
			}
		}
		assertThat(used).as("the calls went to several deployments").hasSizeGreaterThanOrEqualTo(4);
		for (String id : used) {
			waitUntil(id + "'s requests and tokens bars move",
					() -> barWidth(id, "requests") > 0 && barWidth(id, "tokens") > 0);
			waitUntil(id + "'s chart draws its usage", () -> {
				WebElement chart = row(id).findElement(By.cssSelector("svg.chart"));
				return Integer.parseInt(chart.getDomAttribute("data-samples")) >= 2
						&& Long.parseLong(chart.getDomAttribute("data-peak-requests")) > 0
						&& chart.findElements(By.cssSelector("polyline.requests")).size() == 1;
			});
		}
		assertThat(read(() -> row(used.get(0)).findElement(By.cssSelector("[data-meter=requests]")).getText()))
			.matches("\\d+ / \\d+");
	}

	@Test
	@Order(3)
	void aDeploymentCoolingDownAfterA429IsMarked() throws IOException {
		assertThat(read(() -> row(SHARED).getDomAttribute("class"))).as("%s before its 429", SHARED).isNull();
		// gpt-4o's calls spread over its three deployments: the shared one answers 429 after its 8th
		int calls = 0;
		while (cooldownMillis(SHARED) == 0) {
			assertThat(calls++).as("calls before %s cools down", SHARED).isLessThan(40);
			chat();
		}
		waitUntil(SHARED + " is marked as cooling down", () -> {
			WebElement row = row(SHARED);
			return "cooling".equals(row.getDomAttribute("class"))
					&& row.findElements(By.cssSelector(".badge.bad")).size() == 1;
		});
		assertThat(read(() -> row(SHARED).findElement(By.cssSelector(".badge.bad")).getText()))
			.matches("\\d+\\.\\d s · rate-limited");
		assertThat(read(() -> row(SHARED).findElement(By.cssSelector(".error")).getText())).isNotBlank();
		assertThat(read(() -> browser.findElement(By.cssSelector("main section h2")).getText()))
			.contains("1 cooling down");
		waitUntil("the chart shades the cooldown",
				() -> !row(SHARED).findElements(By.cssSelector("svg.chart rect.cooling")).isEmpty());
		assertThat(read(() -> row(SHARED).findElement(By.cssSelector("svg.chart")).getDomAttribute("aria-label")))
			.matches(SHARED + ", last \\d min: peak \\d+ requests of 30 \\(\\d+%\\), peak [\\d,]+ tokens of 8,000 \\(\\d+%\\)");
		assertThat(read(() -> browser.findElements(By.cssSelector("tbody tr.cooling"))
			.stream()
			.map((cooling) -> cooling.getDomAttribute("data-deployment"))
			.toList())).as("rows marked as cooling down").containsExactly(SHARED);
		Path screenshot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
		Files.copy(screenshot, SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
	}

	private static String orDefault(String value, String otherwise) {
		return (value != null && !value.isBlank()) ? value : otherwise;
	}

	private static void chat() {
		assertThat(client.post("/v1/chat/completions", RouterProxyApplicationTests.KEY,
				"{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":16}")
			.statusCode()).isEqualTo(200);
	}

	private static JsonNode router() {
		return ProxyClient.json(client.get("/actuator/router", null));
	}

	private static long cooldownMillis(String id) {
		for (JsonNode group : router().path("modelGroups")) {
			for (JsonNode deployment : group.path("deployments")) {
				if (deployment.path("id").asString().equals(id)) {
					return deployment.path("cooldownRemainingMillis").asLong();
				}
			}
		}
		throw new IllegalArgumentException("No deployment " + id);
	}

	private static WebElement row(String id) {
		return browser.findElement(By.cssSelector("tr[data-deployment='" + id + "']"));
	}

	/** How wide the bar is drawn, in pixels: what a person sees, not what the script set. */
	private static int barWidth(String id, String meter) {
		return row(id).findElement(By.cssSelector("[data-meter=" + meter + "] .fill")).getSize().getWidth();
	}

	// the page replaces its rows at every refresh: an element found a moment ago may be gone
	private static void waitUntil(String what, BooleanSupplier condition) {
		new WebDriverWait(browser, PATIENCE).withMessage(what)
			.ignoring(StaleElementReferenceException.class)
			.until((driver) -> condition.getAsBoolean());
	}

	private static <T> T read(Supplier<T> reading) {
		return new WebDriverWait(browser, PATIENCE).ignoring(StaleElementReferenceException.class)
			.until((driver) -> Optional.ofNullable(reading.get()))
			.orElse(null);
	}

}
