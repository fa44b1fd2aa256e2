/**
 * The one-line bugs of the mutation run (scripts/mutation/run.ts): each replaces one exact piece of text in
 * one file with a plausible mistake that would cost users money or break their calls, and names the tests that
 * should catch it. The first ten are the audit table of issue 14; the others are on money paths (pricing,
 * cache model, budget Lua, usage normalisers, report).
 *
 * A mutant whose `search` text is no longer in its file (the code moved) is reported as "gone", not counted.
 */

/** One deliberate bug. */
export interface Mutant {
  /** Short id, e.g. `anthropic-stream-usage`. */
  id: string;
  /** File to change, relative to the repository root. */
  file: string;
  /** Exact text to replace; it must occur exactly once in the file. */
  search: string;
  /** What to put instead. */
  replace: string;
  /** The behaviour the bug breaks, in a few words. */
  breaks: string;
  /** Test files or folders to run against it (paths that do not exist in the tree under test are skipped). */
  tests: string[];
}

/** Tests that drive the public API end to end on money paths. */
const money = "test/money";

export const mutants: Mutant[] = [
  // The ten of the issue 14 audit table.
  {
    id: "orphan-tool-result",
    file: "src/transcript/validate.ts",
    search: "      if (!offered.has(block.callId)) {",
    replace: "      if (false && !offered.has(block.callId)) {",
    breaks: "tool pairing: an orphan tool result is not reported (Anthropic)",
    tests: ["test/adapters/validate.test.ts", "test/adapters/invariants.test.ts", money],
  },
  {
    id: "cache-read-at-input-rate",
    file: "src/pricing/cost.ts",
    search: "cacheRead: perToken(usage.cacheReadTokens, rates.cacheRead),",
    replace: "cacheRead: perToken(usage.cacheReadTokens, rates.input),",
    breaks: "cache-read discount: reads priced at the input rate",
    tests: ["test/pricing", money],
  },
  {
    id: "payback-multiple-zero",
    file: "strategies/cache-aware.ts",
    search: "const multiple = needed ? 0 : settings.paybackMultiple * (1 - pressure);",
    replace: "const multiple = 0;",
    breaks: "payback rule: the payback multiple forced to 0",
    tests: ["test/strategies/cache-aware.test.ts", "test/strategies/economics-simulation.test.ts", money],
  },
  {
    id: "lua-reserve-ignores-reserved",
    file: "src/budget/internal/scripts.ts",
    search: "if maxNanos >= 0 and c[1] + c[2] + nanos > maxNanos then",
    replace: "if maxNanos >= 0 and c[1] + nanos > maxNanos then",
    breaks: "Lua reserve limit: reserved spend ignored",
    tests: ["test/budget/redis.test.ts", money],
  },
  {
    id: "claude-code-never-merge",
    file: "src/importers/internal/claude-code-session.ts",
    search: "const known = id === undefined ? undefined : this.assistants.get(id);",
    replace: "const known = id === undefined ? undefined : undefined;",
    breaks: "Claude Code merge by message.id: never merge (usage counted once per line)",
    tests: ["test/importers/claude-code.test.ts", "test/report", money],
  },
  {
    id: "cache-write-1h-price-key",
    file: "src/pricing/internal/normalise.ts",
    search: 'cacheWrite1h: "cache_write_1h_mtok",',
    replace: 'cacheWrite1h: "cache_write_mtok",',
    breaks: "1h cache-write price: wrong price key (1h writes at the 5m price)",
    tests: ["test/pricing", money],
  },
  {
    id: "openai-stream-usage-ignored",
    file: "src/session/formats.ts",
    search: "if (usage !== undefined && usage !== null) return usageFromOpenAIChat(usage);",
    replace: "if (false) return usageFromOpenAIChat(usage);",
    breaks: "OpenAI Chat stream usage never read",
    tests: ["test/e2e/streams.test.ts", "test/wrapper", money],
  },
  {
    id: "counterfactual-without-cache",
    file: "src/session/accounting.ts",
    search: "const uncompactedCost = costOfCall(model, uncompactedUsage);",
    replace:
      "const uncompactedCost = costOfCall(model, { ...uncompactedUsage, inputTokens: promptOf(uncompactedUsage), cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0 });",
    breaks: "counterfactual cost priced without the cache (savings overstated)",
    tests: ["test/e2e", money],
  },
  {
    id: "checkpoint-dropped-every-call",
    file: "src/session/runtime.ts",
    search: "if (checkpoint && (checkpoint.covered > common || checkpoint.covered > state.history.length)) {",
    replace: "if (checkpoint) {",
    breaks: "checkpoint reuse: the checkpoint is dropped on every call",
    tests: ["test/e2e", "test/wrapper", money],
  },
  {
    id: "anthropic-stream-message-delta-ignored",
    file: "src/session/formats.ts",
    search: 'else if (item?.type === "message_delta") delta = { ...delta, ...record(item.usage) };',
    replace: 'else if (item?.type === "message_delta_ignored") delta = { ...delta, ...record(item.usage) };',
    breaks: "Anthropic stream usage: message_delta ignored (output tokens of message_start only)",
    tests: ["test/e2e/streams.test.ts", "test/wrapper", money],
  },
  // Ten more on money paths.
  {
    id: "long-context-tier-inverted",
    file: "src/pricing/cost.ts",
    search: "if (promptTokens > tier.aboveInputTokens)",
    replace: "if (promptTokens < tier.aboveInputTokens)",
    breaks: "long-context tier applied to short prompts instead of long ones",
    tests: ["test/pricing", money],
  },
  {
    id: "cache-write-1h-at-5m-rate",
    file: "src/pricing/cost.ts",
    search: "cacheWrite1h: perToken(usage.cacheWrite1hTokens, rates.cacheWrite1h),",
    replace: "cacheWrite1h: perToken(usage.cacheWrite1hTokens, rates.cacheWrite5m),",
    breaks: "1-hour cache writes priced at the 5-minute rate",
    tests: ["test/pricing", money],
  },
  {
    id: "no-cache-counterfactual-drops-cached",
    file: "src/pricing/cost.ts",
    search: "input: perToken(promptTokens, rates.input),",
    replace: "input: perToken(usage.inputTokens, rates.input),",
    breaks: "the report's no-caching dollars leave out the cached tokens",
    tests: ["test/pricing", "test/report", money],
  },
  {
    id: "openai-chat-cached-counted-twice",
    file: "src/usage/normalize.ts",
    search: "const inputTokens = shape.prompt_tokens - cacheRead - writeTotal;",
    replace: "const inputTokens = shape.prompt_tokens - writeTotal;",
    breaks: "OpenAI Chat cached tokens billed twice (as input and as reads)",
    tests: ["test/usage", money],
  },
  {
    id: "openai-responses-cached-counted-twice",
    file: "src/usage/normalize.ts",
    search: "const inputTokens = shape.input_tokens - cacheRead - writes;",
    replace: "const inputTokens = shape.input_tokens - writes;",
    breaks: "OpenAI Responses cached tokens billed twice",
    tests: ["test/usage", money],
  },
  {
    id: "anthropic-server-compaction-ignored",
    file: "src/usage/normalize.ts",
    search: 'if (iteration.type !== "compaction") continue;',
    replace: "continue;",
    breaks: "Anthropic server-side compaction usage (usage.iterations) not billed",
    tests: ["test/usage", "test/e2e/provider-context.test.ts", money],
  },
  {
    id: "anthropic-1h-writes-as-5m",
    file: "src/usage/normalize.ts",
    search: "return [Math.max(fiveMinutes, total - oneHour), oneHour];",
    replace: "return [total, 0];",
    breaks: "Anthropic 1-hour cache writes read as 5-minute writes (under-billed)",
    tests: ["test/usage", money],
  },
  {
    id: "openai-cache-steps-round-up",
    file: "src/cache/openai.ts",
    search:
      "this.minimumTokens + Math.floor((matched - this.minimumTokens) / this.stepTokens) * this.stepTokens",
    replace:
      "this.minimumTokens + Math.ceil((matched - this.minimumTokens) / this.stepTokens) * this.stepTokens",
    breaks: "OpenAI cache model rounds hits up: predicts reads the provider does not give",
    tests: ["test/cache", money],
  },
  {
    id: "anthropic-ttl-an-hour",
    file: "src/cache/anthropic.ts",
    search: "export const fiveMinutesMs = 5 * 60 * 1000;",
    replace: "export const fiveMinutesMs = 60 * 60 * 1000;",
    breaks: "Anthropic 5-minute entries modelled as living an hour (idle reads predicted)",
    tests: ["test/cache", money],
  },
  {
    id: "lua-settle-spends-nothing",
    file: "src/budget/internal/scripts.ts",
    // The line after `unhold` (the settle script; the replay script has the same line without it).
    search: "unhold(entry.w, ARGV[1])\n  redis.call('HINCRBY', entry.w, 'spentNanos', ARGV[2])",
    replace: "unhold(entry.w, ARGV[1])\n  redis.call('HINCRBY', entry.w, 'spentNanos', 0)",
    breaks: "Redis settle releases the hold but never records the spend",
    tests: ["test/budget/redis.test.ts", money],
  },
  {
    id: "report-subagents-left-out",
    file: "src/report/report.ts",
    search: "for (const subagent of report.subagents) mergeInto(report, subagent);",
    replace: "for (const subagent of report.subagents) void subagent;",
    breaks: "compactor report leaves subagent spend out of its session and total",
    tests: ["test/report", money],
  },
  {
    id: "saving-ignores-summarizer",
    file: "src/session/session-report.ts",
    search: "const saving = totals.uncompactedCostUsd - totals.costUsd - totals.summarizerCostUsd;",
    replace: "const saving = totals.uncompactedCostUsd - totals.costUsd;",
    breaks: "the realised saving forgets what the summarizer cost",
    tests: ["test/e2e", money],
  },
  // Documented features with no test before issue 14 (not money paths, but what users rely on).
  {
    id: "summarizer-cost-not-totalled",
    file: "src/session/compaction.ts",
    search: "if (plan.summarizerCostUsd !== null) state.meta.totals.summarizerCostUsd += plan.summarizerCostUsd;",
    replace: "if (plan.summarizerCostUsd !== null) state.meta.totals.summarizerCostUsd += 0;",
    breaks: "the session report leaves out what the summarizer's calls cost",
    tests: ["test/e2e", money],
  },
  {
    id: "diagnostics-channel-silent",
    file: "src/events/sinks.ts",
    search: "if (channel.hasSubscribers) channel.publish(event);",
    replace: "if (false) channel.publish(event);",
    breaks: "events are not published on node:diagnostics_channel compactor:event",
    tests: ["test/e2e", "test/features/diagnostics-channel.test.ts"],
  },
  {
    id: "set-default-price-table-ignored",
    file: "src/pricing/default-table.ts",
    search: "  installed = table;",
    replace: "  void table;",
    breaks: "setDefaultPriceTable has no effect: overrides are ignored everywhere",
    tests: ["test/pricing", "test/features/default-price-table.test.ts"],
  },
];
