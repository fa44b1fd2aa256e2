/**
 * The Codex CLI rollouts and pi sessions in ../shared/transcripts (read from there, never copied; skipped when
 * absent): every recorded call is imported with its own usage and model, compactions are kept, and the report
 * reproduces the recorded bills (pi's own dollars to the cent; Codex at the price table's rates).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { importTranscript } from "../../src/importers/index.js";
import { costOfCall } from "../../src/pricing/index.js";
import { reportSession } from "../../src/report/report.js";
import type { Transcript } from "../../src/transcript/types.js";
import {
  type RawJson,
  readJsonLines,
  skipReason,
  transcriptFiles,
  transcriptsMissing,
} from "./shared-transcripts.js";

const codexFiles = transcriptFiles("codex/agentv", ".jsonl");
const piFiles = transcriptFiles("pi/pi-mono", ".jsonl");

/**
 * The calls of a rollout counted from the raw records: token_count events with new totals and some usage;
 * where the running total grew by more than the last call, the difference is a call of its own before it.
 */
function rawCodexCalls(records: RawJson[]): Array<{ usage: RawJson; model: string | undefined }> {
  const calls: Array<{ usage: RawJson; model: string | undefined }> = [];
  const fields = ["input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens"];
  let model: string | undefined;
  let previous: RawJson;
  for (const record of records) {
    if (record.type === "turn_context") model = record.payload.model ?? model;
    if (record.type !== "event_msg" || record.payload.type !== "token_count" || !record.payload.info)
      continue;
    const total = record.payload.info.total_token_usage;
    if (previous && JSON.stringify(total) === JSON.stringify(previous)) continue;
    const usage = record.payload.info.last_token_usage;
    const before = previous;
    previous = total;
    if (usage.input_tokens + usage.output_tokens === 0) continue;
    if (before && total.input_tokens - before.input_tokens > usage.input_tokens) {
      const missed = Object.fromEntries(
        fields.map((field) => [field, total[field] - before[field] - usage[field]]),
      );
      calls.push({ usage: missed, model });
    }
    calls.push({ usage, model });
  }
  return calls;
}

describe.skipIf(transcriptsMissing)(`Codex CLI rollouts${skipReason}`, () => {
  const sessions = new Map<string, { transcript: Transcript; records: RawJson[] }>();

  beforeAll(async () => {
    for (const file of codexFiles) {
      const [transcript] = await importTranscript(file);
      sessions.set(file, { transcript: transcript as Transcript, records: readJsonLines(file) });
    }
  });

  it("reads all ten rollouts as Codex sessions on the Responses API", () => {
    expect(codexFiles).toHaveLength(10);
    for (const { transcript } of sessions.values()) {
      expect(transcript.format).toBe("codex");
      expect(transcript.provider).toBe("openai-responses");
      expect(transcript.system?.[0]?.type).toBe("text");
      expect(transcript.calls.length).toBeGreaterThan(100);
    }
  });

  it("records one call per token_count with new totals, with that call's usage and model", () => {
    for (const [file, { transcript, records }] of sessions) {
      const raw = rawCodexCalls(records);
      expect(
        transcript.calls.map((call) => call.model),
        file,
      ).toEqual(raw.map((call) => call.model));
      expect(
        transcript.calls.map((call) => [
          (call.usage?.inputTokens ?? 0) + (call.usage?.cacheReadTokens ?? 0),
          call.usage?.cacheReadTokens,
          call.usage?.outputTokens,
          call.usage?.reasoningTokens,
          call.usage?.cacheWrite5mTokens,
        ]),
        file,
      ).toEqual(
        raw.map(({ usage }) => [
          usage.input_tokens,
          usage.cached_input_tokens,
          usage.output_tokens,
          usage.reasoning_output_tokens,
          0,
        ]),
      );
      // Where the rollout starts from zero, the calls add up to Codex's own running total.
      const counts = records.filter((r) => r.payload?.type === "token_count" && r.payload.info);
      const first = counts[0]?.payload.info;
      if (first && first.total_token_usage.total_tokens === first.last_token_usage.total_tokens) {
        const total = counts.at(-1)?.payload.info.total_token_usage;
        const input = transcript.calls.reduce(
          (sum, call) => sum + (call.usage?.inputTokens ?? 0) + (call.usage?.cacheReadTokens ?? 0),
          0,
        );
        expect(input, file).toBe(total.input_tokens);
      }
    }
  });

  it("keeps each call's response as its assistant message and Codex's compactions as new prompt windows", () => {
    for (const [file, { transcript, records }] of sessions) {
      const compacted = records.filter((record) => record.type === "compacted").length;
      expect(transcript.compactions?.length ?? 0, file).toBe(compacted);
      for (const compaction of transcript.compactions ?? []) {
        const after = transcript.calls.find((call) => call.promptEnd > compaction.messageIndex);
        if (after) expect(after.promptStart, file).toBe(compaction.messageIndex);
      }
      for (const call of transcript.calls) {
        const response = transcript.messages[call.responseIndex];
        expect(response?.role).toBe("assistant");
        expect(response?.content.length ?? 0).toBeGreaterThan(0);
      }
      // Tool outputs come back as results of the calls the model made, apply_patch (a custom tool) included.
      const calls = new Set(
        transcript.messages.flatMap((m) => m.content.flatMap((b) => (b.type === "tool_call" ? [b.id] : []))),
      );
      const results = transcript.messages.flatMap((m) =>
        m.content.flatMap((b) => (b.type === "tool_result" ? [b.callId] : [])),
      );
      expect(results.length, file).toBeGreaterThan(100);
      for (const id of results) expect(calls.has(id), `${file} ${id}`).toBe(true);
    }
  });

  it("names the session that switched from gpt-5.3-codex-spark to gpt-5.5", () => {
    const switched = [...sessions.values()].filter(
      ({ transcript }) => new Set(transcript.calls.map((call) => call.model)).size > 1,
    );
    expect(switched.map(({ transcript }) => transcript.id)).toEqual(["3c162d1d8ad4-1.jsonl"]);
  });

  it("reports the bill at the price table's rates: input, cached input and output (reasoning included)", () => {
    for (const [file, { transcript }] of sessions) {
      const report = reportSession(transcript);
      const models = new Set(transcript.calls.map((call) => call.model));
      if (models.has("gpt-5.3-codex-spark")) {
        // No public price for Codex-Spark (a ChatGPT-plan research preview): unpriced, not guessed.
        expect(report.costUsd, file).toBeNull();
        expect(report.unpricedModels).toEqual(["gpt-5.3-codex-spark"]);
        continue;
      }
      let expected = 0;
      for (const call of transcript.calls) {
        const usage = call.usage as NonNullable<typeof call.usage>;
        const prompt = usage.inputTokens + usage.cacheReadTokens;
        // gpt-5.5: $5 / $0.50 cached / $30 per M, doubled (and output 1.5×) above 272k prompt tokens.
        const long = prompt > 271_999;
        expected +=
          (usage.inputTokens * (long ? 10 : 5) +
            usage.cacheReadTokens * (long ? 1 : 0.5) +
            usage.outputTokens * (long ? 45 : 30)) /
          1e6;
        expect(costOfCall("gpt-5.5", usage).pricedAs).toBe("gpt-5.5");
      }
      expect(report.costUsd as number, file).toBeCloseTo(expected, 6);
      expect(report.cacheWriteTokens).toBe(0);
    }
  });
});

