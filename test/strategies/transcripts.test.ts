/**
 * The strategies on the real recorded sessions in ../shared/transcripts (read from there, never copied):
 * every compaction of the last prompt of every session must keep the invariants, and the measured
 * reductions are printed. Tokens are the test estimate (four characters a token): o200k counting of all
 * sessions takes about 30 s, and the strategies' decisions do not depend on the tokenizer.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importPath } from "../../src/importers/index.js";
import type { Message, Transcript } from "../../src/transcript/types.js";
import { defaultStrategy } from "../../strategies/default.js";
import { observationMasking } from "../../strategies/observation-masking.js";
import { summarize } from "../../strategies/summarize.js";
import type { PriceView, Strategy } from "../../strategies/types.js";
import { contextFor, expectValidCompaction, tokenViewOf } from "./support.js";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const transcripts = path.resolve(repositoryRoot, "../shared/transcripts");
const present = existsSync(transcripts);

const sonnet: PriceView = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75, cacheWrite1h: 6 };

/** The prompt of the session's last recorded call, or its whole history. */
function lastPrompt(transcript: Transcript): Message[] {
  const last = transcript.calls.at(-1);
  return last ? transcript.messages.slice(0, last.promptEnd) : transcript.messages;
}

describe.skipIf(!present)(
  "strategies on the recorded sessions in ../shared/transcripts (skipped when absent)",
  () => {
    it("keep every invariant on the last prompt of every session, and report the reduction", async () => {
      const sessions = await importPath(transcripts);
      expect(sessions.length).toBeGreaterThan(40);
      const strategies: Record<string, () => Strategy> = {
        "mask last 10": () => observationMasking(),
        "summarize (extractive)": () => summarize(),
        "default (30k/15k)": () =>
          defaultStrategy({ cacheAware: { highWatermark: 30_000, lowWatermark: 15_000 } }),
      };
      const totals = new Map<string, { before: number; after: number; compactions: number }>();
      for (const transcript of sessions) {
        const messages = lastPrompt(transcript);
        const tokens = tokenViewOf(messages, 0);
        const folder = path.relative(transcripts, transcript.file).split(path.sep)[0] ?? "?";
        for (const [name, make] of Object.entries(strategies)) {
          const context = contextFor(messages, {
            provider: transcript.provider,
            model: transcript.model ?? "unknown",
            callIndex: transcript.calls.length,
            tokens,
            prices: sonnet,
          });
          const result = await make().compact(messages, context);
          const key = `${folder.padEnd(16)} ${name}`;
          const total = totals.get(key) ?? { before: 0, after: 0, compactions: 0 };
          total.before += tokens.total;
          total.after += tokens.total - (result?.removed.tokens ?? 0);
          if (result) {
            total.compactions++;
            expectValidCompaction(messages, result, tokens);
          }
          totals.set(key, total);
        }
      }
      const rows = [...totals.entries()].map(
        ([key, total]) =>
          `${key.padEnd(42)} ${String(total.compactions).padStart(3)} compacted, tokens ${total.before} -> ${total.after} (${(100 * (1 - total.after / total.before)).toFixed(1)}% removed)`,
      );
      console.info(rows.join("\n"));
      const masking = totals.get(`${"mini-swe-agent".padEnd(16)} mask last 10`);
      expect(masking?.compactions).toBeGreaterThan(30);
      // Masking all but the last 10 observations removes about a third of mini-swe-agent's last prompts.
      expect((masking?.after ?? 0) / (masking?.before ?? 1)).toBeLessThan(0.75);
    });
  },
);
