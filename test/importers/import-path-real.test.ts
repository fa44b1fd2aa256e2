import { readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importPath } from "../../src/importers/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import { skipReason, transcriptsFolder, transcriptsMissing } from "./shared-transcripts.js";

function allFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(path.join(folder, entry.name)) : [path.join(folder, entry.name)],
  );
}

describe.skipIf(transcriptsMissing)(`importPath over all of ../shared/transcripts${skipReason}`, () => {
  const runs: Transcript[][] = [];
  const elapsed: number[] = [];
  const skipped: string[] = [];

  beforeAll(async () => {
    // Three runs: the best one measures the importers rather than the load of a shared machine.
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      runs.push(await importPath(transcriptsFolder, { onSkip: (file) => skipped.push(file) }));
      elapsed.push(performance.now() - started);
    }
  });

  it("imports every recorded session in well under 2 s, skipping LICENSE, README and results_summary.json", () => {
    expect(Math.min(...elapsed)).toBeLessThan(2000);
    const transcripts = runs[0] ?? [];
    expect(skipped).toEqual([]);
    const counts = new Map<string, number>();
    for (const transcript of transcripts)
      counts.set(transcript.format, (counts.get(transcript.format) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      "claude-code": 6,
      "mini-swe-agent": 36,
      "openhands-llm-log": 1,
      openhands: 3,
      "swe-agent": 3,
      "tau-bench": 6,
    });
    const files = new Set(
      transcripts.flatMap((transcript) => [
        transcript.file,
        ...(transcript.subsessions ?? []).map((s) => s.file),
      ]),
    );
    const ignored = allFiles(transcriptsFolder).filter((file) =>
      /LICENSE|README|results_summary/.test(path.basename(file)),
    );
    for (const file of ignored) expect(files.has(file)).toBe(false);
  });

  it("returns the same transcripts in the same order on every run", () => {
    const [first, ...others] = runs.map((transcripts) => JSON.stringify(transcripts));
    expect(others).toEqual([first, first]);
    const files = (runs[0] ?? []).map((transcript) => transcript.file);
    expect([...files].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0))).toEqual(files);
  });

  it("gives every call a prompt window inside the messages and an assistant response", () => {
    const check = (transcript: Transcript): void => {
      for (const call of transcript.calls) {
        expect(call.promptStart).toBeGreaterThanOrEqual(0);
        expect(call.promptStart).toBeLessThan(call.promptEnd);
        expect(call.promptEnd).toBe(call.responseIndex);
        expect(transcript.messages[call.responseIndex]?.role).toBe("assistant");
      }
      for (const subsession of transcript.subsessions ?? []) check(subsession);
    };
    for (const transcript of runs[0] ?? []) check(transcript);
  });
});
