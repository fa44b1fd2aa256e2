/**
 * The default that cannot hurt. A strategy that does not weigh the prompt cache, asked on every call, compacts
 * on every call: each compaction changes the prompt early on and re-writes everything after it, so the cache
 * never hits (on a 60-call Anthropic loop, bare `truncate()` compacted 57 times; per-call `observationMasking()`
 * cost 2.6 times as much as no compaction). So when no trigger is given, such a strategy is wrapped in
 * `cacheAware`, which lets it compact only when the compaction pays for its cache rewrite. A trigger given
 * explicitly is used as it is: the caller chose when to compact.
 *
 * @module
 */
import { cacheAware } from "./cache-aware.js";
import type { Strategy, Trigger } from "./types.js";

/** The trigger of a strategy that decides for itself: it is asked on every call. */
export const always: Trigger = { name: "always", shouldCompact: () => true };

/**
 * The strategy and trigger `withCompaction` runs: `trigger` given → both as given; no trigger and a strategy
 * that weighs the cache (`strategy.weighsCache`, as `cacheAware` and `defaultStrategy()` do) → asked on every
 * call; no trigger and any other strategy → `cacheAware(strategy)`, asked on every call. `null` never compacts.
 */
export function guardedStrategy(
  strategy: Strategy | null,
  trigger?: Trigger,
): { strategy: Strategy | null; trigger: Trigger } {
  if (strategy === null) return { strategy: null, trigger: trigger ?? always };
  if (trigger !== undefined) return { strategy, trigger };
  return { strategy: strategy.weighsCache === true ? strategy : cacheAware(strategy), trigger: always };
}
