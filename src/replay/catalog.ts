/**
 * The strategies `compactor bench` compares: compactor's own, and peers' published policies re-created on the
 * same engine so that every row is priced the same way. Each peer names its source.
 *
 * @module
 */

import { factSummary } from "../../strategies/fact-summary.js";
import {
  cacheAware,
  contextShare,
  defaultStrategy,
  observationMasking,
  summarize,
  tokenThreshold,
  truncate,
} from "../../strategies/index.js";
import { losslessRemovals } from "../../strategies/lossless.js";
import { nativeCompaction } from "../../strategies/native.js";
import { whenCacheCold } from "../../strategies/timing.js";
import type { Trigger } from "../../strategies/types.js";
import { InvalidOptionError } from "../errors.js";
import type { StrategySpec } from "./strategy-specs.js";

const always: Trigger = { name: "always", shouldCompact: () => true };

/** Fires once every `turns` calls (counting from the first call). */
function everyTurns(turns: number): Trigger {
  return {
    name: `every-${turns}-turns`,
    shouldCompact: (context) => context.callIndex > 0 && context.callIndex % turns === 0,
  };
}

/** Every strategy the bench knows, by name. */
export const catalog: readonly StrategySpec[] = [
  { name: "none", source: "no compaction: the baseline", create: () => ({ strategy: null, trigger: null }) },
  {
    name: "default",
    source:
      "compactor: cache-aware (compacts only large removals whose projected saving is a multiple of the cache rewrite, preferring an expired cache) over masking then summarizing",
    create: () => ({ strategy: defaultStrategy(), trigger: always }),
  },
  {
    name: "cache-aware-masking",
    source: "compactor: observation masking, only when the cache-aware economics say it pays",
    create: () => ({ strategy: cacheAware(observationMasking()), trigger: always }),
  },
  {
    name: "truncate",
    source: "compactor: drop the oldest turns to half the prompt once it passes 60% of the window",
    create: () => ({ strategy: truncate({ targetRatio: 0.5 }), trigger: contextShare(0.6) }),
  },
  {
    name: "masking-every-call",
    source:
      "The Complexity Trap (Lindenbauer et al. 2025, arXiv 2508.21433): observation masking on every call, keeping the latest 10 observations",
    create: () => ({ strategy: observationMasking({ keepLast: 10 }), trigger: always }),
  },
  {
    name: "summary-every-21",
    source:
      "The Complexity Trap (arXiv 2508.21433): LLM summary every 21 turns, keeping the last 10 turns verbatim",
    create: () => ({ strategy: summarize({ keepTurns: 10 }), trigger: everyTurns(21) }),
  },
  {
    name: "claude-code-auto-compact",
    source:
      "Claude Code auto-compact: one summary of everything once the prompt nears its default 200k window (the recorded compact_boundary events fire at 167k-170k tokens)",
    create: () => ({ strategy: summarize({ keepTurns: 1 }), trigger: tokenThreshold(167_000) }),
  },
  {
    name: "langchain-summarization",
    source:
      "LangChain v1 summarizationMiddleware: keep the last 20 messages (_DEFAULT_MESSAGES_TO_KEEP); trigger at 85% of the window (deepagents' default; LangChain itself sets none)",
    create: () => ({ strategy: summarize({ keepTurns: 10 }), trigger: contextShare(0.85) }),
  },
  {
    name: "anthropic-clear-tool-uses",
    source:
      "Anthropic context editing clear_tool_uses_20250919 defaults: trigger at 100,000 input tokens, keep the last 3 tool uses",
    create: () => ({
      strategy: observationMasking({ keepLast: 3, minTokens: 1 }),
      trigger: tokenThreshold(100_000),
    }),
  },
  {
    name: "sliding-window",
    source:
      "a sliding window: the task plus the last 10 turns, every call (Mastra TokenLimiter / OpenHands recent-events style)",
    create: () => ({ strategy: truncate({ targetTokens: 1, keepTurns: 10 }), trigger: always }),
  },
  {
    name: "lossless",
    source:
      "compactor (issue 10): remove superseded reads, re-run and duplicate outputs, on every call (measures the part alone)",
    create: () => ({ strategy: losslessRemovals(), trigger: always }),
  },
  {
    name: "cold-lossless",
    source:
      "compactor (issue 10): lossless removals only when the cache has expired anyway (no rewrite premium)",
    create: () => ({ strategy: whenCacheCold(losslessRemovals()), trigger: always }),
  },
  {
    name: "cache-aware-fact-summary",
    source:
      "compactor (issue 10): a summary with a verbatim facts block, when the cache-aware economics say it pays",
    create: () => ({ strategy: cacheAware(factSummary()), trigger: always }),
  },
  {
    name: "native",
    source:
      "compactor: the provider compacts (Anthropic on-demand compaction, OpenAI /responses/compact; replayed offline) when the default's cache-aware rule says compact; the default where the API offers none",
    create: () => ({ strategy: nativeCompaction(), trigger: always }),
  },
];

/** In the catalog, asked for by name only (`--strategies native`): elsewhere it replays as the default. */
const byNameOnly = new Set(["native"]);

/**
 * The strategies a default `compactor bench` run compares: all of them but `native` (named with `--strategies`;
 * on sessions whose API offers no native compaction it is the default again, a duplicate row).
 */
export function benchStrategies(): StrategySpec[] {
  return catalog.filter((spec) => !byNameOnly.has(spec.name));
}

/** Looks strategies up by name; an unknown name is an error that lists the known ones. */
export function strategySpecsByName(names: readonly string[]): StrategySpec[] {
  return names.map((name) => {
    const spec = catalog.find((candidate) => candidate.name === name);
    if (!spec) {
      throw new InvalidOptionError(
        "--strategies",
        `names from ${catalog.map((candidate) => candidate.name).join(", ")}`,
        name,
      );
    }
    return spec;
  });
}
