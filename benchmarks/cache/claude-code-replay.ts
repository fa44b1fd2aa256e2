/**
 * Replays one recorded Claude Code session through the Anthropic cache model and compares the predicted
 * cache reads and writes with the usage Claude Code recorded.
 *
 * What is inferred from the recording, and how:
 * - The scale from o200k to Claude's tokenizer and the hidden prefix (tools, system prompt and the context
 *   Claude Code injects into the first message, none of which the log keeps): a line
 *   `recorded prompt = hidden + scale x estimate` through the first three calls' recorded totals, its slope
 *   shrunk toward 1.25 when those calls are too alike to tell.
 * - The part of that prefix another session had already cached (the tools and the static system prompt are
 *   shared across sessions): the first call's recorded cache read. The simulator is primed with it one
 *   second before the first call.
 * - The lifetime Claude Code asked for: 1 hour when the first call's writes are mostly 1-hour writes.
 * - Optionally ({@link PromptSizes}), context injected without being logged, from each call's recorded total.
 * Breakpoints are placed as Claude Code places them: one after the shared prefix, one after the rest of the
 * system prompt, and one on the last block of each of the last two messages (four in all).
 *
 * @module
 */
import {
  type CacheTtl,
  createAnthropicCacheSimulator,
  placeBreakpoints,
  type PromptSegment,
  type PromptUsage,
  segmentConversation,
} from "../../src/cache/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import { countO200k } from "./o200k-counter.js";

/** How breakpoints are placed on the messages. */
export type BreakpointLayout = "last-two-messages" | "last-message" | "automatic";

/**
 * Where prompt sizes come from. `"estimated"`: the calibrated o200k estimate only. `"recorded"`: also the
 * recorded prompt total of each call, whose excess over the estimate is taken as context Claude Code injected
 * without logging it, added at the end of that call's prompt (and kept for later calls). The second isolates
 * the cache model's split from the token estimate.
 */
export type PromptSizes = "estimated" | "recorded";

/** The comparison for one session. */
export interface SessionResult {
  session: string;
  model: string;
  calls: number;
  scale: number;
  hiddenTokens: number;
  sharedPrefixTokens: number;
  ttl: CacheTtl;
  sizes: PromptSizes;
  recorded: { read: number; write: number; input: number };
  predicted: { read: number; write: number; input: number };
  /** Predicted over recorded cache reads. */
  readRatio: number;
  /** Predicted over recorded cache writes. */
  writeRatio: number;
}

interface CalibratedCall {
  timestamp: number | undefined;
  recordedTotal: number;
  recorded: PromptUsage;
  start: number;
  end: number;
  estimate: number;
}

