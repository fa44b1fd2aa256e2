import { describe, expect, it } from "vitest";
import { combineOpenHandsLlmLogs, importPath, importTranscript } from "../../src/importers/index.js";
import { promptTokensOf } from "../../src/usage/index.js";
import {
  type RawJson,
  readJson,
  readJsonLines,
  skipReason,
  transcriptFiles,
  transcriptPath,
  transcriptsMissing,
} from "./shared-transcripts.js";

const outputFile = transcriptPath("openhands/multi-swe-bench/multi_swe_bench_examples_output.jsonl");
const logFiles = transcriptFiles("openhands/agent-sdk-llm-logs", ".json");

describe.skipIf(transcriptsMissing)(`OpenHands evaluation output${skipReason}`, () => {
  it("reads one transcript per instance, one call per distinct model response", async () => {
    const records = readJsonLines(outputFile);
    const transcripts = await importTranscript(outputFile);
    expect(transcripts.map((transcript) => transcript.id)).toEqual(
      records.map((record) => `multi_swe_bench_examples_output.jsonl#${record.instance_id}`),
    );
    transcripts.forEach((transcript, index) => {
      const record = records[index];
      const responses = new Set(
        record.history
          .filter((event: RawJson) => event.action && event.tool_call_metadata)
          .map((event: RawJson) => event.tool_call_metadata.model_response.id),
      );
      expect(transcript.calls).toHaveLength(responses.size);
      expect(transcript.calls).toHaveLength(record.metrics.token_usages.length);
      const usages = transcript.calls.map((call) => call.usage).filter((usage) => usage !== undefined);
      expect(usages).toHaveLength(transcript.calls.length);
      const prompt = usages.reduce((sum, usage) => sum + promptTokensOf(usage), 0);
      const output = usages.reduce((sum, usage) => sum + usage.outputTokens, 0);
      expect(prompt).toBe(record.metrics.accumulated_token_usage.prompt_tokens);
      expect(output).toBe(record.metrics.accumulated_token_usage.completion_tokens);
      expect(transcript.messages[0]?.role).toBe("system");
      expect(transcript.messages[1]?.role).toBe("user");
      expect(transcript.tools?.map((tool) => tool.name)).toEqual([
        "execute_bash",
        "think",
        "finish",
        "str_replace_editor",
      ]);
    });
    expect(transcripts.map((transcript) => transcript.calls.length)).toEqual([23, 33, 49]);
  });

  it("answers every tool call but the final finish with a tool message carrying its name", async () => {
    for (const transcript of await importTranscript(outputFile)) {
      const calls = transcript.messages.flatMap((message) =>
        message.content.flatMap((block) => (block.type === "tool_call" ? [block] : [])),
      );
      const results = transcript.messages.flatMap((message) =>
        message.content.flatMap((block) => (block.type === "tool_result" ? [block] : [])),
      );
      for (const result of results) {
        expect(calls.find((call) => call.id === result.callId)?.name).toBe(result.name);
      }
      // Only a final `finish` call goes unanswered (the third run stopped after an answered `run`).
      const unanswered = calls.filter((call) => !results.some((result) => result.callId === call.id));
      expect(unanswered.map((call) => call.name)).toEqual(transcript.calls.length === 49 ? [] : ["finish"]);
    }
  });
});

describe.skipIf(transcriptsMissing)(`OpenHands agent-sdk LiteLLM logs${skipReason}`, () => {
  it("reads each log as a one-call transcript with the request and the response", async () => {
    for (const file of logFiles) {
      const raw = readJson(file);
      const [transcript] = await importTranscript(file);
      expect(transcript?.messages).toHaveLength(raw.messages.length + 1);
      expect(transcript?.calls).toEqual([
        expect.objectContaining({
          promptStart: 0,
          promptEnd: raw.messages.length,
          responseIndex: raw.messages.length,
        }),
      ]);
      expect(transcript?.calls[0]?.usage && promptTokensOf(transcript.calls[0].usage)).toBe(
        raw.response.usage.prompt_tokens,
      );
    }
  });

  it("combines the six logs of the folder into one session, ordered by the time in the names", async () => {
    const [combined, ...rest] = await importPath(transcriptPath("openhands/agent-sdk-llm-logs"));
    expect(rest).toHaveLength(0);
    if (combined === undefined) throw new Error("no transcript");
    const raws = logFiles.map(readJson);
    expect(combined.format).toBe("openhands-llm-log");
    expect(combined.calls).toHaveLength(6);
    expect(combined.messages).toHaveLength((raws.at(-1)?.messages.length ?? 0) + 1);
    expect(combined.calls.map((call) => call.promptEnd)).toEqual(raws.map((raw) => raw.messages.length));
    expect(combined.calls.every((call) => call.promptStart === 0)).toBe(true);
    const timestamps = combined.calls.map((call) => call.timestamp ?? 0);
    expect([...timestamps].sort((left, right) => left - right)).toEqual(timestamps);
    const prompt = combined.calls.reduce(
      (sum, call) => sum + (call.usage ? promptTokensOf(call.usage) : 0),
      0,
    );
    expect(prompt).toBe(raws.reduce((sum, raw) => sum + raw.response.usage.prompt_tokens, 0));
    expect(combined.statedTotals?.costUsd).toBeCloseTo(
      raws.reduce((sum, raw) => sum + raw.cost, 0),
      9,
    );
  });

  it("combines logs given in any order", async () => {
    const singles = (await Promise.all(logFiles.map((file) => importTranscript(file)))).flat();
    const forward = combineOpenHandsLlmLogs(singles);
    const backward = combineOpenHandsLlmLogs([...singles].reverse());
    expect(backward).toEqual(forward);
  });
});
