import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { replayClaudeCodeSession, type SessionResult } from "../../benchmarks/cache/claude-code-replay.js";
import { importClaudeCode } from "../../src/importers/claude-code.js";
import type { Transcript } from "../../src/transcript/types.js";

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const folder = path.resolve(repositoryRoot, "../shared/transcripts", "claude-code");
const present = existsSync(folder);

/** Files under 1 MB: the short sessions and subagents (benchmarks/cache/claude-code.ts replays them all). */
const largestFileBytes = 1_000_000;

async function smallSessions(): Promise<Transcript[]> {
  const names = (await readdir(folder, { recursive: true })).filter((name) => name.endsWith(".jsonl")).sort();
  const transcripts: Transcript[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    if ((await stat(file)).size > largestFileBytes) continue;
    for (const transcript of importClaudeCode(file, await readFile(file, "utf8"))) {
      transcripts.push(transcript, ...(transcript.subsessions ?? []));
    }
  }
  return transcripts;
}

const title = "Anthropic cache model on recorded Claude Code sessions (needs ../shared/transcripts)";

describe.skipIf(!present)(title, () => {
  let sessions: Transcript[] = [];
  beforeAll(async () => {
    sessions = await smallSessions();
  });

  it("predicts each session's cache reads within 5% when given the recorded prompt sizes", () => {
    const results = sessions
      .map((transcript) => replayClaudeCodeSession(transcript, "last-two-messages", "recorded"))
      .filter((result): result is SessionResult => result !== undefined);
    expect(results.length).toBeGreaterThanOrEqual(6);
    for (const result of results) expect(result.readRatio, result.session).toBeGreaterThan(0.95);
    for (const result of results) expect(result.readRatio, result.session).toBeLessThan(1.05);
  });

  it("predicts cache reads from estimated sizes alone within what the README states (5% on 9 of 10 sessions, 94.5% overall)", () => {
    const results = sessions
      .map((transcript) => replayClaudeCodeSession(transcript, "last-two-messages", "estimated"))
      .filter((result): result is SessionResult => result !== undefined);
    const recorded = results.reduce((sum, result) => sum + result.recorded.read, 0);
    const predicted = results.reduce((sum, result) => sum + result.predicted.read, 0);
    expect(results.length).toBeGreaterThan(0);
    const within = results.filter((result) => Math.abs(result.readRatio - 1) <= 0.05).length;
    expect(within, "sessions within 5%").toBeGreaterThanOrEqual(Math.ceil(0.9 * results.length));
    expect(predicted / recorded).toBeGreaterThanOrEqual(0.945);
    expect(predicted / recorded).toBeLessThanOrEqual(1.055);
  });
});
