/**
 * `summarize`: replaces a span of old turns, after the head (system prompt and task), with ONE summary
 * message, keeping the latest turns verbatim. The summary is written by a model (the option's
 * `summarizer`, else `context.summarize`) and, when none is available or it fails, by the deterministic
 * extractive fallback: this strategy never throws because a summarizer did.
 *
 * Incremental: when the view already starts with an earlier summary (right after the head), the new summary
 * extends it: the summarizer gets it as `previousSummary` and only the new span as messages.
 *
 * The summary is a `user` message holding a {@link SummaryBlock}; the cut is always at the start of an
 * assistant run, so the kept part begins with an assistant message and roles keep alternating.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message, SummaryBlock } from "../src/transcript/types.js";
import { extractiveSummary } from "./internal/extractive.js";
import { isDryRun, targetTokensOf } from "./internal/hints.js";
import { lastThinkingToolTurn } from "./internal/tool-loop.js";
import { cutPoints, firstPinned, headEnd } from "./internal/turns.js";
import { messageTokens, tokensBetween } from "./internal/view.js";
import type { CompactionResult, Strategy, StrategyContext, Summarizer, SummaryResult } from "./types.js";

/** Options of {@link summarize}. */
export interface SummarizeOptions {
  /**
   * Most recent turns (assistant runs and what follows them) that are always kept verbatim.
   * @default 3
   */
  keepTurns?: number;
  /**
   * Writes the summary; takes precedence over `context.summarize`.
   * @default `context.summarize`, else the extractive fallback
   */
  summarizer?: Summarizer;
  /**
   * Prompt tokens to get down to: the shortest span that reaches it is summarized, and nothing is done when
   * the prompt is already below it. A target passed by a wrapping strategy (cache-aware) takes precedence.
   * @default none: summarize everything but the last `keepTurns` turns
   */
  targetTokens?: number;
  /**
   * Longest extractive fallback summary, in characters.
   * @default 4000
   */
  maxFallbackCharacters?: number;
}

/** Small integer ids of message objects, to key memos by a span's identity. */
const messageIds = new WeakMap<Message, number>();
let nextMessageId = 0;

function idOf(message: Message): number {
  let id = messageIds.get(message);
  if (id === undefined) {
    id = nextMessageId++;
    messageIds.set(message, id);
  }
  return id;
}

/** Extractive summaries kept per span start (the same span is asked for again on later dry runs). */
const extractiveMemo = new WeakMap<
  Message,
  Map<string, { span: Message[]; previousSummary: string | undefined; message: Message }>
>();
/** Most summaries kept per span start. */
const extractiveMemoSize = 8;

/**
 * The fallback summary message of `span` with `replacedMessages`, memoised by the span's message objects, the
 * earlier summary and the length bound: asking again for the same span (the cache-aware wrapper does a dry
 * run on every call) returns the very same message, whose tokens are then counted once.
 */
function fallbackSummary(
  span: readonly Message[],
  previousSummary: string | undefined,
  maxCharacters: number,
  replacedMessages: number,
): Message {
  const make = (): Message => ({
    role: "user",
    content: [
      {
        type: "summary",
        text: extractiveSummary(span, { previousSummary, maxCharacters }),
        replacedMessages,
      },
    ],
  });
  const first = span[0];
  const last = span[span.length - 1];
  if (first === undefined || last === undefined) return make();
  // Keyed by the span's length and last message, and checked message by message on a hit: building a key of
  // every message's id cost more than the lookup saved. The earlier summary (thousands of characters, a new key
  // string to hash on every call) is compared on a hit instead of being part of the key.
  const key = `${span.length}|${idOf(last)}|${maxCharacters}|${replacedMessages}`;
  let byKey = extractiveMemo.get(first);
  if (!byKey) {
    byKey = new Map();
    extractiveMemo.set(first, byKey);
  }
  const known = byKey.get(key);
  if (known !== undefined && known.previousSummary === previousSummary && sameMessages(known.span, span))
    return known.message;
  const message = make();
  if (known === undefined && byKey.size >= extractiveMemoSize)
    byKey.delete(byKey.keys().next().value as string);
  byKey.set(key, { span: [...span], previousSummary, message });
  return message;
}

function sameMessages(left: readonly Message[], right: readonly Message[]): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

/** Tokens a new summary is assumed to take when choosing how much to summarize, without a summary estimate. */
const expectedSummaryTokens = 1000;

/** Text of the earlier summary at `index`, if that message is one. */
export function summaryTextAt(messages: readonly Message[], index: number): string | undefined {
  const message = messages[index];
  if (message?.role !== "user") return undefined;
  const blocks = message.content.filter((block): block is SummaryBlock => block.type === "summary");
  return blocks.length > 0 ? blocks.map((block) => block.text).join("\n\n") : undefined;
}

