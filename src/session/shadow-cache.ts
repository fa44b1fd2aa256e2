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
import type { LiveSession, ShadowSegments } from "./live-session.js";

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
  const shadow = syncShadowSegments(state, calibration);
  const fixed = Math.max(0, Math.round(calibration.predict(fixedEstimate)));
  if (anthropic && !caching.fixed && !caching.messages) {
    const total = fixed + shadow.messageTokens;
    return { inputTokens: total, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
  }
  // segments[0] is the fixed parts' slot: filled in when they have tokens, left out otherwise (rare: copied).
  const withFixed = fixed > 0;
  let segments = shadow.segments;
  if (withFixed) {
    segments[0] = {
      hash: "fixed",
      tokens: fixed,
      ...(anthropic && caching.fixed ? { breakpoint: caching.ttl } : {}),
    };
  } else {
    segments = segments.slice(1);
  }
  const lastIndex = segments.length - 1;
  const last = segments[lastIndex];
  const markLast = anthropic && caching.messages && last !== undefined && state.history.length > 0;
  if (markLast) segments[lastIndex] = { ...last, breakpoint: caching.ttl };
  const unchangedBefore =
    shadow.withFixed === withFixed ? (withFixed ? 1 : 0) + shadow.simulatedUnchanged : 0;
  try {
    if (!state.shadowCache) {
      const saved = state.meta.shadowCache as Parameters<typeof createCacheSimulator>[0]["state"] | undefined;
      state.shadowCache = anthropic
        ? createCacheSimulator({ provider: "anthropic", model, ...(saved ? { state: saved } : {}) })
        : createCacheSimulator({ provider: "openai", model, ...(saved ? { state: saved } : {}) });
    }
    const usage = state.shadowCache.call(segments, now, unchangedBefore);
    shadow.withFixed = withFixed;
    shadow.simulatedUnchanged = shadow.segments.length - 1;
    state.meta.shadowCache = state.shadowCache.snapshot();
    return usage;
  } catch (error) {
    shadow.withFixed = undefined;
    throw error;
  } finally {
    if (markLast && last !== undefined) segments[lastIndex] = last;
  }
}

const fixedSlot: PromptSegment = { hash: "fixed", tokens: 0 };

/**
 * Brings the session's persistent shadow segments in line with its history: only messages from the first
 * changed index on are rebuilt, and every message is re-scaled only when the calibration's ratio changed.
 * Tokens are `round(scale(estimate))` per message, as a rebuild from scratch would give.
 */
function syncShadowSegments(state: LiveSession, calibration: Calibration): ShadowSegments {
  const length = state.history.length;
  const hashes = state.historyHashes;
  const counts = state.historyTokens;
  const ratio = calibration.scale(1);
  let shadow = state.shadowSegments;
  let from: number;
  if (
    shadow === undefined ||
    // Cheap consistency check: the kept segments must end where the history did at the last sync.
    (state.shadowDirtyFrom === undefined &&
      (shadow.segments.length - 1 !== length ||
        (length > 0 && shadow.segments[length]?.hash !== hashes[length - 1])))
  ) {
    shadow = { segments: [fixedSlot], messageTokens: 0, ratio, withFixed: undefined, simulatedUnchanged: 0 };
    state.shadowSegments = shadow;
    from = 0;
  } else {
    from = Math.min(state.shadowDirtyFrom ?? length, length, shadow.segments.length - 1);
  }
  delete state.shadowDirtyFrom;
  const segments = shadow.segments;
  if (shadow.ratio !== ratio) {
    shadow.ratio = ratio;
    let total = 0;
    for (let index = 0; index < from; index++) {
      const tokens = Math.round(calibration.scale(counts[index] ?? 0));
      const segment = segments[index + 1] as PromptSegment;
      if (segment.tokens !== tokens) segments[index + 1] = { hash: segment.hash, tokens };
      total += tokens;
    }
    shadow.messageTokens = total;
  } else {
    for (let index = from + 1; index < segments.length; index++)
      shadow.messageTokens -= (segments[index] as PromptSegment).tokens;
  }
  segments.length = from + 1;
  for (let index = from; index < length; index++) {
    const tokens = Math.round(calibration.scale(counts[index] ?? 0));
    segments.push({ hash: hashes[index] as string, tokens });
    shadow.messageTokens += tokens;
  }
  shadow.simulatedUnchanged = Math.min(shadow.simulatedUnchanged, from);
  return shadow;
}
