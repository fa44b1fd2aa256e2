/**
 * `compactor proxy` (issue 12) under the official SDKs: `@anthropic-ai/sdk` and `openai` point their `baseURL`
 * at the proxy, whose upstream is `compactor/testing`. A 33-call tool loop with long tool outputs on each of the
 * three APIs, plain and streaming: the answers arrive, compaction fires, every request the upstream received is
 * valid, credentials reached it untouched, and the proxy's session report agrees with the upstream's own count.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, type CompactorProxy, startProxy } from "../../src/index.js";
import { reply, type TestServer } from "../../src/testing/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const proxies: CompactorProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

const steps = 32;
const toolOutput = (index: number) => `// src/file-${index}.ts\n${"export const value = compute(input, options);\n".repeat(60)}`;

async function setUp(events: CompactorEvent[]): Promise<{ server: TestServer; proxy: CompactorProxy }> {
  const server = await startServer({
    script: (_request, { callIndex }) =>
      callIndex < steps ? reply.toolCall("read_file", { path: `src/file-${callIndex}.ts` }) : reply.text("All files read."),
  });
  const proxy = await startProxy({
    upstreams: { anthropic: server.url, openai: server.url },
    strategy: observationMasking({ keepLast: 3 }),
    trigger: tokenThreshold(6_000),
    onEvent: (event) => events.push(event),
    diagnosticsChannel: false,
  });
  proxies.push(proxy);
  return { server, proxy };
}

const anthropicTool = {
  name: "read_file",
  description: "Read a file of the repository",
  input_schema: { type: "object" as const, properties: { path: { type: "string" } }, required: ["path"] },
};
const openaiTool = {
  type: "function" as const,
  function: { name: "read_file", description: "Read a file", parameters: { type: "object", properties: { path: { type: "string" } } } },
};
const responsesTool = {
  type: "function" as const,
  name: "read_file",
  description: "Read a file",
  parameters: { type: "object", properties: { path: { type: "string" } } },
  strict: false,
};
const system = `You are a coding agent. ${"Read carefully. ".repeat(40)}`;
const task = "Read every file of the repository, one at a time.";

/** Runs the tool loop; returns the final text. */
async function anthropicLoop(client: Anthropic, stream: boolean): Promise<string> {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: task }];
  for (let index = 0; index <= steps + 2; index++) {
    const params = { model: "claude-sonnet-4-6", max_tokens: 1024, system, tools: [anthropicTool], messages };
    const message = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    messages.push({ role: "assistant", content: message.content });
    const calls = message.content.filter((block) => block.type === "tool_use");
    if (calls.length === 0) return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    messages.push({
      role: "user",
      content: calls.map((call) => ({ type: "tool_result" as const, tool_use_id: call.id, content: toolOutput(index) })),
    });
  }
  throw new Error("the loop did not end");
}

async function chatLoop(client: OpenAI, stream: boolean): Promise<string> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: "system", content: system },
    { role: "user", content: task },
  ];
  for (let index = 0; index <= steps + 2; index++) {
    const params = { model: "gpt-4.1", tools: [openaiTool], messages };
    const completion = stream
      ? await client.chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion()
      : await client.chat.completions.create(params);
    const message = completion.choices[0]?.message;
    if (!message) throw new Error("no choice");
    const calls = message.tool_calls ?? [];
    if (calls.length === 0) return message.content ?? "";
    messages.push({ role: "assistant", content: message.content, tool_calls: calls });
    for (const call of calls) messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(index) });
  }
  throw new Error("the loop did not end");
}

async function responsesLoop(client: OpenAI, stream: boolean): Promise<string> {
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: task }];
  for (let index = 0; index <= steps + 2; index++) {
    const params = { model: "gpt-4.1", instructions: system, tools: [responsesTool], input };
    const response = stream ? await client.responses.stream(params).finalResponse() : await client.responses.create(params);
    const calls = response.output.flatMap((item) =>
      item.type === "function_call" ? [item as OpenAI.Responses.ResponseFunctionToolCall] : [],
    );
    if (calls.length === 0) return response.output_text;
    for (const item of response.output) input.push(item as OpenAI.Responses.ResponseInputItem);
    for (const call of calls) input.push({ type: "function_call_output", call_id: call.call_id, output: toolOutput(index) });
  }
  throw new Error("the loop did not end");
}

const cases = [
  { api: "anthropic", run: (proxy: CompactorProxy, stream: boolean) =>
      anthropicLoop(new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "sk-ant-test-key", maxRetries: 0 }), stream) },
  { api: "openai-chat", run: (proxy: CompactorProxy, stream: boolean) =>
      chatLoop(new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "sk-test-key", maxRetries: 0 }), stream) },
  { api: "openai-responses", run: (proxy: CompactorProxy, stream: boolean) =>
      responsesLoop(new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "sk-test-key", maxRetries: 0 }), stream) },
] as const;

describe.each(cases)("compactor proxy under the official SDK: $api", ({ api, run }) => {
  it.each([false, true])(`a ${steps + 1}-call tool loop (stream: %s): compaction fires, every request valid, report agrees`, async (stream) => {
    const events: CompactorEvent[] = [];
    const { server, proxy } = await setUp(events);
    expect(await run(proxy, stream)).toContain("All files read.");

    expect(server.requests.length).toBe(steps + 1);
    for (const request of server.requests) {
      expect(request.validationError).toBeUndefined();
      expect(request.status ?? 200).toBe(200);
      // Credentials reach the upstream untouched; the session header does not.
      const headers = request.headers as Record<string, string | undefined>;
      // (@anthropic-ai/sdk 1.x sends its key as a bearer token.)
      if (api === "anthropic") expect(headers["x-api-key"] ?? headers.authorization).toMatch(/^(Bearer )?sk-ant-test-key$/);
      else expect(headers.authorization).toBe("Bearer sk-test-key");
      expect(headers["x-compactor-session"]).toBeUndefined();
    }
    // One session: the conversation's start hashed (the SDKs send no session id of their own).
    const sessions = proxy.sessions();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.source).toBe("hash");
    expect(events.filter((event) => event.type === "compaction").length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    const id = sessions[0]?.id ?? "";
    const report = await proxy.report(id);
    expect(report.calls).toBe(steps + 1);
    const serverPrompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    expect(report.promptTokens).toBe(serverPrompt);
    const serverOutput = server.requests.reduce((sum, request) => sum + (request.usage?.outputTokens ?? 0), 0);
    expect(report.outputTokens).toBe(serverOutput);
    expect(report.compactions).toBeGreaterThan(0);
    expect(report.realisedSavingUsd).toBeGreaterThan(0);
    // The metrics count the same calls.
    const metrics = proxy.metrics();
    const calls = [...metrics.matchAll(/^compactor_calls_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(calls).toBe(steps + 1);
  });
});
