/**
 * How much any compaction could save on a recorded session: two upper bounds on the saving, computed from the
 * no-compaction replay (the bench's own cache model and prices) and the session's future, which a live strategy
 * cannot see.
 *
 * - **keep-what-is-used** (clairvoyant masking at no cost): at every call, every earlier tool output whose facts
 *   no later call uses (the bench's recall probe: the latest tool output holding each fact a later response uses
 *   is kept) is gone from the prompt, replaced by a 20-token placeholder, and the removal costs nothing: no cache
 *   rewrite, no summarizer. Its recall is 1, so nothing is recovered. No masking strategy that keeps what is used
 *   can cost less (a real one pays rewrites and removes later); a summary that keeps the facts in fewer tokens
 *   than their outputs could, by at most the outputs' size.
 * - **keep-only-what-is-used** (clairvoyant, verbatim, at no cost): as above, and every other earlier message
 *   (the agent's own text, tool calls and thinking, the user's messages) is gone too: only the fixed prefix, the
 *   tool outputs a later call uses, and the new turn are sent. Recall is still 1 by the bench's measure (it counts
 *   tool output only); no strategy that keeps what is used verbatim can cost less.
 * - **floor** (everything old gone at no cost): each call sends only the fixed prefix (system prompt, tools, what
 *   the log did not keep) and the messages appended since the previous call, written once. Recall would be near
 *   0; no strategy that keeps the fixed prefix and sends each new message can cost less, whatever it forgets.
 *
 * Each removed token is priced as the no-compaction call paid for it: at the cache-read price when that call read
 * most of its prompt from the cache, else at the write price (Anthropic; the 1-hour price for 1-hour entries) or
 * the input price (OpenAI, no caching). Output tokens and summaries are left as they are.
 *
 * Run: `npx tsx benchmarks/strategies/oracle.ts [--subfolders claude-code|all|a,b] [--bucket long|mid|short]`:
 * prints the bounds per setting over the sessions of that length bucket (default long, ≥100 calls; mid 40–99) and
 * one JSON line.
 *
 * @module
 */

import { fitEpochCalibrations } from "../../src/replay/calibration-fit.js";
import { textObservations } from "../../src/replay/recall.js";
import type { CacheMode } from "../../src/replay/replay.js";
import { replayTranscript } from "../../src/replay/replay.js";
import { transcriptSteps } from "../../src/replay/transcript-steps.js";
import { priceView } from "../../src/session/compaction.js";
import type { TokenCounter } from "../../src/session/token-counter.js";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import type { Message, Transcript, Usage } from "../../src/transcript/types.js";
import { bucketOf, withTtl } from "./levers.js";
import { argument, loadSessions, skipWithoutTranscripts } from "./sessions.js";

/** Tokens a placeholder left where an output was removed. */
export const placeholderTokens = 20;

/** A cache setting the bound is computed under. */
export interface OracleSetting {
  label: string;
  priceModel: string;
  cache: CacheMode;
  /** Lifetime the session is replayed with (Anthropic); `undefined` leaves the recorded one. */
  ttl?: "5m" | "1h";
}

/** The bounds of one session under one setting, in dollars. */
export interface OracleBound {
  transcript: string;
  calls: number;
  /** No compaction: the calls' dollars. */
  baselineUsd: number;
  /** The keep-what-is-used oracle's dollars (a lower bound on a recall-1 masking strategy's). */
  keepUsedUsd: number;
  /** The keep-only-what-is-used oracle's dollars (a lower bound on any verbatim recall-1 strategy's). */
  keepOnlyUsedUsd: number;
  /** The floor's dollars (a lower bound on any strategy's that keeps the fixed prefix). */
  floorUsd: number;
}

function promptOf(usage: Usage): number {
  return usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
}

function isToolOutput(message: Message, observations: WeakSet<Message>): boolean {
  return observations.has(message) || message.content.some((block) => block.type === "tool_result");
}

