/**
 * An independent bill of a Claude Code session file, for checking `compactor report`: it reads the raw JSONL
 * lines itself, counts each API response once (lines repeating a `message.id` carry the same response; the
 * last line has its final counts), and prices the raw usage fields with the small hand-written table of
 * test/money/prices.ts. It shares no code with compactor's importers, usage normalisers or pricing.
 */
import { readFileSync } from "node:fs";
import { oracleCost, oraclePrices } from "./prices.js";

/** Claude Code's locally generated messages (no API call). */
const synthetic = "<synthetic>";

/** The oracle's model name for a recorded one: dated names (`claude-opus-4-5-20251101`) by their prefix. */
export function oracleModel(recorded: string): string {
  const known = Object.keys(oraclePrices)
    .filter((name) => recorded === name || recorded.startsWith(`${name}-`))
    .sort((left, right) => right.length - left.length)[0];
  if (known !== undefined) return known;
  throw new Error(`the oracle has no price for ${recorded}`);
}

interface RawUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } | null;
}

/** Dollars and calls of one Claude Code JSONL file, from its raw lines. */
export function oracleBill(file: string): { costUsd: number; calls: number; outputTokens: number } {
  const responses = new Map<string, { model: string; usage: RawUsage }>();
  let anonymous = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let record: { type?: string; message?: { id?: string; model?: string; usage?: RawUsage } };
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const message = record.message;
    if (record.type !== "assistant" || !message?.usage || message.model === undefined) continue;
    if (message.model === synthetic) continue;
    responses.set(message.id ?? `line-${anonymous++}`, { model: message.model, usage: message.usage });
  }
  let costUsd = 0;
  let calls = 0;
  let outputTokens = 0;
  for (const { model, usage } of responses.values()) {
    const written = usage.cache_creation_input_tokens ?? 0;
    const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
    const tokens = {
      inputTokens: usage.input_tokens ?? 0,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWrite5mTokens: written - oneHour,
      cacheWrite1hTokens: oneHour,
      outputTokens: usage.output_tokens ?? 0,
    };
    const total = Object.values(tokens).reduce((sum, count) => sum + count, 0);
    if (total === 0) continue; // an empty placeholder, not a billed call
    // No recorded prompt reaches a long-context tier (all are under 200k tokens); refuse rather than misprice.
    if (tokens.inputTokens + tokens.cacheReadTokens + written > 200_000)
      throw new Error(`${file}: a prompt above 200k tokens needs the long-context tier`);
    costUsd += oracleCost(oracleModel(model), tokens);
    outputTokens += tokens.outputTokens;
    calls++;
  }
  return { costUsd, calls, outputTokens };
}