function validate(options: SummarizeOptions): void {
  const { keepTurns = 3, targetTokens, maxFallbackCharacters = 4000, summarizer } = options;
  if (!Number.isInteger(keepTurns) || keepTurns < 1) {
    throw new InvalidOptionError("keepTurns", "a positive integer", keepTurns);
  }
  if (targetTokens !== undefined && !(Number.isFinite(targetTokens) && targetTokens > 0)) {
    throw new InvalidOptionError("targetTokens", "a positive number", targetTokens);
  }
  if (!Number.isInteger(maxFallbackCharacters) || maxFallbackCharacters < 200) {
    throw new InvalidOptionError(
      "maxFallbackCharacters",
      "an integer of at least 200",
      maxFallbackCharacters,
    );
  }
  if (summarizer !== undefined && typeof summarizer !== "function") {
    throw new InvalidOptionError("summarizer", "a function", summarizer);
  }
}

/** Creates the `summarize` strategy. */
export function summarize(options: SummarizeOptions = {}): Strategy {
  validate(options);
  const { keepTurns = 3, maxFallbackCharacters = 4000 } = options;

  return {
    name: "summarize",
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      const { tokens } = context;
      const pressure = context.pressure ?? 0;
      const head = headEnd(messages);
      const previousSummary = summaryTextAt(messages, head);
      const spanStart = previousSummary === undefined ? head : head + 1;
      // Nothing at or after a pinned message, nor after the start of the last tool turn with thinking.
      const limit = Math.min(firstPinned(messages, spanStart), lastThinkingToolTurn(messages));
      const points = cutPoints(messages);
      const allowed = points
        // Cutting at the start of the keepTurns-th last turn keeps exactly keepTurns turns.
        .slice(0, Math.max(0, points.length - keepTurns + 1))
        .filter((point) => point > spanStart && point <= limit);
      if (allowed.length === 0) return null;

      const target = targetTokensOf(context) ?? options.targetTokens;
      let cut = allowed[allowed.length - 1] ?? spanStart;
      if (target !== undefined) {
        const goal = target * (1 - pressure / 2);
        if (tokens.total <= goal) return null;
        // The summary the model is expected to write (the session's so far, else the prior), the same in a dry
        // run, so that a dry run and the real one cut at the same place.
        const expected = context.summarize
          ? (context.summaryEstimate?.expectedTokens ?? expectedSummaryTokens)
          : expectedSummaryTokens;
        const summaryGuess = Math.max(expected, tokens.perMessage[head] ?? 0);
        // The removed share is summed on from the previous point (the points ascend): linear, not quadratic.
        let summedTo = head;
        let removed = 0;
        cut =
          allowed.find((point) => {
            removed =
              point >= summedTo
                ? removed + tokensBetween(tokens, summedTo, point)
                : tokensBetween(tokens, head, point);
            summedTo = point;
            return tokens.total - removed + summaryGuess <= goal;
          }) ?? cut;
      }

      const span = messages.slice(spanStart, cut);
      const replacedBefore = previousSummary === undefined ? 0 : replacedCount(messages[head]);
      const build = (result: SummaryResult, message?: Message): CompactionResult | null => {
        const summaryMessage: Message = message ?? {
          role: "user",
          content: [{ type: "summary", text: result.text, replacedMessages: replacedBefore + span.length }],
        };
        const removed = tokensBetween(tokens, head, cut) - messageTokens(tokens, summaryMessage);
        if (removed <= 0) return null;
        return {
          keepFrom: cut,
          replacement: [...messages.slice(0, head), summaryMessage],
          removed: {
            messages: cut - head,
            tokens: removed,
            description: `summarized messages ${spanStart}-${cut - 1} (${span.length} messages) with ${result.model}${previousSummary === undefined ? "" : ", extending the earlier summary"}`,
          },
          summary: result,
        };
      };
      // The fallback still reports what a discarded model summary cost: that money was spent.
      const fallback = (discarded?: SummaryResult): CompactionResult | null => {
        const message = fallbackSummary(
          span,
          previousSummary,
          maxFallbackCharacters,
          replacedBefore + span.length,
        );
        const text = message.content[0]?.type === "summary" ? message.content[0].text : "";
        return build(
          {
            text,
            model: "extractive",
            costUsd: discarded?.costUsd === undefined ? 0 : discarded.costUsd,
            ...(discarded?.usage ? { usage: discarded.usage } : {}),
          },
          message,
        );
      };

      const summarizer = isDryRun(context) ? undefined : (options.summarizer ?? context.summarize);
      if (summarizer === undefined) return fallback();
      let written: SummaryResult;
      try {
        written = await summarizer({ messages: span, previousSummary, signal: context.signal });
        if (typeof written?.text !== "string" || written.text.trim() === "") {
          throw new TypeError("the summarizer returned no text");
        }
      } catch {
        return fallback();
      }
      // A model summary longer than what it replaces is no compaction: fall back to the bounded extract.
      return build(written) ?? fallback(written);
    },
  };
}

function replacedCount(message: Message | undefined): number {
  let count = 1;
  for (const block of message?.content ?? []) {
    if (block.type === "summary" && block.replacedMessages !== undefined) count = block.replacedMessages;
  }
  return count;
}
