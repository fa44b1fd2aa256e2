/**
 * Timing parts: when a compaction costs nothing extra.
 *
 * - {@link whenCacheCold} runs a strategy only when the provider's cache has expired anyway (the previous call is
 *   older than the cache lifetime, or there is none): the call then writes its whole prompt whatever is sent, so
 *   every token removed is saved on this call and read more cheaply on every later one, with no rewrite premium.
 *   Around lossless removals it is free money: nothing the agent needs is lost and nothing is paid for it.
 * - {@link firstOf} asks strategies in turn and takes the first compaction proposed, so that a cheap pass can run
 *   when the main rule declines (for example `firstOf(cacheAware(...), whenCacheCold(losslessRemovals()))`).
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message } from "../src/transcript/types.js";
import { isCacheWarm } from "./internal/economics.js";
import type { CompactionResult, Strategy, StrategyContext } from "./types.js";

function checkStrategy(field: string, strategy: Strategy | undefined): void {
  if (typeof strategy?.compact !== "function") {
    throw new InvalidOptionError(field, "a strategy (an object with compact())", strategy);
  }
}

/**
 * Runs `inner` only when the cache has expired anyway. Without a cache view (no timing known) the cache is taken
 * as warm and nothing is done: a rewrite might cost something.
 */
export function whenCacheCold(inner: Strategy): Strategy {
  checkStrategy("inner", inner);
  return {
    name: `when-cache-cold(${inner.name})`,
    // It decides for itself when a compaction is free: run it on every call, never inside cacheAware.
    weighsCache: true,
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      if (context.cache === undefined || isCacheWarm(context.cache)) return null;
      const result = await inner.compact(messages, context);
      if (result === null || result.removed.tokens <= 0) return null;
      return {
        ...result,
        removed: { ...result.removed, description: `${result.removed.description} (cache expired anyway)` },
      };
    },
  };
}

/** Asks each strategy in turn; the first compaction proposed (removing something) wins. */
export function firstOf(...strategies: Strategy[]): Strategy {
  if (strategies.length === 0)
    throw new InvalidOptionError("strategies", "at least one strategy", strategies);
  strategies.forEach((strategy, index) => {
    checkStrategy(`strategies[${index}]`, strategy);
  });
  return {
    name: strategies.map((strategy) => strategy.name).join("|"),
    // Asked on every call without cacheAware around it only when every part weighs the cache itself.
    weighsCache: strategies.every((strategy) => strategy.weighsCache === true),
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      for (const strategy of strategies) {
        const result = await strategy.compact(messages, context);
        if (result !== null && result.removed.tokens > 0) return result;
      }
      return null;
    },
  };
}
