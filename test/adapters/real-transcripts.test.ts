/**
 * The adapters against request shapes recorded from real agents, read from ../shared/transcripts (skipped,
 * with the reason, when that folder is absent). Nothing is copied into the repository.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  fromAnthropicRequest,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "../../src/adapters/anthropic.js";
import {
  fromOpenAIChatRequest,
  fromOpenAIChatResponse,
  toOpenAIChatRequest,
} from "../../src/adapters/openai-chat.js";
import type { ToolCallBlock } from "../../src/transcript/types.js";
import { validateConversation } from "../../src/transcript/validate.js";
import { firstDifference } from "./difference.js";

const root = path.resolve(import.meta.dirname, "../..");
const transcripts = path.resolve(root, "../shared/transcripts");
const missing = !existsSync(transcripts);
const reason = `recorded transcripts not found at ${transcripts}`;

function jsonFiles(folder: string, suffix = ".json"): string[] {
  const directory = path.join(transcripts, folder);
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => path.join(directory, name));
}

type Json = Record<string, unknown>;
const read = (file: string): Json => JSON.parse(readFileSync(file, "utf8")) as Json;

describe.skipIf(missing)(`OpenHands agent-sdk LiteLLM logs (skipped when ${reason})`, () => {
  const files = jsonFiles("openhands/agent-sdk-llm-logs");

  it("finds consecutive logged calls, each with its request messages and raw response", () => {
    // Properties of the log, not its size: at least two calls (so one follows another), each complete.
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      const log = read(file);
      expect(Array.isArray(log.messages), file).toBe(true);
      expect(log.response, file).toHaveProperty("choices");
    }
  });

  it.each(files.map((file) => [path.basename(file), file]))(
    "%s round-trips and is a valid request",
    (_name, file) => {
      const log = read(file);
      const request = {
        model: "claude-sonnet-4",
        messages: log.messages,
        tools: log.tools,
        ...(log.kwargs as Json),
      };
      const conversation = fromOpenAIChatRequest(request as never);
      expect(firstDifference(toOpenAIChatRequest(conversation), request)).toBeUndefined();
      expect(validateConversation(conversation)).toEqual([]);
      const count = (type: string) =>
        conversation.messages.flatMap((message) => message.content.filter((block) => block.type === type))
          .length;
      expect(count("tool_result")).toBe(count("tool_call"));
    },
  );

  it("reads each response into the tool calls the next request sends back", () => {
    for (let index = 0; index + 1 < files.length; index++) {
      const log = read(files[index] as string);
      const next = fromOpenAIChatRequest({
        model: "m",
        messages: read(files[index + 1] as string).messages,
      } as never);
      const choice = (log.response as { choices: Array<{ message: unknown }> }).choices[0];
      const answer = fromOpenAIChatResponse(choice?.message as never);
      const calls = (blocks: readonly unknown[]) =>
        (blocks as ToolCallBlock[])
          .filter((block) => block.type === "tool_call")
          .map(({ id, name, rawArguments }) => ({ id, name, rawArguments }));
      const sent = next.messages.filter((message) => message.role === "assistant").at(-1);
      expect(calls(answer.content)).toEqual(calls(sent?.content ?? []));
      expect(calls(answer.content).length).toBeGreaterThan(0);
    }
  });
});

describe.skipIf(missing)(`tau-bench gpt-4o trajectories (skipped when ${reason})`, () => {
  const files = jsonFiles("tau-bench");

  it.each(files.map((file) => [path.basename(file), file]))(
    "%s round-trips and pairs every tool call",
    (_name, file) => {
      const request = { model: "gpt-4o", messages: read(file).traj };
      const conversation = fromOpenAIChatRequest(request as never);
      expect(firstDifference(toOpenAIChatRequest(conversation), request)).toBeUndefined();
      expect(validateConversation(conversation)).toEqual([]);
      const calls = conversation.messages.flatMap((message) =>
        message.content.filter((block) => block.type === "tool_call"),
      );
      expect(calls.length).toBeGreaterThan(10);
    },
  );
});

describe.skipIf(missing)(`mini-swe-agent trajectories (skipped when ${reason})`, () => {
  const files = jsonFiles("mini-swe-agent", ".traj.json");

  it("round-trips every session, keeping each message's own extra fields", () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((file) => path.basename(file))).toContain("django__django-11815.traj.json");
    for (const file of files) {
      const request = { model: "gemini-3-pro", messages: read(file).messages };
      const conversation = fromOpenAIChatRequest(request as never);
      expect(firstDifference(toOpenAIChatRequest(conversation), request), file).toBeUndefined();
      expect(validateConversation(conversation), file).toEqual([]);
    }
  });
});

describe.skipIf(missing)(`Claude Code sessions, as Anthropic messages (skipped when ${reason})`, () => {
  const files = ["marot-spotter", "sniffly", "claude-code-viewer"].flatMap((folder) =>
    jsonFiles(`claude-code/${folder}`, ".jsonl"),
  );

  it("round-trips every recorded user and assistant message, with thinking signatures intact", () => {
    let thinking = 0;
    for (const file of files) {
      const lines = readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "");
      const messages = lines
        .map((line) => JSON.parse(line) as { type?: string; message?: { role: string; content: unknown } })
        .filter((entry) => (entry.type === "user" || entry.type === "assistant") && entry.message)
        .map((entry) => ({ role: entry.message?.role, content: entry.message?.content }));
      const request = { model: "claude-opus-4-6", max_tokens: 32000, messages };
      const conversation = fromAnthropicRequest(request as never);
      expect(firstDifference(toAnthropicRequest(conversation), request), file).toBeUndefined();
      for (const message of conversation.messages) {
        for (const block of message.content) if (block.type === "thinking" && block.signature) thinking++;
      }
      const assistant = messages.find((message) => message.role === "assistant");
      expect(fromAnthropicResponse({ content: assistant?.content } as never).role).toBe("assistant");
    }
    expect(thinking).toBeGreaterThan(0);
  });
});
