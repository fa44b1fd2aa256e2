import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importPath } from "../../src/importers/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import {
  readJson,
  skipReason,
  transcriptPath,
  transcriptsFolder,
  transcriptsMissing,
} from "./shared-transcripts.js";

function allFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? allFiles(path.join(folder, entry.name)) : [path.join(folder, entry.name)],
  );
}

const ignoredName = /^(?:licen[sc]e|readme|copying|notice|changelog)(?:\..*)?$|^results_summary\.json$/i;

/** A file the importers read: a transcript extension, not a licence, readme or results summary. */
function isCandidate(file: string): boolean {
  const name = path.basename(file);
  return !ignoredName.test(name) && /\.(?:jsonl|json|ndjson|traj)$/.test(name);
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

  it("imports every recorded session at 15 MB/s or more, skipping LICENSE, README and results_summary.json", () => {
    // The first version of this test allowed 2 s for the 19.5 MB the folder then held (about 10 MB/s).
    const files = allFiles(transcriptsFolder).filter(isCandidate);
    const megabytes = files.reduce((sum, file) => sum + statSync(file).size, 0) / 1e6;
    const best = Math.min(...elapsed);
    expect(megabytes / (best / 1000), `${megabytes.toFixed(1)} MB in ${best.toFixed(0)} ms`).toBeGreaterThan(
      15,
    );
    const transcripts = runs[0] ?? [];
    expect(skipped).toEqual([]);
    const imported = new Set(
      transcripts.flatMap((transcript) => [
        transcript.file,
        ...(transcript.subsessions ?? []).map((s) => s.file),
      ]),
    );
    const ignored = allFiles(transcriptsFolder).filter((file) =>
      /LICENSE|README|results_summary/.test(path.basename(file)),
    );
    for (const file of ignored) expect(imported.has(file)).toBe(false);
    // Every transcript file is imported, in the format of the agent whose folder holds it.
    const formatOf = new Map<string, string>();
    const note = (transcript: Transcript): void => {
      formatOf.set(transcript.file, transcript.format);
      for (const subsession of transcript.subsessions ?? []) note(subsession);
    };
    for (const transcript of transcripts) note(transcript);
    const expectedFormat: Record<string, string[]> = {
      "claude-code": ["claude-code"],
      codex: ["codex"],
      pi: ["pi"],
      "mini-swe-agent": ["mini-swe-agent"],
      "swe-agent": ["swe-agent"],
      "tau-bench": ["tau-bench"],
      openhands: ["openhands", "openhands-llm-log"],
    };
    for (const file of files.filter((file) => !file.endsWith(".metadata.json"))) {
      const agent = path.relative(transcriptsFolder, file).split(path.sep)[0] ?? "";
      const format = formatOf.get(file) ?? (file.includes("llm-logs") ? "openhands-llm-log" : undefined);
      expect(expectedFormat[agent] ?? [], file).toContain(format);
    }
    // Entire checkpoint sidecars are attached to the transcript beside them, never reported.
    const sidecars = files.filter((file) => file.endsWith(".metadata.json"));
    expect(sidecars.length).toBeGreaterThan(0);
    for (const sidecar of sidecars) {
      const transcript = transcripts.find((t) => t.file === sidecar.replace(/\.metadata\.json$/, ".jsonl"));
      const facts = transcript?.metadata?.entireCheckpoint as { checkpoint_id?: string } | undefined;
      expect(facts?.checkpoint_id, sidecar).toBe(readJson(sidecar).checkpoint_id);
    }
  });

  it("recognises Claude Code logs by the records they hold, whatever record comes first", () => {
    const transcripts = runs[0] ?? [];
    const claudeCode = allFiles(transcriptPath("claude-code")).filter(
      (file) => file.endsWith(".jsonl") && !path.basename(file).includes("__subagents__"),
    );
    const startingWithoutMessage = claudeCode.filter((file) => {
      const first = readFileSync(file, "utf8").split("\n", 1)[0] ?? "";
      return !["user", "assistant"].includes(JSON.parse(first).type);
    });
    // Named cases: entireio-cli logs that begin with `summary` or `file-history-snapshot` records.
    expect(startingWithoutMessage.length).toBeGreaterThanOrEqual(10);
    for (const file of startingWithoutMessage) {
      const transcript = transcripts.find((t) => t.file === file);
      expect(transcript?.format, file).toBe("claude-code");
      expect(transcript?.calls.length ?? 0, file).toBeGreaterThan(0);
    }
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
