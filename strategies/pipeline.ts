/**
 * `pipeline`: applies several strategies in order, each to the view the previous ones produced (e.g. mask
 * old tool results first, then summarize only if the prompt is still above the target), and composes their
 * results back onto the ORIGINAL view as one {@link CompactionResult}.
 *
 * Composition of `first = {k1, r1}` (on the view `V`) and `second = {k2, r2}` (on `V1 = r1 + V[k1..]`):
 * - `k2 <= r1.length`: the second rewrote only part of the first's replacement, so the result is
 *   `{ keepFrom: k1, replacement: r2 + r1[k2..] }`;
 * - `k2 > r1.length`: the second also consumed `k2 − r1.length` original messages after `k1`, so the result
 *   is `{ keepFrom: k1 + k2 − r1.length, replacement: r2 }`.
 *
 * Removed tokens add up (each is before minus after on its own input view), and so does summarizer spend.
 *
 * @module
 */
import { InvalidOptionError } from "../src/errors.js";
import type { Message, Usage } from "../src/transcript/types.js";
import { addUsage } from "../src/usage/index.js";
import { applyCompaction, compactedTokenView } from "./internal/view.js";
import type { CompactionResult, Strategy, StrategyContext, SummaryResult } from "./types.js";

/** Composes `second` (computed on the view `first` produced) onto the view `first` was computed on. */
export function composeResults(first: CompactionResult, second: CompactionResult): CompactionResult {
  const inside = second.keepFrom <= first.replacement.length;
  const keepFrom = inside ? first.keepFrom : first.keepFrom + second.keepFrom - first.replacement.length;
  const replacement = inside
    ? [...second.replacement, ...first.replacement.slice(second.keepFrom)]
    : second.replacement;
  const toolResults = (first.removed.toolResults ?? 0) + (second.removed.toolResults ?? 0);
  const summary = combineSummaries(first.summary, second.summary);
  return {
    keepFrom,
    replacement,
    removed: {
      messages: first.removed.messages + second.removed.messages,
      ...(toolResults > 0 ? { toolResults } : {}),
      tokens: first.removed.tokens + second.removed.tokens,
      description: `${first.removed.description}; ${second.removed.description}`,
    },
    ...(summary ? { summary } : {}),
  };
}

/** Adds summarizer spend: the later text wins, costs and usage add up; an unknown cost makes the sum unknown. */
export function combineSummaries(
  first: SummaryResult | undefined,
  second: SummaryResult | undefined,
): SummaryResult | undefined {
  if (first === undefined || second === undefined) return second ?? first;
  const costUsd = first.costUsd === null || second.costUsd === null ? null : first.costUsd + second.costUsd;
  let usage: Usage | undefined = first.usage ?? second.usage;
  if (first.usage && second.usage) usage = addUsage(first.usage, second.usage);
  return {
    text: second.text,
    model: first.model === second.model ? second.model : `${first.model}+${second.model}`,
    ...(usage ? { usage } : {}),
    costUsd,
  };
}

/** Creates a strategy that applies `strategies` in order; its name joins theirs with `+`. */
export function pipeline(...strategies: Strategy[]): Strategy {
  if (strategies.length === 0)
    throw new InvalidOptionError("strategies", "at least one strategy", strategies);
  for (const [index, strategy] of strategies.entries()) {
    if (typeof strategy?.compact !== "function") {
      throw new InvalidOptionError(`strategies[${index}]`, "a strategy (an object with compact())", strategy);
    }
  }
  return {
    name: strategies.map((strategy) => strategy.name).join("+"),
    async compact(messages: readonly Message[], context: StrategyContext): Promise<CompactionResult | null> {
      let view: readonly Message[] = messages;
      let viewContext: StrategyContext = context;
      let composed: CompactionResult | null = null;
      for (let index = 0; index < strategies.length; index++) {
        const result = await (strategies[index] as Strategy).compact(view, viewContext);
        if (result === null) continue;
        composed = composed === null ? result : composeResults(composed, result);
        // The view the next strategy reads (none after the last one).
        if (index === strategies.length - 1) break;
        const tokens = compactedTokenView(viewContext.tokens, view, result);
        view = applyCompaction(view, result);
        viewContext = { ...viewContext, tokens };
      }
      return composed;
    },
  };
}
