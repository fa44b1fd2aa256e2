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
 * What the call really sent, to anchor the counterfactual on: the prompt tokens the provider reported, and
 * the estimated (uncalibrated) tokens of the messages sent and of the full history's messages.
 */
export interface ShadowAnchor {
  /** Prompt tokens the provider reported for this call (all cache fields included). */
  promptTokens: number;
  /** Estimated tokens of the messages that were sent (the compacted view, or the full history). */
  sentMessagesEstimate: number;
  /** Estimated tokens of the full history's messages. */
  fullMessagesEstimate: number;
  /** Estimated tokens of the fixed parts sent (system prompt, tools). */
  fixedEstimate: number;
  /** Id of the checkpoint the sent view was built from; `undefined` when the full history was sent. */
  checkpointId: string | undefined;
}

/**
 * What the counterfactual remembers between calls (in memory; after a restart it starts again from the
 * anchor below):
 *
 * - `fit`: provider tokens of the agent's own messages against their estimate, learnt only from clean steps
 *   (consecutive calls sent from the same view, no checkpoint or the same one, the history only appended to),
 *   where the step is exactly the messages the agent appended. The session's calibration also learns across compactions, whose
 *   content (placeholders, summaries) tokenizes differently, and its offset drifts with the compacted views
 *   (it went negative on masked views, which dropped the fixed parts from the counterfactual and priced its
 *   whole prompt as a cache miss).
 * - `fullTokens`: the counterfactual prompt of the previous call, so that the next one is that plus what
 *   the agent appended: exact on a clean step (the sent prompt grew by exactly the appended messages), the
 *   appended messages' estimate times `ratio` otherwise.
 */
interface CounterfactualMemory {
  /** Least-squares sums over clean steps of `Δtrue ≈ ratio × Δestimate + overhead × Δmessages`. */
  fit: { ee: number; en: number; nn: number; et: number; nt: number };
  last?: {
    checkpointId: string | undefined;
    historyLength: number;
    sentEstimate: number;
    fullEstimate: number;
    sentTokens: number;
    fullTokens: number;
  };
}

const memories = new WeakMap<LiveSession, CounterfactualMemory>();
/**
 * Drops what the counterfactual learnt in this process (after a refresh from the store, the history it learnt
 * on may have moved on elsewhere): the next call anchors afresh, as after a restart.
 */
export function forgetCounterfactual(state: LiveSession): void {
  memories.delete(state);
  state.shadowCache = undefined;
  state.shadowSegments = undefined;
  state.shadowDirtyFrom = 0;
}

/** Weight kept by earlier steps at each new clean step: the appended messages are like the latest ones. */
const fitDecay = 0.7;

function memoryOf(state: LiveSession): CounterfactualMemory {
  let memory = memories.get(state);
  if (memory === undefined) {
    memory = { fit: { ee: 0, en: 0, nn: 0, et: 0, nt: 0 } };
    memories.set(state, memory);
  }
  return memory;
}

/**
 * Provider tokens of appended messages from their estimate: `ratio × estimate + overhead × messages`, fitted
 * by least squares on the clean steps so far, the latest weighted most (each earlier step keeps `fitDecay` of
 * its weight per step: an agent's messages drift in kind over a session, and appended messages are like the
 * latest ones). Per-message overhead (roles, ids, framing) differs between the estimate and the provider's
 * count, hence the second term. `undefined` before any clean step.
 */
function appendedModel(fit: CounterfactualMemory["fit"]): { ratio: number; overhead: number } | undefined {
  if (fit.ee <= 0) return undefined;
  const det = fit.ee * fit.nn - fit.en * fit.en;
  if (det > 1e-9 * fit.ee * fit.nn) {
    const ratio = (fit.et * fit.nn - fit.en * fit.nt) / det;
    const overhead = (fit.ee * fit.nt - fit.en * fit.et) / det;
    if (ratio >= 0.5 && ratio <= 3) return { ratio, overhead };
  }
  // Every step appended the same number of messages (or the fit is implausible): one ratio.
  return { ratio: fit.et / fit.ee, overhead: 0 };
}

/**
 * The counterfactual's prompt size at this call, in provider tokens, and the ratio its messages are scaled
 * with. Called once per call, before the shadow segments are synced (it reads which history messages changed).
 *
 * - The full history was sent: the reported prompt, exactly.
 * - Only appended to since the previous call: the previous call's counterfactual plus the appended messages,
 *   measured (clean step: the reported prompt's growth) or estimated (`ratio ×` their estimate).
 * - Otherwise (first call seen, history rewritten): the anchor, the reported prompt plus `ratio ×` the
 *   estimated tokens the compaction took out.
 */
