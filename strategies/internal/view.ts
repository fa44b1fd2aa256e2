/**
 * Helpers over a view and a {@link CompactionResult}: applying the result, counting tokens of single
 * messages, and deriving the {@link TokenView} of the compacted view (for the next strategy of a pipeline).
 *
 * @module
 */
import type { Message } from "../../src/transcript/types.js";
import type { CompactionResult, StrategyContext, TokenView } from "../types.js";

/** The view a result produces: `replacement` followed by `messages[keepFrom..]`. */
export function applyCompaction(messages: readonly Message[], result: CompactionResult): Message[] {
  return [...result.replacement, ...messages.slice(result.keepFrom)];
}

/**
 * Counts of single messages per token view. A token view is one call's snapshot (its fields are read-only), so it
 * counts a message the same way however often it is asked: the parts of one call (masking's removed tokens, the
 * pipeline's next view, the cache-aware verdict) ask it about the same replaced messages again and again.
 */
const messageTokensMemo = new WeakMap<TokenView, Map<Message, number>>();

/** Tokens of one message, without the per-request overhead {@link TokenView.count} may add. */
export function messageTokens(tokens: TokenView, message: Message): number {
  let counted = messageTokensMemo.get(tokens);
  if (counted === undefined) {
    counted = new Map();
    messageTokensMemo.set(tokens, counted);
  }
  let count = counted.get(message);
  if (count === undefined) {
    count = Math.max(0, tokens.count([message]) - tokens.count([]));
    counted.set(message, count);
  }
  return count;
}

/** Sum of `tokens.perMessage` over `[from, to)`. */
export function tokensBetween(tokens: TokenView, from: number, to: number): number {
  let sum = 0;
  // `perMessage` may be a getter: read it once.
  const perMessage = tokens.perMessage;
  for (let index = from; index < to; index++) sum += perMessage[index] ?? 0;
  return sum;
}

/**
 * Tokens of each message of `replacement`; a message that is the very same object as the original at its
 * index reuses the view's count.
 */
export function replacementTokens(
  tokens: TokenView,
  original: readonly Message[],
  replacement: readonly Message[],
): number[] {
  return replacement.map((message, index) =>
    original[index] === message ? (tokens.perMessage[index] ?? 0) : messageTokens(tokens, message),
  );
}

/** Tokens removed by replacing `messages[0, keepFrom)` with `replacement` (before minus after). */
export function removedTokens(
  tokens: TokenView,
  original: readonly Message[],
  keepFrom: number,
  replacement: readonly Message[],
): number {
  const after = replacementTokens(tokens, original, replacement).reduce((sum, count) => sum + count, 0);
  return tokensBetween(tokens, 0, keepFrom) - after;
}

/** The token view of the compacted view, reusing the counts of every message that was kept. */
export function compactedTokenView(
  tokens: TokenView,
  original: readonly Message[],
  result: CompactionResult,
): TokenView {
  const perMessage = [
    ...replacementTokens(tokens, original, result.replacement),
    ...tokens.perMessage.slice(result.keepFrom),
  ];
  const total = tokens.fixed + perMessage.reduce((sum, count) => sum + count, 0);
  return { perMessage, fixed: tokens.fixed, total, count: (messages) => tokens.count(messages) };
}

function sameMessage(left: Message | undefined, right: Message | undefined): boolean {
  if (left === right) return true;
  if (left === undefined || right === undefined) return false;
  return JSON.stringify(left) === JSON.stringify(right);
}

/**
 * Index of the first message of the compacted view that differs from the original view: the provider's
 * prompt cache is re-written from there on.
 */
export function firstChangedIndex(messages: readonly Message[], result: CompactionResult): number {
  const limit = Math.min(result.replacement.length, result.keepFrom);
  for (let index = 0; index < limit; index++) {
    if (!sameMessage(messages[index], result.replacement[index])) return index;
  }
  return limit;
}

/**
 * Tokens this call writes to the cache even without a compaction: what came after the previous call's
 * prompt (from the start of the last assistant run, the previous response, on), and no more than the part
 * past the previous call's warm prefix when that is known. (A provider that reports no cache writes, such as
 * OpenAI, reports a warm prefix that misses what the previous call added, hence the first bound.)
 */
export function newTokens(
  messages: readonly Message[],
  context: Pick<StrategyContext, "tokens" | "cache">,
): number {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role !== "assistant") start--;
  while (start > 0 && messages[start - 1]?.role === "assistant") start--;
  const appended = tokensBetween(context.tokens, start, messages.length);
  const warmPrefix = context.cache?.warmPrefixTokens;
  return warmPrefix === undefined
    ? appended
    : Math.min(appended, Math.max(0, context.tokens.total - warmPrefix));
}