function totalOf(usage: PromptUsage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

/** The documented o200k undercount of Claude (15-35%) puts the scale near 1.25 before any evidence. */
const priorScale = 1.25;
/**
 * Weight of that prior, in squared tokens of spread among the calibration calls' estimates: a spread of
 * 3,000 tokens counts as much as the prior. Three early calls often differ by a few hundred tokens only, and
 * text Claude Code injects but does not log (reminders, attachments) then swamps a plain least-squares slope.
 */
const priorWeight = 3000 ** 2;

/** Line `recorded = hidden + scale x estimate` through the first three calls, its slope shrunk to the prior. */
function calibrate(calls: readonly CalibratedCall[]): { scale: number; hidden: number } {
  const sample = calls.slice(0, 3);
  const meanX = sample.reduce((sum, call) => sum + call.estimate, 0) / sample.length;
  const meanY = sample.reduce((sum, call) => sum + call.recordedTotal, 0) / sample.length;
  let covariance = 0;
  let variance = 0;
  for (const call of sample) {
    covariance += (call.estimate - meanX) * (call.recordedTotal - meanY);
    variance += (call.estimate - meanX) ** 2;
  }
  const shrunk = (covariance + priorWeight * priorScale) / (variance + priorWeight);
  const scale = Math.min(1.6, Math.max(1, shrunk));
  return { scale, hidden: Math.max(0, meanY - scale * meanX) };
}

/** Replays `transcript` and compares predicted with recorded usage; undefined when it has under 3 calls. */
export function replayClaudeCodeSession(
  transcript: Transcript,
  layout: BreakpointLayout = "last-two-messages",
  sizes: PromptSizes = "estimated",
  onCall?: (
    index: number,
    recorded: PromptUsage,
    predicted: PromptUsage,
    timestamp: number | undefined,
  ) => void,
): SessionResult | undefined {
  const estimates = transcript.messages.map((message) =>
    message.content.reduce(
      (sum, block, blockIndex) =>
        sum + countO200k(block, { kind: "message", messageIndex: 0, blockIndex, message }),
      0,
    ),
  );
  const calls: CalibratedCall[] = [];
  for (const call of transcript.calls) {
    if (call.usage === undefined) continue;
    const recorded: PromptUsage = {
      inputTokens: call.usage.inputTokens,
      cacheReadTokens: call.usage.cacheReadTokens,
      cacheWrite5mTokens: call.usage.cacheWrite5mTokens,
      cacheWrite1hTokens: call.usage.cacheWrite1hTokens,
    };
    let estimate = 0;
    for (let index = call.promptStart; index < call.promptEnd; index++) estimate += estimates[index] ?? 0;
    calls.push({
      timestamp: call.timestamp,
      recorded,
      recordedTotal: totalOf(recorded),
      start: call.promptStart,
      end: call.promptEnd,
      estimate,
    });
  }
  const first = calls[0];
  if (calls.length < 3 || first === undefined) return undefined;
  const { scale, hidden } = calibrate(calls);
  const firstWrite = calls.find(
    (call) => call.recorded.cacheWrite5mTokens + call.recorded.cacheWrite1hTokens > 0,
  );
  const ttl: CacheTtl =
    firstWrite !== undefined &&
    firstWrite.recorded.cacheWrite1hTokens > firstWrite.recorded.cacheWrite5mTokens
      ? "1h"
      : "5m";
  const shared = Math.min(first.recorded.cacheReadTokens, hidden);
  const model = transcript.model ?? "claude-sonnet-4-5";
  const cache = createAnthropicCacheSimulator({
    model,
    ttl,
    ...(layout === "automatic" ? { mode: "automatic" } : {}),
  });
  const sharedSegment: PromptSegment = { hash: "hidden:shared", tokens: shared };
  const restSegment: PromptSegment = { hash: "hidden:session", tokens: hidden - shared };
  const head = shared > 0 ? [sharedSegment, restSegment] : [restSegment];
  if (shared > 0 && first.timestamp !== undefined) {
    cache.call([{ ...sharedSegment, breakpoint: ttl }], first.timestamp - 1000);
  }
  const count = (...parameters: Parameters<typeof countO200k>) => scale * countO200k(...parameters);
  const recorded = { read: 0, write: 0, input: 0 };
  const predicted = { read: 0, write: 0, input: 0 };
  const headTokens = hidden;
  const unlogged = new Map<number, number>();
  for (const [index, call] of calls.entries()) {
    const prompt = segmentConversation(
      { format: "anthropic", messages: transcript.messages.slice(call.start, call.end) },
      count,
    );
    if (sizes === "recorded" && call.end > call.start) {
      let total = headTokens;
      for (const item of prompt.segments) total += item.tokens;
      for (const [message, tokens] of unlogged)
        if (message >= call.start && message < call.end) total += tokens;
      if (call.recordedTotal > total) {
        unlogged.set(call.end - 1, (unlogged.get(call.end - 1) ?? 0) + call.recordedTotal - total);
      }
    }
    let segments: PromptSegment[] = [...head];
    const messageEnds: number[] = [];
    let from = 0;
    prompt.messageEnds.forEach((end, offset) => {
      for (let position = from; position <= end; position++)
        segments.push(prompt.segments[position] as PromptSegment);
      from = end + 1;
      const extra = unlogged.get(call.start + offset);
      if (extra !== undefined) segments.push({ hash: `unlogged:${call.start + offset}`, tokens: extra });
      messageEnds.push(segments.length - 1);
    });
    if (layout !== "automatic") {
      segments = placeBreakpoints(segments, {
        prefixEnd: shared > 0 ? 0 : -1,
        stableEnd: head.length - 1,
        messageEnds,
        lastMessages: layout === "last-two-messages" ? 2 : 1,
        fixedTtl: ttl,
        slidingTtl: ttl,
      });
    }
    const usage = cache.call(segments, call.timestamp);
    onCall?.(index, call.recorded, usage, call.timestamp);
    predicted.read += usage.cacheReadTokens;
    predicted.write += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
    predicted.input += usage.inputTokens;
    recorded.read += call.recorded.cacheReadTokens;
    recorded.write += call.recorded.cacheWrite5mTokens + call.recorded.cacheWrite1hTokens;
    recorded.input += call.recorded.inputTokens;
  }
  return {
    session: transcript.id,
    model,
    calls: calls.length,
    scale: Number(scale.toFixed(3)),
    hiddenTokens: Math.round(hidden),
    sharedPrefixTokens: shared,
    ttl,
    sizes,
    recorded,
    predicted: {
      read: Math.round(predicted.read),
      write: Math.round(predicted.write),
      input: Math.round(predicted.input),
    },
    readRatio: recorded.read > 0 ? predicted.read / recorded.read : Number.NaN,
    writeRatio: recorded.write > 0 ? predicted.write / recorded.write : Number.NaN,
  };
}
