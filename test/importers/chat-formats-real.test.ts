import path from "node:path";
import { describe, expect, it } from "vitest";
import { detectFormat, importTranscript } from "../../src/importers/index.js";
import { promptTokensOf } from "../../src/usage/index.js";
import {
  type RawJson,
  readJson,
  skipReason,
  transcriptFiles,
  transcriptsMissing,
} from "./shared-transcripts.js";

const miniSweAgentFiles = transcriptFiles("mini-swe-agent", ".traj.json");
const tauBenchFiles = transcriptFiles("tau-bench", ".json");
const sweAgentFiles = transcriptFiles("swe-agent", ".traj");

function byName(files: string[]): Array<[string, string]> {
  return files.map((file) => [path.basename(file), file]);
}

describe.skipIf(transcriptsMissing)(`mini-swe-agent trajectories${skipReason}`, () => {
  it("has the 36 recorded sessions", () => {
    expect(miniSweAgentFiles).toHaveLength(36);
  });

  it.each(byName(miniSweAgentFiles))("%s: one call per assistant message with usage", async (_name, file) => {
    const raw = readJson(file);
    const withUsage = raw.messages.filter(
      (message: RawJson) => message.role === "assistant" && message.extra?.response?.usage,
    );
    const [transcript] = await importTranscript(file);
    if (transcript === undefined) throw new Error("no transcript");
    expect(transcript.format).toBe("mini-swe-agent");
    expect(transcript.provider).toBe("openai-chat");
    expect(transcript.messages).toHaveLength(raw.messages.length);
    expect(transcript.calls).toHaveLength(withUsage.length);
    expect(transcript.calls).toHaveLength(raw.info.model_stats.api_calls);
    const sentPrompt = withUsage.reduce(
      (sum: number, message: RawJson) => sum + message.extra.response.usage.prompt_tokens,
      0,
    );
    const cached = withUsage.reduce(
      (sum: number, message: RawJson) =>
        sum + message.extra.response.usage.prompt_tokens_details.cached_tokens,
      0,
    );
    const usages = transcript.calls.map((call) => call.usage).filter((usage) => usage !== undefined);
    expect(usages.reduce((sum, usage) => sum + promptTokensOf(usage), 0)).toBe(sentPrompt);
    expect(usages.reduce((sum, usage) => sum + usage.cacheReadTokens, 0)).toBe(cached);
    // OpenRouter reports the billed cost in usage.cost; two sessions ran through another route without it.
    const rawCosts = withUsage.map((message: RawJson) => message.extra.response.usage.cost);
    const reportedCosts = usages.map((usage) => usage.reportedCostUsd);
    expect(reportedCosts).toEqual(rawCosts);
    if (rawCosts.every((cost: unknown) => typeof cost === "number")) {
      const reportedCost = usages.reduce((sum, usage) => sum + (usage.reportedCostUsd ?? 0), 0);
      expect(reportedCost).toBeCloseTo(raw.info.model_stats.instance_cost, 9);
    }
    expect(transcript.statedTotals?.costUsd).toBe(raw.info.model_stats.instance_cost);
    expect(transcript.model).toMatch(/gemini-3-pro-preview$/);
    for (const call of transcript.calls) {
      expect(call.promptStart).toBe(0);
      expect(transcript.messages[call.responseIndex]?.role).toBe("assistant");
      expect(call.timestamp).toBeGreaterThan(Date.parse("2025-11-01"));
    }
  });

  it("keeps the system prompt and the task as the first two messages", async () => {
    const [transcript] = await importTranscript(miniSweAgentFiles[0] ?? "");
    expect(transcript?.messages[0]?.role).toBe("system");
    expect(transcript?.messages[1]?.role).toBe("user");
    const task = transcript?.messages[1]?.content[0];
    expect(task?.type === "text" && task.text.startsWith("<pr_description>")).toBe(true);
    expect(transcript?.metadata?.instance_id).toBe(path.basename(miniSweAgentFiles[0] ?? "", ".traj.json"));
  });
});

describe.skipIf(transcriptsMissing)(`tau-bench records${skipReason}`, () => {
  it.each(byName(tauBenchFiles))(
    "%s: native tool calls paired with role tool results",
    async (_name, file) => {
      const raw = readJson(file);
      expect(detectFormat(file, JSON.stringify(raw))).toBe("tau-bench");
      const [transcript] = await importTranscript(file);
      if (transcript === undefined) throw new Error("no transcript");
      const assistants = raw.traj.filter((message: RawJson) => message.role === "assistant");
      const toolCalls = assistants.reduce(
        (sum: number, message: RawJson) => sum + (message.tool_calls?.length ?? 0),
        0,
      );
      expect(transcript.messages).toHaveLength(raw.traj.length);
      expect(transcript.calls).toHaveLength(assistants.length);
      expect(transcript.calls.every((call) => call.usage === undefined)).toBe(true);
      const blocks = transcript.messages.flatMap((message) => message.content);
      expect(blocks.filter((block) => block.type === "tool_call")).toHaveLength(toolCalls);
      const results = blocks.filter((block) => block.type === "tool_result");
      expect(results).toHaveLength(raw.traj.filter((message: RawJson) => message.role === "tool").length);
      // tau-bench reuses some call ids within a session: a result answers the latest call with its id.
      const latestName = new Map<string, string>();
      for (const block of blocks) {
        if (block.type === "tool_call") latestName.set(block.id, block.name);
        if (block.type === "tool_result") expect(block.name).toBe(latestName.get(block.callId));
      }
      expect(transcript.metadata).toEqual({ task_id: raw.task_id, reward: raw.reward, trial: raw.trial });
    },
  );
});

describe.skipIf(transcriptsMissing)(`SWE-agent trajectories${skipReason}`, () => {
  it.each(byName(sweAgentFiles))(
    "%s: history messages, calls without usage, stated totals",
    async (_name, file) => {
      const raw = readJson(file);
      const [transcript] = await importTranscript(file);
      if (transcript === undefined) throw new Error("no transcript");
      expect(transcript.messages).toHaveLength(raw.history.length);
      const responses = raw.history.filter(
        (message: RawJson) => message.role === "assistant" && !message.is_demo,
      );
      expect(transcript.calls).toHaveLength(responses.length);
      expect(transcript.calls.every((call) => call.usage === undefined)).toBe(true);
      expect(transcript.statedTotals).toEqual({
        promptTokens: raw.info.model_stats.tokens_sent,
        outputTokens: raw.info.model_stats.tokens_received,
        costUsd: raw.info.model_stats.instance_cost,
        calls: raw.info.model_stats.api_calls,
      });
    },
  );

  it("reads function-calling trajectories: tool_call_ids answer the assistant's tool_calls", async () => {
    const file = sweAgentFiles.find((name) => name.includes("6e44b9")) ?? "";
    const [transcript] = await importTranscript(file);
    const results = transcript?.messages.filter((message) => message.role === "tool") ?? [];
    expect(results).toHaveLength(4);
    expect(results[0]?.content[0]).toMatchObject({
      type: "tool_result",
      callId: "call_fJuazlMUN5fQDQ73G6XSpYpx",
      name: "find_file",
    });
    expect(transcript?.model).toBe("gpt-4o");
    // The log says 5 API calls; the final submit response is not in history.
    expect(transcript?.calls).toHaveLength(4);
    expect(transcript?.statedTotals?.calls).toBe(5);
  });
});