describe.skipIf(transcriptsMissing)(`pi sessions${skipReason}`, () => {
  const sessions = new Map<string, { transcript: Transcript; records: RawJson[] }>();

  beforeAll(async () => {
    for (const file of piFiles) {
      const [transcript] = await importTranscript(file);
      sessions.set(file, { transcript: transcript as Transcript, records: readJsonLines(file) });
    }
  });

  it("records every assistant turn with usage as a call, at its own model", () => {
    expect(piFiles).toHaveLength(2);
    for (const [file, { transcript, records }] of sessions) {
      expect(transcript.format).toBe("pi");
      const billed = records.filter((record) => {
        const usage = record.type === "message" ? record.message.usage : undefined;
        return usage && usage.input + usage.output + usage.cacheRead + usage.cacheWrite > 0;
      });
      expect(
        transcript.calls.map((call) => call.model),
        file,
      ).toEqual(billed.map((record) => record.message.model));
    }
  });

  it("reproduces the dollars pi recorded for every call: report = recorded cost", () => {
    for (const [file, { transcript, records }] of sessions) {
      const recorded = records.reduce(
        (sum, record) => sum + (record.type === "message" ? (record.message.usage?.cost?.total ?? 0) : 0),
        0,
      );
      const report = reportSession(transcript);
      expect(report.reportedCostUsd as number, file).toBeCloseTo(recorded, 9);
      expect(report.costUsd as number, file).toBeCloseTo(recorded, 6);
      for (const call of transcript.calls) {
        const cost = costOfCall(call.model as string, call.usage as NonNullable<typeof call.usage>);
        expect(cost.costUsd as number, `${file} ${call.timestamp}`).toBeCloseTo(
          call.usage?.reportedCostUsd as number,
          9,
        );
      }
    }
  });

  it("replaces the history at each compaction by the summary and the kept entries", () => {
    const [file, session] =
      [...sessions.entries()].find(([name]) => name.endsWith("before-compaction.jsonl")) ?? [];
    if (!session || !file) throw new Error("before-compaction.jsonl not imported");
    const { transcript, records } = session;
    const compactions = records.filter((record) => record.type === "compaction");
    expect(transcript.compactions?.map((c) => c.preTokens)).toEqual(compactions.map((c) => c.tokensBefore));
    for (const [index, compaction] of (transcript.compactions ?? []).entries()) {
      const summary = transcript.messages[compaction.messageIndex];
      expect(summary?.content[0]).toEqual({ type: "summary", text: compactions[index].summary });
      const next = transcript.calls.find((call) => call.promptEnd > compaction.messageIndex);
      expect(next?.promptStart).toBe(compaction.messageIndex);
      // The first kept entry (a user prompt) follows the summary in that call's prompt.
      const kept = records[compactions[index].firstKeptEntryIndex].message.content[0].text;
      const prompt = transcript.messages.slice(next?.promptStart, next?.promptEnd);
      expect(prompt[1]?.content.some((block) => block.type === "text" && block.text === kept)).toBe(true);
    }
  });
});
