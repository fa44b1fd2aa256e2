/**
 * What a replay needs to know about a transcript that does not depend on the strategy: how the history
 * evolves call by call (which prefix the next prompt keeps, which messages it adds) and, for context recall,
 * which salient tokens each recorded response drew from earlier tool output and where they last occur in the
 * history. Worked out once per transcript object and shared by every replay of it (every strategy, every
 * price model), so a replay's own work per call is proportional to the new messages, not the history.
 *
 * @module
 */
import { commonPrefix } from "../session/raw-hash.js";
import type { Message, RecordedCall, Transcript } from "../transcript/types.js";
import { messageHash } from "./message-hash.js";
import { messageSalient, textObservations, toolOutputSalient } from "./recall.js";
import { recordedTtl } from "./recorded-cache.js";

/** The recall probe of one call: tokens the response drew from earlier tool output. */
export interface RecallProbe {
  /** Salient tokens of the response that also occurred in tool output of the history sent. */
  tokens: string[];
  /**
   * For each token, the history indices of the tool outputs holding it, ascending: the first `counts[i]` of
   * `places[i]` are this call's (the array is shared with later calls, which append to it).
   */
  places: number[][];
  counts: number[];
}

/** One recorded call as the replay applies it. */
export interface CallStep {
  /** Messages of the previous history kept (the common prefix by content hash); the rest is cut off. */
  common: number;
  /** The call's prompt (the full history the agent sent). */
  prompt: readonly Message[];
  /** Content hashes of `prompt`, index-aligned. */
  hashes: readonly string[];
  /** The recall probe, or undefined when the response drew on no earlier tool output (or there is none). */
  recall?: RecallProbe;
  /**
   * Set when the recorded usage shows the provider lost the cache at this call for no reason the cache model
   * knows (the history only grew, on the same model, and the previous call was within the TTL, yet far less was read): the prompt
   * tokens the call still read. The replay evicts the same way, whatever the strategy.
   */
  evictedTo?: number;
  /**
   * Set when the recorded usage shows the cache outlived its nominal lifetime: the previous call was at least
   * the TTL earlier, the history only grew, yet the call read (nearly) all the previous call had cached (the
   * provider's expiry is not to the second). The gap in milliseconds; the replay shortens it to just under the
   * TTL, whatever the strategy, so that its cache survives too.
   */
  survivedGapMs?: number;
}

/** A recorded read this much below what the previous call left cached counts as an eviction. */
const evictionShare = 0.5;
/** ...and only when at least this many tokens were lost. */
const evictionMinimumTokens = 2048;

const memo = new WeakMap<Transcript, CallStep[]>();

/** The steps of a transcript, worked out on first use and memoised per transcript object. */
export function transcriptSteps(transcript: Transcript): CallStep[] {
  let steps = memo.get(transcript);
  if (!steps) {
    steps = buildSteps(transcript);
    memo.set(transcript, steps);
  }
  return steps;
}

function buildSteps(transcript: Transcript): CallStep[] {
  const steps: CallStep[] = [];
  const ttlMs = recordedTtl(transcript) === "1h" ? 3_600_000 : 300_000;
  const implicit = implicitCacheWrites(transcript);
  let history: string[] = [];
  const observations = textObservations(transcript);
  /** Token → history indices of the tool outputs holding it, ascending. */
  const occurrences = new Map<string, number[]>();
  const index = (message: Message, position: number) => {
    for (const token of toolOutputSalient(message, observations)) {
      let places = occurrences.get(token);
      if (!places) {
        places = [];
        occurrences.set(token, places);
      }
      places.push(position);
    }
  };
  for (const call of transcript.calls) {
    const prompt = transcript.messages.slice(call.promptStart, call.promptEnd);
    const hashes = prompt.map(messageHash);
    const common = commonPrefix(history, hashes);
    if (common < history.length) {
      // The agent rewrote its history (a provider-side compaction): recall bookkeeping starts over.
      occurrences.clear();
      for (let position = 0; position < common; position++) index(prompt[position] as Message, position);
    }
    for (let position = common; position < prompt.length; position++)
      index(prompt[position] as Message, position);
    history = hashes;
    const step: CallStep = { common, prompt, hashes };
    const response = call.responseIndex >= 0 ? transcript.messages[call.responseIndex] : undefined;
    if (response) {
      const tokens = [...messageSalient(response)].filter((token) => occurrences.has(token));
      if (tokens.length > 0)
        step.recall = {
          tokens,
          // The arrays only grow until a rewrite replaces them: share them, with the length at this call.
          places: tokens.map((token) => occurrences.get(token) ?? []),
          counts: tokens.map((token) => occurrences.get(token)?.length ?? 0),
        };
    }
    const previous = transcript.calls[steps.length - 1];
    const evictedTo =
      previous && common === steps.at(-1)?.prompt.length
        ? evictionAt(previous, call, ttlMs, implicit)
        : undefined;
    if (evictedTo !== undefined) step.evictedTo = evictedTo;
    const survivedGapMs =
      previous && common === steps.at(-1)?.prompt.length
        ? survivalAt(previous, call, ttlMs, implicit)
        : undefined;
    if (survivedGapMs !== undefined) step.survivedGapMs = survivedGapMs;
    steps.push(step);
  }
  return steps;
}