/** The bounds of `transcript` under `setting`; `null` when its price is unknown. */
export async function oracleBound(
  original: Transcript,
  setting: OracleSetting,
  tokens: TokenCounter = defaultTokenCounter(),
): Promise<OracleBound | null> {
  const transcript = setting.ttl ? withTtl(original, setting.ttl) : original;
  const prices = priceView(setting.priceModel);
  if (!prices) return null;
  const usages: Usage[] = [];
  const baseline = await replayTranscript(transcript, {
    strategy: { name: "none", create: () => ({ strategy: null, trigger: null }) },
    priceModel: setting.priceModel,
    cache: setting.cache,
    tokens,
    trace: (call) => usages.push(call.usage),
  });
  if (baseline.costUsd === null) return null;
  const fixedEstimate =
    (transcript.system ?? []).reduce((sum, block) => sum + tokens.countRaw(block), 0) +
    (transcript.tools ? tokens.countRaw(transcript.tools) : 0);
  const calibrations = fitEpochCalibrations(transcript, tokens, fixedEstimate);
  const steps = transcriptSteps(transcript);
  const observations = textObservations(transcript);
  const anthropic = setting.cache === "provider" && /claude/i.test(setting.priceModel);
  const writePrice = anthropic
    ? transcript.calls.some((call) => (call.usage?.cacheWrite1hTokens ?? 0) > 0)
      ? prices.cacheWrite1h
      : prices.cacheWrite5m
    : prices.input;

  // Needed outputs: per call, the history indices of the latest tool output holding a fact this call or a later
  // one (in the same stretch of a history that only grew) uses. Worked backwards.
  const needed: Array<Set<number>> = new Array(steps.length);
  let later = new Set<number>();
  for (let index = steps.length - 1; index >= 0; index--) {
    const step = steps[index];
    const next = steps[index + 1];
    // The history was cut at the next call: indices after it no longer name the same messages.
    if (next && step && next.common < step.prompt.length) later = new Set();
    const own = new Set(later);
    step?.recall?.tokens.forEach((_token, at) => {
      const count = step.recall?.counts[at] ?? 0;
      const last = step.recall?.places[at]?.[count - 1];
      if (last !== undefined) own.add(last);
    });
    needed[index] = own;
    later = own;
  }

  let epoch = 0;
  let keepUsedSaving = 0;
  let floorSaving = 0;
  let keepOnlySaving = 0;
  steps.forEach((step, index) => {
    if (index > 0 && step.common === 0) epoch++;
    const calibration = calibrations[epoch] ?? calibrations.at(-1);
    const usage = usages[index];
    if (!usage || !calibration) return;
    const prompt = promptOf(usage);
    const warm = setting.cache === "provider" && usage.cacheReadTokens >= prompt / 2;
    const price = setting.cache === "none" ? prices.input : warm ? prices.cacheRead : writePrice;
    let old = 0;
    let removable = 0;
    let kept = 0;
    const keep = needed[index] ?? new Set<number>();
    for (let at = 0; at < step.common; at++) {
      const message = step.prompt[at] as Message;
      const size = calibration.scale(tokens.countMessage(message));
      old += size;
      const output = isToolOutput(message, observations);
      if (keep.has(at) && output) kept += size;
      else if (output) removable += Math.max(0, size - placeholderTokens);
    }
    keepUsedSaving += (removable * price) / 1_000_000;
    floorSaving += (old * price) / 1_000_000;
    keepOnlySaving += (Math.max(0, old - kept) * price) / 1_000_000;
  });
  return {
    transcript: transcript.id,
    calls: transcript.calls.length,
    baselineUsd: baseline.costUsd,
    keepUsedUsd: baseline.costUsd - keepUsedSaving,
    keepOnlyUsedUsd: baseline.costUsd - keepOnlySaving,
    floorUsd: baseline.costUsd - floorSaving,
  };
}

/** Savings of the bounds over a set of sessions: `1 − bound / no compaction`. */
export interface OracleSummary {
  sessions: number;
  baselineUsd: number;
  keepUsedSaving: number;
  keepOnlyUsedSaving: number;
  floorSaving: number;
}

export function summarizeBounds(bounds: readonly OracleBound[]): OracleSummary {
  const baseline = bounds.reduce((sum, bound) => sum + bound.baselineUsd, 0);
  const keepUsed = bounds.reduce((sum, bound) => sum + bound.keepUsedUsd, 0);
  const floor = bounds.reduce((sum, bound) => sum + bound.floorUsd, 0);
  const keepOnly = bounds.reduce((sum, bound) => sum + bound.keepOnlyUsedUsd, 0);
  return {
    sessions: bounds.length,
    baselineUsd: baseline,
    keepUsedSaving: baseline > 0 ? 1 - keepUsed / baseline : 0,
    keepOnlyUsedSaving: baseline > 0 ? 1 - keepOnly / baseline : 0,
    floorSaving: baseline > 0 ? 1 - floor / baseline : 0,
  };
}

/** The settings of the goal table (issue 10), no caching last, for reference. */
export const goalSettings: readonly OracleSetting[] = [
  { label: "anthropic 5m", priceModel: "claude-sonnet-4-6", cache: "provider", ttl: "5m" },
  { label: "anthropic 1h", priceModel: "claude-sonnet-4-6", cache: "provider", ttl: "1h" },
  { label: "openai", priceModel: "gpt-5", cache: "provider" },
  { label: "no-cache", priceModel: "claude-sonnet-4-6", cache: "none" },
];

async function main(): Promise<void> {
  if (skipWithoutTranscripts()) return;
  const named = argument("--subfolders") ?? "claude-code";
  const subfolders = named === "all" ? [] : named.split(",").filter(Boolean);
  const bucket = argument("--bucket") ?? "long";
  const sessions = (await loadSessions(subfolders)).filter(
    (session) => bucketOf(session.calls.length) === bucket,
  );
  const tokens = defaultTokenCounter();
  const rows: Array<OracleSummary & { setting: string }> = [];
  console.log(
    `upper bounds on the saving, ${sessions.length} ${bucket} sessions (${subfolders.join(", ") || "all"})`,
  );
  console.log(
    "setting        no compaction  mask what is unused  keep only what is used  floor (prefix + new turn)",
  );
  for (const setting of goalSettings) {
    const bounds: OracleBound[] = [];
    for (const session of sessions) {
      const bound = await oracleBound(session, setting, tokens);
      if (bound) bounds.push(bound);
    }
    const summary = summarizeBounds(bounds);
    rows.push({ setting: setting.label, ...summary });
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    console.log(
      `${setting.label.padEnd(14)} ${`$${summary.baselineUsd.toFixed(2)}`.padStart(13)}  ${percent(summary.keepUsedSaving).padStart(19)}  ${percent(summary.keepOnlyUsedSaving).padStart(22)}  ${percent(summary.floorSaving).padStart(25)}`,
    );
  }
  console.log(JSON.stringify({ benchmark: "strategy-oracle", subfolders, bucket, rows }));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
