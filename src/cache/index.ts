/**
 * The prompt-cache model: predicts, call by call, which prompt tokens a provider reads from its cache, writes
 * to it (5-minute or 1-hour) or bills as plain input. Input is a list of {@link PromptSegment}s per call,
 * so it works with any token counter; {@link segmentConversation} builds them from a neutral conversation.
 *
 * ```ts
 * const cache = createCacheSimulator({ provider: "anthropic", model: "claude-sonnet-4-5" });
 * const usage = cache.call(placeBreakpoints(segments, { prefixEnd: systemEnd }), Date.now());
 * ```
 *
 * @module
 */
import { type AnthropicCacheOptions, AnthropicCacheSimulator } from "./anthropic.js";
import { type OpenAICacheOptions, OpenAICacheSimulator } from "./openai.js";
import { InvalidOptionError } from "../errors.js";
import type { CacheSimulator } from "./types.js";

export {
  type AnthropicCacheOptions,
  AnthropicCacheSimulator,
  createAnthropicCacheSimulator,
  fiveMinutesMs,
  oneHourMs,
} from "./anthropic.js";
export { type BreakpointPolicy, placeBreakpoints } from "./breakpoints.js";
export {
  anthropicMinimumCacheableTokens,
  defaultAnthropicMinimumTokens,
  openAIHasExplicitBreakpoints,
  parseClaudeModel,
} from "./models.js";
export {
  createOpenAICacheSimulator,
  type OpenAICacheOptions,
  OpenAICacheSimulator,
  openAIBreakpointTtlMs,
  openAIExtendedTtlMs,
  openAIInMemoryTtlMs,
} from "./openai.js";
export {
  contentHash,
  type SegmentedPrompt,
  type SegmentPlace,
  type SegmentTokenCounter,
  segmentConversation,
} from "./segments.js";
export type {
  CacheSimulator,
  CacheSimulatorState,
  CacheTtl,
  CacheWarning,
  PromptSegment,
  PromptUsage,
  SerializedCacheEntry,
} from "./types.js";

/** Options of {@link createCacheSimulator}: the provider, then that provider's options. */
export type CacheSimulatorOptions =
  | ({ provider: "anthropic" } & AnthropicCacheOptions)
  | ({ provider: "openai" } & OpenAICacheOptions);

/**
 * Creates a prompt-cache simulator for one provider and model. Anthropic: `mode` is `"explicit"` (the
 * segments' breakpoints) or `"automatic"` (top-level `cache_control`), `ttl` the automatic lifetime. OpenAI:
 * `mode` is `"automatic"` (prefix caching) or `"explicit"` (GPT-5.6+ breakpoints), `retention` the lifetime.
 */
export function createCacheSimulator(options: CacheSimulatorOptions): CacheSimulator {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createCacheSimulator expects an options object");
  }
  const provider: unknown = options.provider;
  if (provider !== "anthropic" && provider !== "openai") {
    throw new InvalidOptionError("provider", '"anthropic" or "openai"', provider);
  }
  return provider === "anthropic"
    ? new AnthropicCacheSimulator(options as AnthropicCacheOptions)
    : new OpenAICacheSimulator(options as OpenAICacheOptions);
}
