/**
 * The token counts the session runtime and the replay engine need: neutral messages (memoised by the
 * estimator) and raw request parts such as a system prompt or tool list in a provider's own shape.
 *
 * @module
 */
import { getDefaultTokenEstimator, type TokenEstimator } from "../tokens/index.js";
import type { Message } from "../transcript/types.js";

/** Counts tokens (o200k estimates, before calibration). */
export interface TokenCounter {
  countMessage(message: Message): number;
  /** Tokens of any JSON value or string (a raw system prompt, a tool list, a summary text). */
  countRaw(value: unknown): number;
}

/** A counter on an estimator (the shared default one unless given). */
export function defaultTokenCounter(estimator: TokenEstimator = getDefaultTokenEstimator()): TokenCounter {
  const memo = new WeakMap<object, number>();
  return {
    countMessage: (message) => estimator.countMessage(message),
    countRaw(value) {
      if (value === undefined || value === null) return 0;
      if (typeof value === "string") return estimator.countText(value);
      if (typeof value !== "object") return estimator.countText(String(value));
      let count = memo.get(value);
      if (count === undefined) {
        count = estimator.countText(JSON.stringify(value));
        memo.set(value, count);
      }
      return count;
    },
  };
}
