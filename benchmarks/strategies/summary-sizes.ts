/**
 * How large the summaries a real agent writes are: the size, in o200k tokens, of every Claude Code compaction
 * summary in `../shared/transcripts/claude-code` (the user message marked `isCompactSummary` that follows each
 * `compact_boundary`). This is the measurement behind the summary-size prior of the cache-aware rule
 * (`summaryPriorTokens`, README "The cache-aware formula"). Prints one line per session and the quartiles, and
 * one JSON line. Takes a few seconds.
 *
 * Run: `npx tsx benchmarks/strategies/summary-sizes.ts`.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { defaultTokenCounter } from "../../src/session/token-counter.js";
import { transcriptsFolder, transcriptsPresent } from "./sessions.js";

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const full = path.join(folder, name);
    return statSync(full).isDirectory() ? files(full) : name.endsWith(".jsonl") ? [full] : [];
  });
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && "text" in part ? String(part.text) : ""))
      .join("\n");
  }
  return "";
}

/** The value below which `share` of the sorted `values` lie (nearest rank). */
function quantile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? 0;
}

async function main(): Promise<void> {
  const folder = path.join(transcriptsFolder, "claude-code");
  if (!transcriptsPresent()) {
    console.log(`skipped: no recorded sessions at ${transcriptsFolder}`);
    return;
  }
  const tokens = defaultTokenCounter();
  const sizes: Array<{ file: string; tokens: number }> = [];
  for (const file of files(folder)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line.includes('"isCompactSummary":true')) continue;
      const entry = JSON.parse(line) as { message?: { content?: unknown } };
      const text = textOf(entry.message?.content);
      sizes.push({ file: path.relative(folder, file), tokens: tokens.countRaw(text) });
    }
  }
  for (const size of sizes) console.log(`${String(size.tokens).padStart(7)}  ${size.file}`);
  const sorted = sizes.map((size) => size.tokens).sort((left, right) => left - right);
  const summary = {
    summaries: sorted.length,
    min: sorted[0] ?? null,
    p25: quantile(sorted, 0.25),
    median: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    max: sorted[sorted.length - 1] ?? null,
  };
  console.log(
    `\n${summary.summaries} Claude Code compaction summaries, o200k tokens: min ${summary.min}, p25 ${summary.p25}, median ${summary.median}, p75 ${summary.p75}, max ${summary.max}`,
  );
  console.log(JSON.stringify({ benchmark: "strategies/summary-sizes", ...summary, sizes }));
}

await main();
