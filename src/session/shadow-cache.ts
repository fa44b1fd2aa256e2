/**
 * The counterfactual: how the provider would have billed the prompt had the full, uncompacted history been
 * sent. A cache simulator per session follows the full history call by call, so that the comparison prices
 * both sides with caching, the same way.
 *
 * @module
 */
import { createCacheSimulator, type PromptSegment, type PromptUsage } from "../cache/index.js";
import type { ProviderFormat } from "../transcript/types.js";
import type { Calibration } from "./calibration-state.js";
import type { LiveSession } from "./live-session.js";

/** Where a request caches: its system prompt and tools, the end of its conversation, and with which lifetime. */
export interface CacheLayout {
  fixed: boolean;
  messages: boolean;
  ttl: "5m" | "1h";
}

/**
 * Predicts the prompt usage of the full history at this call, in calibrated tokens, and advances the
 * session's shadow cache. `caching` says where the request caches (Anthropic: at its breakpoints; OpenAI:
 * everything), so the full history is cached the way the sent request is.
 */
export function shadowUsage(
  state: LiveSession,
  format: ProviderFormat,
  model: string,
  now: number,
  calibration: Calibration,
  fixedEstimate: number,
  caching: CacheLayout,
): PromptUsage {
  const anthropic = format === "anthropic";
  const segments: PromptSegment[] = [];
  const fixed = Math.max(0, Math.round(calibration.predict(fixedEstimate)));
  if (fixed > 0)
    segments.push({
      hash: "fixed",
      tokens: fixed,
      ...(anthropic && caching.fixed ? { breakpoint: caching.ttl } : {}),
    });
  for (let index = 0; index < state.history.length; index++) {
    segments.push({
      hash: state.historyHashes[index] as string,
      tokens: Math.round(calibration.scale(state.historyTokens[index] ?? 0)),
    });
  }
  const last = segments.at(-1);
  if (anthropic && caching.messages && last && state.history.length > 0)
    segments[segments.length - 1] = { ...last, breakpoint: caching.ttl };
  if (anthropic && !caching.fixed && !caching.messages) {
    const total = segments.reduce((sum, segment) => sum + segment.tokens, 0);
    return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
  }
  if (!state.shadowCache) {
    const saved = state.meta.shadowCache as Parameters<typeof createCacheSimulator>[0]["state"] | undefined;
    state.shadowCache = anthropic
      ? createCacheSimulator({ provider: "anthropic", model, ...(saved ? { state: saved } : {}) })
      : createCacheSimulator({ provider: "openai", model, ...(saved ? { state: saved } : {}) });
  }
  const usage = state.shadowCache.call(segments, now);
  state.meta.shadowCache = state.shadowCache.snapshot();
  return usage;
}
