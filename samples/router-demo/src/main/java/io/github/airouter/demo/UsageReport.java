package io.github.airouter.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import io.github.airouter.deployment.Deployment;
import io.github.airouter.deployment.ModelGroup;
import io.github.airouter.routing.Router;
import io.github.airouter.samples.fake.FakeDeployment;
import io.github.airouter.samples.fake.FakeProviders;

/**
 * Where a burst went: one row per deployment with the calls it served, their tokens, the 429s
 * it answered, the cooldowns the router put it in, and the most requests and tokens any
 * 60-second window held against its limits. Against the fakes, served calls, tokens and 429s
 * are the provider's own count, and the peaks are what the router sent it, refused calls
 * included (on the deployment whose quota an unseen application shares, what the provider
 * served); against real deployments they are what the router saw.
 */
public final class UsageReport {

	private static final String[] HEADERS = { "deployment", "model", "calls", "prompt tok", "compl tok", "429s",
			"cooldowns", "peak req/60s", "peak tok/60s", "limit respected" };

	private final List<Row> rows;

	private final List<String> notes;

	private UsageReport(List<Row> rows, List<String> notes) {
		this.rows = List.copyOf(rows);
		this.notes = List.copyOf(notes);
	}

	/**
	 * The report of what the router and the providers saw.
	 * @param router the router
	 * @param tally what the router did
	 * @param fakes the fake providers, or {@code null} against real deployments
	 * @return the report
	 */
	public static UsageReport of(Router router, RoutingTally tally, @Nullable FakeProviders fakes) {
		List<Row> rows = new ArrayList<>();
		List<String> notes = new ArrayList<>();
		for (ModelGroup group : router.groups()) {
			for (Deployment deployment : group.deployments()) {
				RoutingTally.Snapshot seen = tally.of(deployment);
				Optional<FakeDeployment> fake = (fakes != null) ? fakes.find(deployment.apiBase(), deployment.target())
						: Optional.empty();
				Long rpm = deployment.limits().requestsPerMinute();
				Long tpm = deployment.limits().tokensPerMinute();
				// the router never sends more than the limits it is configured with...
				boolean respected = within(seen.peakRequests(), rpm) && within(seen.peakTokens(), tpm);
				long cooldownLeft = router.usageStore().cooldownRemaining(deployment).toSeconds();
				String id = deployment.id();
				Row row;
				if (fake.isPresent()) {
					FakeDeployment.Stats stats = fake.get().stats();
					// ...and never sends a provider more than its own limits, refused calls
					// included; where another application shares the quota unseen, only the
					// provider's own count of what it served can be judged
					long peakRequests = fake.get().isShared() ? stats.peakRequests() : stats.peakRouterRequests();
					long peakTokens = fake.get().isShared() ? stats.peakTokens() : stats.peakRouterTokens();
					respected &= peakRequests <= fake.get().rpm() && peakTokens <= fake.get().tpm();
					if (fake.get().isShared()) {
						id += " *";
						notes.add("* " + deployment.id() + " shares its quota with another application, which used "
								+ stats.neighbourRequests() + " requests (" + number(stats.neighbourTokens())
								+ " tokens) of it after the router's " + fake.get().sharedAfter()
								+ "th call: the router learnt it from a 429, cooled "
								+ "the deployment down for the Retry-After and retried the call on another deployment.");
					}
					row = new Row(id, group.name(), stats.served(), stats.promptTokens(), stats.completionTokens(),
							stats.tooManyRequests(), seen.cooldowns(), cooldownLeft, peakRequests, fake.get().rpm(),
							peakTokens, fake.get().tpm(), respected);
				}
				else {
					row = new Row(id, group.name(), seen.served(), seen.promptTokens(), seen.completionTokens(),
							seen.rateLimited(), seen.cooldowns(), cooldownLeft, seen.peakRequests(), rpm,
							seen.peakTokens(), tpm, respected);
				}
				rows.add(row);
			}
		}
		return new UsageReport(rows, notes);
	}

	private static boolean within(long peak, @Nullable Long limit) {
		return limit == null || peak <= limit;
	}

	/**
	 * The rows, in the order of the model list.
	 * @return the rows
	 */
	public List<Row> rows() {
		return this.rows;
	}