function counterfactualSize(
  state: LiveSession,
  anchor: ShadowAnchor,
  fallbackRatio: number,
): { tokens: number; ratio: number } {
  const memory = memoryOf(state);
  const sentEstimate = anchor.fixedEstimate + anchor.sentMessagesEstimate;
  const fullEstimate = anchor.fixedEstimate + anchor.fullMessagesEstimate;
  const last = memory.last;
  const appendedOnly =
    last !== undefined &&
    state.history.length >= last.historyLength &&
    (state.shadowDirtyFrom === undefined || state.shadowDirtyFrom >= last.historyLength);
  const sameView = appendedOnly && last.checkpointId === anchor.checkpointId;
  const appendedMessages = appendedOnly ? state.history.length - last.historyLength : 0;
  if (sameView) {
    const estimateStep = sentEstimate - last.sentEstimate;
    const trueStep = anchor.promptTokens - last.sentTokens;
    const stepRatio = trueStep / estimateStep;
    if (estimateStep >= 32 && stepRatio >= 0.5 && stepRatio <= 3) {
      const fit = memory.fit;
      fit.ee *= fitDecay;
      fit.en *= fitDecay;
      fit.nn *= fitDecay;
      fit.et *= fitDecay;
      fit.nt *= fitDecay;
      fit.ee += estimateStep * estimateStep;
      fit.en += estimateStep * appendedMessages;
      fit.nn += appendedMessages * appendedMessages;
      fit.et += estimateStep * trueStep;
      fit.nt += appendedMessages * trueStep;
    }
  }
  const model = appendedModel(memory.fit) ?? { ratio: fallbackRatio, overhead: 0 };
  const ratio = model.ratio;
  let tokens: number;
  if (anchor.checkpointId === undefined) tokens = anchor.promptTokens;
  else if (sameView) tokens = last.fullTokens + (anchor.promptTokens - last.sentTokens);
  else if (appendedOnly)
    tokens = last.fullTokens + ratio * (fullEstimate - last.fullEstimate) + model.overhead * appendedMessages;
  else tokens = anchor.promptTokens + ratio * (anchor.fullMessagesEstimate - anchor.sentMessagesEstimate);
  tokens = Math.max(0, Math.round(tokens));
  memory.last = {
    checkpointId: anchor.checkpointId,
    historyLength: state.history.length,
    sentEstimate,
    fullEstimate,
    sentTokens: anchor.promptTokens,
    fullTokens: tokens,
  };
  return { tokens, ratio };
}

/**
 * Predicts the prompt usage of the full history at this call, in calibrated tokens, and advances the
 * session's shadow cache. `caching` says where the request caches (Anthropic: at its breakpoints; OpenAI:
 * everything), so the full history is cached the way the sent request is. The prompt's size comes from
 * `counterfactualSize`: the fixed parts' slot takes whatever the messages do not account for.
 */
export function shadowUsage(
  state: LiveSession,
  format: ProviderFormat,
  model: string,
  now: number,
  calibration: Calibration,
  anchor: ShadowAnchor,
  caching: CacheLayout,
): PromptUsage {
  const anthropic = format === "anthropic";
  const size = counterfactualSize(state, anchor, calibration.scale(1));
  const shadow = syncShadowSegments(state, size.ratio);
  const fixed = Math.max(0, size.tokens - shadow.messageTokens);
  if (anthropic && !caching.fixed && !caching.messages) {
    return { inputTokens: fixed + shadow.messageTokens, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 };
  }
  // segments[0] is the fixed parts' slot. It is always there, even at 0 tokens: dropping it would change every
  // prefix key after it, and the simulator would then see a cold cache (a whole prompt priced as a write).
  const withFixed = true;
  const segments = shadow.segments;
  segments[0] = {
    hash: "fixed",
    tokens: fixed,
    ...(anthropic && caching.fixed ? { breakpoint: caching.ttl } : {}),
  };
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
 * changed index on are rebuilt, and every message is re-scaled only when the ratio changed.
 * Tokens are `round(ratio × estimate)` per message, as a rebuild from scratch would give.
 */
function syncShadowSegments(state: LiveSession, ratio: number): ShadowSegments {
  const length = state.history.length;
  const hashes = state.historyHashes;
  const counts = state.historyTokens;
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
      const tokens = Math.round(ratio * (counts[index] ?? 0));
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
    const tokens = Math.round(ratio * (counts[index] ?? 0));
    segments.push({ hash: hashes[index] as string, tokens });
    shadow.messageTokens += tokens;
  }
  shadow.simulatedUnchanged = Math.min(shadow.simulatedUnchanged, from);
  return shadow;
}