/**
 * What a call left in the cache: what it read or wrote; with implicit writes (OpenAI, which caches every
 * prompt it processes and reports no writes), its whole prompt.
 */
function cachedAfter(usage: NonNullable<RecordedCall["usage"]>, implicitWrites: boolean): number {
  const { inputTokens, cacheReadTokens, cacheWrite5mTokens, cacheWrite1hTokens } = usage;
  return cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens + (implicitWrites ? inputTokens : 0);
}

/**
 * True when the transcript's provider caches without reporting writes: some call read from the cache and
 * none reported a write (OpenAI's automatic prefix caching).
 */
function implicitCacheWrites(transcript: Transcript): boolean {
  let read = false;
  for (const call of transcript.calls) {
    if (!call.usage) continue;
    if (call.usage.cacheWrite5mTokens + call.usage.cacheWrite1hTokens > 0) return false;
    if (call.usage.cacheReadTokens > 0) read = true;
  }
  return read;
}

/** A read at least this share of what the previous call left cached counts as the cache having survived. */
const survivalShare = 0.9;

/** The idle gap before `call` when the recorded cache survived it although it was at least the TTL. */
function survivalAt(
  previous: RecordedCall,
  call: RecordedCall,
  ttlMs: number,
  implicitWrites: boolean,
): number | undefined {
  if (
    !previous.usage ||
    !call.usage ||
    previous.model !== call.model ||
    previous.timestamp === undefined ||
    call.timestamp === undefined
  )
    return undefined;
  const gap = call.timestamp - previous.timestamp;
  if (gap < ttlMs) return undefined;
  const cachedBefore = cachedAfter(previous.usage, implicitWrites);
  return cachedBefore > 0 && call.usage.cacheReadTokens >= cachedBefore * survivalShare ? gap : undefined;
}

/** Tokens still read at `call` when the recorded usage shows an unexplained cache loss since `previous`. */
function evictionAt(
  previous: RecordedCall,
  call: RecordedCall,
  ttlMs: number,
  implicitWrites: boolean,
): number | undefined {
  // A switch of model explains the loss: the cache is per model (the replay keeps one per model).
  if (!previous.usage || !call.usage || previous.model !== call.model) return undefined;
  if (
    previous.timestamp === undefined ||
    call.timestamp === undefined ||
    call.timestamp - previous.timestamp >= ttlMs
  ) {
    return undefined;
  }
  const cachedBefore = cachedAfter(previous.usage, implicitWrites);
  const read = call.usage.cacheReadTokens;
  return read < cachedBefore * evictionShare && cachedBefore - read >= evictionMinimumTokens
    ? read
    : undefined;
}

/**
 * For each call, how many times the recorded agent had rewritten its history before it (its own compactions:
 * a call whose prompt shares no message with the previous call's prompt starts a new epoch). Epoch 0 runs from
 * the first call; the list is index-aligned with {@link Transcript.calls} and never decreases.
 */
export function historyEpochs(transcript: Transcript): number[] {
  let epoch = 0;
  return transcriptSteps(transcript).map((step, index) => {
    if (index > 0 && step.common === 0) epoch++;
    return epoch;
  });
}