	/**
	 * Whether every deployment stayed within its limits.
	 * @return whether they did
	 */
	public boolean limitsRespected() {
		return this.rows.stream().allMatch(Row::limitRespected);
	}

	/**
	 * The report as a table, with notes.
	 * @return the text
	 */
	public String table() {
		List<String[]> cells = new ArrayList<>();
		cells.add(HEADERS);
		for (Row row : this.rows) {
			String cooldowns = Long.toString(row.cooldowns())
					+ ((row.cooldownLeftSeconds() > 0) ? " (" + row.cooldownLeftSeconds() + " s left)" : "");
			cells.add(new String[] { row.deployment(), row.model(), number(row.calls()), number(row.promptTokens()),
					number(row.completionTokens()), number(row.tooManyRequests()), cooldowns,
					ofLimit(row.peakRequests(), row.rpm()), ofLimit(row.peakTokens(), row.tpm()),
					row.limitRespected() ? "yes" : "NO" });
		}
		int[] widths = new int[HEADERS.length];
		for (String[] line : cells) {
			for (int i = 0; i < line.length; i++) {
				widths[i] = Math.max(widths[i], line[i].length());
			}
		}
		StringBuilder table = new StringBuilder();
		for (int n = 0; n < cells.size(); n++) {
			String[] line = cells.get(n);
			StringBuilder text = new StringBuilder();
			for (int i = 0; i < line.length; i++) {
				boolean left = i < 2 || i == 6 || i == line.length - 1;
				String format = "%" + (left ? "-" : "") + widths[i] + "s";
				text.append((i > 0) ? "  " : "").append(String.format(Locale.ROOT, format, line[i]));
			}
			table.append(text.toString().stripTrailing()).append('\n');
			if (n == 0) {
				table.append("-".repeat(text.toString().stripTrailing().length())).append('\n');
			}
		}
		for (String note : this.notes) {
			table.append(wrap(note, 100));
		}
		return table.toString();
	}

	private static String wrap(String text, int width) {
		StringBuilder wrapped = new StringBuilder();
		StringBuilder line = new StringBuilder();
		for (String word : text.split(" ")) {
			if (line.length() > 0 && line.length() + 1 + word.length() > width) {
				wrapped.append(line).append('\n');
				line.setLength(0);
				line.append("  ");
			}
			line.append((line.length() > 0 && !line.toString().isBlank()) ? " " : "").append(word);
		}
		return wrapped.append(line).append('\n').toString();
	}

	private static String ofLimit(long peak, @Nullable Long limit) {
		return number(peak) + " / " + ((limit != null) ? number(limit) : "-");
	}

	static String number(long value) {
		return String.format(Locale.ROOT, "%,d", value);
	}

	/**
	 * Hops to fallback models, for the summary.
	 * @param fallbacks the hops and their counts
	 * @return e.g. {@code 31 gpt-4o -> gpt-4o-mini}
	 */
	static String hops(Map<String, Long> fallbacks) {
		if (fallbacks.isEmpty()) {
			return "0";
		}
		List<String> hops = new ArrayList<>();
		fallbacks.forEach((hop, count) -> hops.add(count + " " + hop));
		return String.join(", ", hops);
	}

	/**
	 * One deployment's line.
	 *
	 * @param deployment the deployment id
	 * @param model the model name calls ask for
	 * @param calls calls served
	 * @param promptTokens prompt tokens served
	 * @param completionTokens completion tokens served
	 * @param tooManyRequests 429s answered
	 * @param cooldowns cooldowns the router put the deployment in
	 * @param cooldownLeftSeconds how long the deployment still cools down
	 * @param peakRequests the most requests any 60-second window held
	 * @param rpm the requests-per-minute limit, or {@code null}
	 * @param peakTokens the most tokens any 60-second window held
	 * @param tpm the tokens-per-minute limit, or {@code null}
	 * @param limitRespected whether no limit was exceeded
	 */
	public record Row(String deployment, String model, long calls, long promptTokens, long completionTokens,
			long tooManyRequests, long cooldowns, long cooldownLeftSeconds, long peakRequests, @Nullable Long rpm,
			long peakTokens, @Nullable Long tpm, boolean limitRespected) {
	}

}
