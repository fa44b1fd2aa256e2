/**
 * `nativeCompaction`: compactor decides WHEN to compact (the cache-aware rule of the default, unchanged), the
 * provider does the compacting, where the request's API offers it:
 *
 * - Anthropic Messages: on-demand compaction (beta `compact-2026-09-04`): a request with
 *   `compaction: {type: "summarize"}` over the span returns one signed `compaction` block, which goes first in
 *   every later request (followed by the task), with the beta header.
 * - OpenAI Responses: `POST /responses/compact` over the span returns its user messages and one encrypted
 *   `compaction` item, sent in place of the span on every later request.
 *
 * Where the API offers none (Chat Completions, or a request compactor cannot re-send: the context then has no
 * `native`), the `fallback` strategy (by default `defaultStrategy()`) runs instead, and it also runs when the
 * provider's compaction fails (its spend, if any, is still counted).
 *
 * The span is the one `summarize` would replace (everything before the start of the last `keepTurns` turns,
 * down to the rule's target). The rule weighs the compaction as a summary written by the session's own model at
 * its own prices (that is who writes it), of the size the session's native summaries had so far (prior:
 * `summaryPriorTokens`). What the provider bills for the compaction call (its `usage`) is counted as spend.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import { type CacheAwareOptions, cacheAware } from "./cache-aware.js";
import { defaultStrategy } from "./default.js";
import { isCacheWarm, summaryPriorTokens } from "./internal/economics.js";
import { isDryRun, withHints } from "./internal/hints.js";
import { tokensBetween } from "./internal/view.js";
import { summarize } from "./summarize.js";
import type {
  CompactionResult,
  NativeCompactionResult,
  Strategy,
  StrategyContext,
  Summarizer,
  SummaryResult,
} from "./types.js";

/** Options of {@link nativeCompaction}. */
export interface NativeCompactionOptions {
  /**
   * What runs where the request's API offers no native compaction, and when the provider's compaction fails.
   * @default defaultStrategy()
   */
  fallback?: Strategy;
  /**
   * Turns kept verbatim after the compacted span.
   * @default 3
   */
  keepTurns?: number;
  /** Options of the cache-aware rule that decides when to compact (the default's rule, its defaults). */
  cacheAware?: CacheAwareOptions;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for a message holding a provider's compaction block or item (what {@link nativeCompaction} sends). */
export function isNativeCompactionMessage(message: Message): boolean {
  return message.content.some(
    (block) => block.type === "opaque" && isRecord(block.value) && block.value.type === "compaction",
  );
}

/** The first user message that is not tool results nor a compaction: the task, kept after the block. */
function taskOf(span: readonly Message[]): Message | undefined {
  return span.find(
    (message) =>
      message.role === "user" &&
      !message.content.some((block) => block.type === "tool_result") &&
      !isNativeCompactionMessage(message),
  );
}

/** Stands in for a summarizer in the rule's context: native compaction never calls a local summarizer. */
const providerWrites: Summarizer = async () => {
  throw new Error("native compaction writes its summary on the provider");
};

/** The caller's own context, carried on the rule's copy (object spreads copy symbol keys) for the fallback. */
const original = Symbol("native-compaction original context");

/**
 * The context the rule sees: the summary is written by the session's own model at its own prices (the
 * provider compacts with the request's model), of the size this session's native summaries had so far. While
 * the cache is warm the span is priced at the cache-read price: the span is exactly the messages of an
 * earlier call of the session (the cut falls where a call's messages ended), whose cache entry the compaction
 * request reads (Anthropic: compactor puts a breakpoint on the span's last message; OpenAI caches prefixes
 * itself). What the provider then bills is measured, not assumed.
 */
function nativeContext(context: StrategyContext): StrategyContext & { [original]: StrategyContext } {
  const estimate = context.summaryEstimate;
  const learnt = estimate !== undefined && estimate.observed > 0 && estimate.model === context.model;
  return {
    ...context,
    [original]: context,
    summarize: context.summarize ?? providerWrites,
    summaryEstimate: {
      model: context.model,
      ...(context.prices
        ? {
            prices: isCacheWarm(context.cache)
              ? { ...context.prices, input: context.prices.cacheRead }
              : context.prices,
          }
        : {}),
      expectedTokens: learnt ? estimate.expectedTokens : summaryPriorTokens,
      observed: learnt ? estimate.observed : 0,
    },
  };
}

/** Adds the spend of a failed native compaction to what the fallback reports. */
function withSpend(result: CompactionResult | null, failed: unknown, model: string): CompactionResult | null {
  const spent = isRecord(failed) && typeof failed.costUsd === "number" ? failed.costUsd : 0;
  if (result === null || spent <= 0) return result;
  const summary: SummaryResult = result.summary
    ? { ...result.summary, costUsd: result.summary.costUsd === null ? null : result.summary.costUsd + spent }
    : { text: "", model, costUsd: spent };
  return { ...result, summary };
}

/** Creates the native-compaction part. */
export function nativeCompaction(options: NativeCompactionOptions = {}): Strategy {
  const keepTurns = options.keepTurns ?? 3;
  if (!Number.isInteger(keepTurns) || keepTurns < 1) {
    throw new InvalidOptionError("keepTurns", "a positive integer", keepTurns);
  }
  const fallback = options.fallback ?? defaultStrategy();
  // After a refusal the outer rule has decided already: the local default does not decline it again for its
  // regret bound (`maxRegret`), which the outer rule does not apply.
  const afterRefusal =
    options.fallback ?? defaultStrategy({ cacheAware: { maxRegret: Number.POSITIVE_INFINITY } });
  if (typeof fallback?.compact !== "function")
    throw new InvalidOptionError("fallback", "a strategy", fallback);
  // Only where the cut goes: summarize's dry run (no model is called) over the same view and target.
  const cut = summarize({ keepTurns });

  const inner: Strategy = {
    name: "native-compaction",
    async compact(messages, context): Promise<CompactionResult | null> {
      const dry = await cut.compact(messages, withHints(context, { dryRun: true }));
      if (dry === null) return null;
      const span = messages.slice(0, dry.keepFrom);
      const task = taskOf(span);
      const before = tokensBetween(context.tokens, 0, dry.keepFrom);
      const native = context.native;
      if (isDryRun(context) || native === undefined) {
        // What the rule weighs: the span replaced by a summary (its size adjusted by the rule to the expected
        // one) and the task.
        const stand = dry.replacement.filter((message) =>
          message.content.some((block) => block.type === "summary"),
        );
        const replacement = [...stand, ...(task ? [task] : [])];
        const removed = before - context.tokens.count(replacement);
        if (removed <= 0) return null;
        return {
          keepFrom: dry.keepFrom,
          replacement,
          removed: { messages: dry.keepFrom, tokens: removed, description: "native compaction (dry run)" },
          summary: { text: "", model: context.model, costUsd: 0 },
        };
      }
      let done: NativeCompactionResult;
      try {
        done = await native.compact(span, context.signal ? { signal: context.signal } : {});
      } catch (error) {
        // The provider could not compact: compact locally, counting what the failed call cost.
        const own = (context as { [original]?: StrategyContext })[original] ?? context;
        return withSpend(await afterRefusal.compact(messages, own), error, context.model);
      }
      const removed = before - context.tokens.count(done.replacement);
      return {
        keepFrom: dry.keepFrom,
        replacement: done.replacement,
        removed: {
          messages: dry.keepFrom,
          tokens: removed,
          description: `${native.kind}: messages 0-${dry.keepFrom - 1} (${dry.keepFrom} messages) compacted by ${done.summary.model}, $${done.summary.costUsd?.toFixed(4) ?? "?"}`,
        },
        summary: done.summary,
      };
    },
  };
  const guarded = cacheAware(inner, options.cacheAware);

  return {
    name: `native-compaction(${fallback.name})`,
    weighsCache: true,
    compact(messages, context) {
      if (context.native === undefined) return fallback.compact(messages, context);
      return guarded.compact(messages, nativeContext(context));
    },
  };
}
