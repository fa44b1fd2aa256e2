/**
 * `truncate`: drop the oldest whole turns until the prompt fits a target. Keeps the system prompt, the first
 * user message (the task) and pinned messages; never splits a tool call from its result.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import { cutPoints, firstPinned, headEnd } from "./internal/turns.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

/** Options of {@link truncate}. */
export interface TruncateOptions {
  /**
   * Prompt tokens to get down to. When absent, {@link TruncateOptions.targetRatio} of the current prompt.
   */
  targetTokens?: number;
  /**
   * Share of the current prompt to keep when no `targetTokens` is given.
   * @default 0.5
   */
  targetRatio?: number;
  /**
   * Most recent turns (assistant runs and what follows them) that are always kept.
   * @default 2
   */
  keepTurns?: number;
}

/** Creates the `truncate` strategy. */
export function truncate(options: TruncateOptions = {}): Strategy {
  const { targetTokens, targetRatio = 0.5, keepTurns = 2 } = options;
  if (targetTokens !== undefined && !(Number.isFinite(targetTokens) && targetTokens > 0)) {
    throw new InvalidOptionError("targetTokens", "a positive number", targetTokens);
  }
  if (!(targetRatio > 0 && targetRatio < 1)) {
    throw new InvalidOptionError("targetRatio", "a number between 0 and 1 (exclusive)", targetRatio);
  }
  if (!Number.isInteger(keepTurns) || keepTurns < 1) {
    throw new InvalidOptionError("keepTurns", "a positive integer", keepTurns);
  }

  return {
    name: "truncate",
    compact(messages: readonly Message[], context: StrategyContext): CompactionResult | null {
      const pressure = context.pressure ?? 0;
      const target = (targetTokens ?? context.tokens.total * targetRatio) * (1 - pressure / 2);
      const head = headEnd(messages);
      // Cut points, excluding the last `keepTurns` and anything at or after the first pinned message.
      const pinnedAt = firstPinned(messages, head);
      const points = cutPoints(messages);
      const allowed = points
        .slice(0, Math.max(0, points.length - keepTurns))
        .filter((point) => point <= pinnedAt);
      if (allowed.length === 0) return null;

      let removed = 0;
      let chosen = -1;
      let cursor = head;
      for (const point of allowed) {
        for (; cursor < point; cursor++) removed += context.tokens.perMessage[cursor] ?? 0;
        chosen = point;
        if (context.tokens.total - removed <= target) break;
      }
      if (chosen <= head || removed === 0) return null;
      return {
        keepFrom: chosen,
        replacement: messages.slice(0, head),
        removed: {
          messages: chosen - head,
          tokens: removed,
          description: `dropped messages ${head}-${chosen - 1} (${chosen - head} messages)`,
        },
      };
    },
  };
}
