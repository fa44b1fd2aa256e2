/**
 * What the budget gate is told about a call's size. The token estimate (o200k, calibrated) is good for
 * compaction decisions but not an upper bound: whitespace-heavy or unusual text can hold several times more
 * tokens than o200k counts, and the calibration skips such jumps. A reservation must be an upper bound, so the
 * gate gets the larger of the calibrated estimate and a bound built from what the provider last billed:
 *
 * - after a call that only appended messages, the last billed prompt plus the new messages at one token per
 *   {@link charactersPerToken} characters of JSON (the checkpoint, if any, is reused, so what is sent grows by
 *   exactly those messages);
 * - otherwise (the first call, a rewritten history) the whole request at that rate.
 *
 * Without a checkpoint the calibrated estimate (of the full history, which is then what is sent) is a floor.
 *
 * And what the call is *expected* to cost, for the gate to fall back on near a limit: the last billed prompt plus the new messages at
 * 4 characters a token, with the part the provider cached on the last call (within the cache's lifetime) read from the cache, and an output like the
 * session's recent ones rather than the request's cap.
 *
 * @module
 */
import type { LiveSession } from "../session/live-session.js";
import type { ProviderFormat } from "../transcript/types.js";
import { jsonSize } from "./unprepared.js";

/** Characters of JSON per token assumed for a bound: more tokens than o200k or Claude count on real text. */
export const charactersPerToken = 3;

/** How long a provider keeps a cache entry it wrote (5 minutes, refreshed on every read). */
const cacheLifetimeMs = 5 * 60_000;

/** The sizes the gate is told. */
export interface GateSizes {
  /** An upper bound of the prompt tokens (in practice). */
  promptTokens: number;
  /** What the call is expected to cost, when the session has a previous call to go by. */
  expected?: { promptTokens: number; cachedPromptTokens: number; outputTokens: number };
}

/**
 * Sizes of a call: `calibrated` is the calibrated estimate of the full prompt; `appended` the raw messages added
 * since the last call when the history only grew, undefined otherwise.
 */
export function gateSizes(input: {
  state: LiveSession;
  format: ProviderFormat;
  params: Record<string, unknown>;
  calibrated: number;
  appended: readonly unknown[] | undefined;
  maxOutputTokens: number | undefined;
  now: number;
  /** Shadow mode: the request is sent as it is, never through the session's checkpoint. */
  shadow: boolean;
}): GateSizes {
  const { state } = input;
  const last = state.meta.lastUsage;
  const lastPrompt = last
    ? last.inputTokens + last.cacheReadTokens + last.cacheWrite5mTokens + last.cacheWrite1hTokens
    : undefined;
  const appendedSize = input.appended === undefined ? undefined : jsonSize(input.appended);
  let bound: number;
  if (lastPrompt !== undefined && appendedSize !== undefined) {
    bound = lastPrompt + Math.ceil(appendedSize / charactersPerToken);
  } else {
    bound = Math.ceil(jsonSize(input.params) / charactersPerToken);
  }
  // With a checkpoint, what is sent is the compacted view (the calibrated estimate is of the full history).
  const throughCheckpoint = state.meta.checkpoint !== undefined && !input.shadow;
  const promptTokens = throughCheckpoint ? bound : Math.max(input.calibrated, bound);
  if (!last || lastPrompt === undefined) return { promptTokens };
  const fresh = state.meta.lastCallAt !== undefined && input.now - state.meta.lastCallAt < cacheLifetimeMs;
  const cachedLast =
    last.cacheReadTokens +
    last.cacheWrite5mTokens +
    last.cacheWrite1hTokens +
    (input.format === "anthropic" ? 0 : last.inputTokens);
  const grown = appendedSize === undefined ? undefined : lastPrompt + Math.ceil(appendedSize / 4);
  const expectedPrompt = Math.min(promptTokens, grown ?? input.calibrated);
  const cap = input.maxOutputTokens;
  const recentOutput = Math.max(256, 2 * last.outputTokens);
  return {
    promptTokens,
    expected: {
      promptTokens: expectedPrompt,
      cachedPromptTokens: fresh ? Math.min(cachedLast, expectedPrompt) : 0,
      outputTokens: cap === undefined ? recentOutput : Math.min(cap, recentOutput),
    },
  };
}
