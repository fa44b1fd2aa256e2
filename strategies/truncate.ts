/**
 * `truncate`: drop the oldest whole turns until the prompt fits a target. Keeps the system prompt and
 * mid-conversation system messages, the first user message (the task), pinned messages and everything after them, the last `keepTurns` turns, and the
 * assistant turn that made the last tool call when it carries thinking (the provider needs it verbatim to
 * continue the tool loop); never splits a tool call from its result.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import { targetTokensOf } from "./internal/hints.js";
import { lastThinkingToolTurn } from "./internal/tool-loop.js";
import { cutPoints, firstPinned, headEnd } from "./internal/turns.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

/** Options of {@link truncate}. */
export interface TruncateOptions {
  /**
   * Prompt tokens to get down to. A target passed by a wrapping strategy (`context.targetTokens`, as the
   * cache-aware wrapper does) takes precedence.
   * @default `targetRatio` of the current prompt
   */
  targetTokens?: number;
  /**
   * Share of the current prompt to keep when no target is given.
   * @default 0.5
   */
  targetRatio?: number;
  /**
   * Most recent turns (an assistant run and the tool results or user messages that follow it) always kept.
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
      const { tokens } = context;
      const pressure = Math.min(1, Math.max(0, context.pressure ?? 0));
      const base = targetTokensOf(context) ?? targetTokens ?? tokens.total * targetRatio;
      const target = base * (1 - pressure / 2);
      if (tokens.total <= target) return null;
      const head = headEnd(messages);
      // No cut after the first pinned message, nor after the start of the last tool turn with thinking.
      const limit = Math.min(firstPinned(messages, head), lastThinkingToolTurn(messages));
      const points = cutPoints(messages);
      // Cutting at the start of the keepTurns-th last turn keeps exactly keepTurns turns.
      const allowed = points
        .slice(0, Math.max(0, points.length - keepTurns + 1))
        .filter((point) => point > head && point <= limit);
      if (allowed.length === 0) return null;

      let removed = 0;
      let chosen = head;
      let cursor = head;
      for (const point of allowed) {
        for (; cursor < point; cursor++) removed += tokens.perMessage[cursor] ?? 0;
        chosen = point;
        if (tokens.total - removed <= target) break;
      }
      // Mid-conversation system messages (Anthropic SDK 1.x) are instructions, not history: kept, in place.
      const instructions: Message[] = [];
      for (let index = head; index < chosen; index++) {
        const message = messages[index] as Message;
        if (message.role !== "system") continue;
        instructions.push(message);
        removed -= tokens.perMessage[index] ?? 0;
      }
      if (chosen <= head || removed <= 0) return null;
      const dropped = chosen - head - instructions.length;
      return {
        keepFrom: chosen,
        replacement: [...messages.slice(0, head), ...instructions],
        removed: {
          messages: dropped,
          tokens: removed,
          description: `dropped messages ${head}-${chosen - 1} (${dropped} messages${instructions.length > 0 ? `, ${instructions.length} system messages kept` : ""})`,
        },
      };
    },
  };
}
