package io.github.airouter.autoconfigure;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * The keys of a LiteLLM {@code model_list} entry that the router knows but does not use:
 * LiteLLM's own features (credentials other than an API key and Entra ID, per-deployment retries,
 * pricing, budgets, tags, default request parameters, model metadata). A pasted entry that
 * carries them starts, and they are listed in one warning; any other key the router does
 * not know fails start-up. Written from LiteLLM's {@code GenericLiteLLMParams},
 * {@code LiteLLMParamsTypedDict} and {@code ModelInfo} types.
 *
 * @author airouter
 */
final class LiteLlmKeys {

	/** Prices, per unit, in litellm_params and model_info: input_cost_per_token, ... */
	private static final List<String> PRICE_PREFIXES = List.of("input_cost_per_", "output_cost_per_",
			"cache_creation_input_", "cache_read_input_");

	private static final Map<String, String> PARAMS = byUniformName(List.of(
			// credentials and endpoints other than api_key / api_base / api_version and the
			// Entra ID settings (azure_ad_token, tenant_id, client_id, client_secret, azure_scope)
			"organization", "azure_ad_token_provider", "azure_username", "azure_password", "litellm_credential_name",
			"configurable_clientside_auth_params", "custom_llm_provider", "region_name", "use_litellm_proxy",
			"use_in_pass_through", "use_chat_completions_api",
			// LiteLLM's per-deployment retries, concurrency and limits beyond tpm / rpm
			"max_retries", "num_retries", "max_parallel_requests", "itpm", "otpm",
			"keepalive_seconds", "allow_client_keepalive_override", "default_api_key_tpm_limit",
			"default_api_key_rpm_limit", "max_file_size_mb",
			// pricing and budgets (the *_cost_per_* keys are matched by prefix)
			"tiered_pricing", "search_context_cost_per_query", "citation_cost_per_token", "max_budget",
			"budget_duration",
			// tag routing, logging and LiteLLM behaviour
			"tags", "tag_regex", "provider_affinity_header", "litellm_trace_id", "metadata", "model_info",
			"base_model", "mock_response", "mock_timeout", "merge_reasoning_content_in_choices", "drop_params",
			"additional_drop_params", "allowed_openai_params",
			// default request parameters: a call's own options reach the deployment instead
			"temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens", "presence_penalty",
			"frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed", "user", "response_format",
			"tools", "tool_choice", "parallel_tool_calls", "reasoning_effort", "stream", "stream_options",
			"headers", "extra_headers", "extra_body", "dimensions", "encoding_format"));

	private static final Map<String, String> MODEL_INFO = byUniformName(List.of(
			// what the model is and what it costs
			"base_model", "tier", "description", "key", "litellm_provider", "max_tokens",
			"max_output_tokens", "output_vector_size", "supported_openai_params", "supported_reasoning_efforts",
			"tiered_pricing", "search_context_cost_per_query", "citation_cost_per_token", "ocr_cost_per_page",
			"annotation_cost_per_page", "ptu_count", "cost_per_ptu_per_hour", "ptu_effective_from",
			"ptu_effective_to",
			// LiteLLM proxy administration
			"db_model", "created_at", "created_by", "updated_at", "updated_by", "team_id", "team_public_model_name",
			"member_auto_router", "blocked", "discoverable", "access_groups", "access_windows", "allow_fail_open",
			"enable_tag_filtering", "internal_router_model"));

	/** What a model supports (supports_vision, ...) and its prices: matched by prefix. */
	private static final List<String> MODEL_INFO_PREFIXES = concat(List.of("supports_"), PRICE_PREFIXES);

	/** Limits LiteLLM's router also reads from model_info; the router reads them elsewhere. */
	private static final Map<String, String> MODEL_INFO_LIMITS = byUniformName(List.of("tpm", "rpm"));

	private LiteLlmKeys() {
	}

	/**
	 * Where in an entry a LiteLLM key sits.
	 */
	enum Section {

		/** {@code litellm_params}, the router's {@code params}. */
		PARAMS,

		/** {@code model_info}. */
		MODEL_INFO

	}

	/**
	 * LiteLLM's spelling of a key the router knows but does not use.
	 * @param section where the key sits
	 * @param key the key as written, in any case, with dashes or underscores
	 * @return the key as LiteLLM spells it, or {@code null} when LiteLLM has no such key
	 */
	static @Nullable String unused(Section section, String key) {
		String uniform = RouterKeys.uniform(key);
		String known = ((section == Section.PARAMS) ? PARAMS : MODEL_INFO).get(uniform);
		if (known != null) {
			return known;
		}
		List<String> prefixes = (section == Section.PARAMS) ? PRICE_PREFIXES : MODEL_INFO_PREFIXES;
		for (String prefix : prefixes) {
			String uniformPrefix = RouterKeys.uniform(prefix);
			if (uniform.startsWith(uniformPrefix) && uniform.length() > uniformPrefix.length()) {
				return key.toLowerCase(Locale.ROOT).replace('-', '_');
			}
		}
		return null;
	}

	/**
	 * The limit a key names when LiteLLM reads it from model_info, as the router spells it
	 * on an entry.
	 * @param section where the key sits
	 * @param key the key as written
	 * @return {@code tpm} or {@code rpm}, or {@code null} for any other key
	 */
	static @Nullable String limit(Section section, String key) {
		return (section == Section.MODEL_INFO) ? MODEL_INFO_LIMITS.get(RouterKeys.uniform(key)) : null;
	}

	/**
	 * The keys of a section, in LiteLLM's spelling, to suggest for a misspelt one.
	 * @param section the section
	 * @return the keys
	 */
	static Collection<String> names(Section section) {
		return ((section == Section.PARAMS) ? PARAMS : MODEL_INFO).values();
	}

	private static Map<String, String> byUniformName(List<String> names) {
		Map<String, String> byUniformName = new LinkedHashMap<>();
		for (String name : names) {
			byUniformName.put(RouterKeys.uniform(name), name);
		}
		return Collections.unmodifiableMap(byUniformName);
	}

	private static List<String> concat(List<String> first, List<String> second) {
		return Stream.concat(first.stream(), second.stream()).toList();
	}

}
