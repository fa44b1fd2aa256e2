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

/**
 * Predicts the prompt usage of the full history at this call, in calibrated tokens, and advances the
 * session's shadow cache. `caching` says whether the user's requests use the provider's cache at all
 * (Anthropic needs `cache_control`; OpenAI caches automatically).
 */
export function shadowUsage(
  state: LiveSession,
  format: ProviderFormat,
  model: string,
  now: number,
  calibration: Calibration,
  fixedEstimate: number,
  caching: boolean,
): PromptUsage {
  const segments: PromptSegment[] = [];
  const fixed = Math.max(0, Math.round(calibration.predict(fixedEstimate)));
  if (fixed > 0) segments.push({ hash: "fixed", tokens: fixed, ...(format === "anthropic" && caching ? { breakpoint: "5m" as const } : {}) });
  for (let index = 0; index < state.history.length; index++) {
    segments.push({ hash: state.historyHashes[index] as string, tokens: Math.round(calibration.scale(state.historyTokens[index] ?? 0)) });
  }
  const total = segments.reduce((sum, segment) => sum + segment.tokens, 0);
  if (format === "anthropic" && !caching) {
    return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
  }
  if (!state.shadowCache) {
    const saved = state.meta.shadowCache as Parameters<typeof createCacheSimulator>[0]["state"] | undefined;
    state.shadowCache =
      format === "anthropic"
        ? createCacheSimulator({ provider: "anthropic", model, mode: "automatic", ...(saved ? { state: saved } : {}) })
        : createCacheSimulator({ provider: "openai", model, ...(saved ? { state: saved } : {}) });
  }
  const usage = state.shadowCache.call(segments, now);
  state.meta.shadowCache = state.shadowCache.snapshot();
  return usage;
}
