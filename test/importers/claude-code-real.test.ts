import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importPath, importTranscript } from "../../src/importers/index.js";
import type { Transcript } from "../../src/transcript/types.js";
import { promptTokensOf } from "../../src/usage/index.js";
import {
  type RawJson,
  readJsonLines,
  skipReason,
  transcriptFiles,
  transcriptPath,
  transcriptsMissing,
} from "./shared-transcripts.js";

/** Every recorded Claude Code log, whatever projects the folder holds now. */
const sessionFiles = transcriptsMissing
  ? []
  : readdirSync(transcriptPath("claude-code"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .flatMap((entry) => transcriptFiles(`claude-code/${entry.name}`, ".jsonl"));

interface RawTotals {
  ids: string[];
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

/** Billed responses of a log, counted straight from the lines: the last usage of each distinct message.id. */
function rawTotals(lines: RawJson[], includeSidechains: boolean): RawTotals {
  const last = new Map<string, RawJson>();
  for (const line of lines) {
    if (line.type !== "assistant" || (line.isSidechain && !includeSidechains)) continue;
    if (line.message.model === "<synthetic>" || line.message.usage === undefined) continue;
    last.set(line.message.id, line.message.usage);
  }
  const totals: RawTotals = { ids: [...last.keys()], input: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
  for (const usage of last.values()) {
    totals.input += usage.input_tokens;
    totals.cacheRead += usage.cache_read_input_tokens ?? 0;
    totals.cacheWrite += usage.cache_creation_input_tokens ?? 0;
    totals.output += usage.output_tokens;
  }
  return totals;
}

function importedTotals(transcript: Transcript): RawTotals {
  const totals: RawTotals = { ids: [], input: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
  for (const call of transcript.calls) {
    totals.ids.push(call.responseId ?? "");
    const usage = call.usage;
    if (usage === undefined) continue;
    totals.input += usage.inputTokens;
    totals.cacheRead += usage.cacheReadTokens;
    totals.cacheWrite += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
    totals.output += usage.outputTokens;
  }
  return totals;
}

describe.skipIf(transcriptsMissing)(`Claude Code sessions in ../shared/transcripts${skipReason}`, () => {
  it("finds the named logs the cases below use, and the parent log of every subagent file", () => {
    const names = sessionFiles.map((file) => path.relative(transcriptPath("claude-code"), file));
    expect(names).toEqual(
      expect.arrayContaining([
        "marot-spotter/4d5611e5-241a-462a-8d15-5122611a9569.jsonl",
        "marot-spotter/4d5611e5-241a-462a-8d15-5122611a9569__subagents__agent-a2898e3.jsonl",
        "marot-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
        "marot-spotter/fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl",
        "sniffly/ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl",
        "sniffly/d3ad4cdc-5657-435d-98fa-0035d53e383d.jsonl",
        "claude-code-viewer/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl",
      ]),
    );
    for (const name of names.filter((name) => name.includes("__subagents__"))) {
      expect(names, name).toContain(`${name.slice(0, name.indexOf("__subagents__"))}.jsonl`);
    }
  });

  it.each(sessionFiles.map((file) => [path.basename(file), file]))(
    "%s (every recorded log): one call per distinct billed message.id, usage counted once per id",
    async (_name, file) => {
      const lines = readJsonLines(file);
      const isSubagentFile = file.includes("__subagents__");
      const [transcript] = await importTranscript(file);
      if (transcript === undefined) throw new Error("no transcript");
      const expected = rawTotals(lines, isSubagentFile);
      const imported = importedTotals(transcript);
      expect(imported.ids).toEqual(expected.ids);
      expect(imported).toEqual(expected);
      expect(transcript.calls.every((call) => call.usage !== undefined && call.timestamp !== undefined)).toBe(
        true,
      );
    },
  );

  it("matches the response counts checked by hand (139, 143, 157 for marot-spotter; 24, 62 for sniffly)", async () => {
    const counts = await Promise.all(
      [
        "marot-spotter/4d5611e5-241a-462a-8d15-5122611a9569.jsonl",
        "marot-spotter/8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
        "marot-spotter/fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl",
        "sniffly/ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl",
        "sniffly/d3ad4cdc-5657-435d-98fa-0035d53e383d.jsonl",
      ].map(async (name) => (await importTranscript(transcriptPath("claude-code", name)))[0]?.calls.length),
    );
    expect(counts).toEqual([139, 143, 157, 24, 62]);
  });

  it("alternates assistant responses and user turns, with every tool_use answered in the next message", async () => {
    const [transcript] = await importTranscript(
      transcriptPath("claude-code/sniffly/ba79134d-b6e9-4867-af0c-6941038c9e4b.jsonl"),
    );
    const messages = transcript?.messages ?? [];
    expect(messages).toHaveLength(48);
    messages.forEach((message, index) => {
      expect(message.role).toBe(index % 2 === 0 ? "user" : "assistant");
      const callIds = message.content.flatMap((block) => (block.type === "tool_call" ? [block.id] : []));
      const next = messages[index + 1];
      const resultIds =
        next?.content.flatMap((block) => (block.type === "tool_result" ? [block.callId] : [])) ?? [];
      for (const id of callIds) expect(resultIds).toContain(id);
    });
  });

  it.each(transcriptFiles("claude-code/marot-spotter", ".jsonl").filter((file) => !file.includes("__")))(
    "records the compact_boundary of %s and starts a new prompt window there",
    async (file) => {
      const boundaries = readJsonLines(file).filter((line) => line.subtype === "compact_boundary");
      const [transcript] = await importTranscript(file);
      if (transcript === undefined) throw new Error("no transcript");
      expect(boundaries).toHaveLength(1);
      expect(transcript.compactions).toHaveLength(1);
      const compaction = transcript.compactions?.[0];
      if (compaction === undefined) throw new Error("no compaction");
      expect(compaction.preTokens).toBe(boundaries[0].compactMetadata.preTokens);
      expect(compaction.timestamp).toBe(Date.parse(boundaries[0].timestamp));
      const boundary = compaction.messageIndex;
      expect(transcript.messages[boundary]?.content[0]?.type).toBe("summary");
      const before = transcript.calls.filter((call) => call.responseIndex < boundary);
      const after = transcript.calls.filter((call) => call.responseIndex > boundary);
      expect(before.every((call) => call.promptStart === 0)).toBe(true);
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((call) => call.promptStart === boundary)).toBe(true);
      // The first call after the compaction sends far fewer tokens than preTokens.
      const firstAfter = after[0]?.usage;
      expect(firstAfter && promptTokensOf(firstAfter)).toBeLessThan((compaction.preTokens ?? 0) / 2);
    },
  );

  it("splits inline sidechains (no agentId, Claude Code 1.0.98) into subsessions by parentUuid chain", async () => {
    const file = transcriptPath("claude-code/claude-code-viewer/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl");
    const lines = readJsonLines(file);
    const [transcript] = await importTranscript(file);
    if (transcript === undefined) throw new Error("no transcript");
    const subsessions = transcript.subsessions ?? [];
    expect(subsessions.map((session) => session.id)).toEqual([
      "5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl#sidechain-1",
      "5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl#sidechain-2",
    ]);
    expect(subsessions.map((session) => session.calls.length)).toEqual([3, 7]);
    const all = rawTotals(lines, true);
    const main = rawTotals(lines, false);
    expect(transcript.calls).toHaveLength(main.ids.length);
    expect(
      transcript.calls.length + subsessions.reduce((sum, session) => sum + session.calls.length, 0),
    ).toBe(all.ids.length);
    for (const session of subsessions) expect(session.messages[0]?.role).toBe("user");
  });

  it("attaches subagent files to their parent session when a folder is imported", async () => {
    const transcripts = await importPath(transcriptPath("claude-code/marot-spotter"));
    expect(transcripts.map((transcript) => transcript.id)).toEqual([
      "4d5611e5-241a-462a-8d15-5122611a9569.jsonl",
      "8463c716-a2ea-4c14-9efa-87158ebd9f20.jsonl",
      "fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl",
    ]);
    const subagents = transcripts.map((transcript) =>
      (transcript.subsessions ?? []).map((session) => session.id),
    );
    expect(subagents).toEqual([
      ["4d5611e5-241a-462a-8d15-5122611a9569__subagents__agent-a2898e3.jsonl"],
      [],
      [
        "fa812bfe-b295-4cca-9c2f-fdf01028cb46__subagents__agent-a93ccab.jsonl",
        "fa812bfe-b295-4cca-9c2f-fdf01028cb46__subagents__agent-acompact-70d8e7.jsonl",
      ],
    ]);
    const compactCall = transcripts[2]?.subsessions?.[1];
    expect(compactCall?.calls).toHaveLength(1);
    expect(compactCall?.model).toBe("claude-opus-4-6");
  });
});
