/**
 * `compactorFetch` (issue 11): the wire-level core as a `fetch` for clients that take one. The Vercel AI SDK's
 * `@ai-sdk/anthropic` and `@ai-sdk/openai` run 30+ tool steps with `generateText` and `streamText` against
 * `compactor/testing`: compaction fires, every request the server receives is valid, and the report agrees with
 * the server's own count.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, type LanguageModel, stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type CompactorEvent, compactorFetch, sessionReport } from "../../src/index.js";
import { reply, type TestServer } from "../../src/testing/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const steps = 32;

/** Reads a file: a long tool output, as coding agents get. */
const readFile = tool({
  description: "Read a file of the repository",
  inputSchema: z.object({ path: z.string() }),
  execute: async ({ path }) => `// ${path}\n${"export const value = compute(input, options);\n".repeat(60)}`,
});

async function serverScripted(): Promise<TestServer> {
  return startServer({
    script: (_request, { callIndex }) =>
      callIndex < steps ? reply.toolCall("readFile", { path: `src/file-${callIndex}.ts` }) : reply.text("All files read."),
  });
}

function compacting(session: string, events: CompactorEvent[]) {
  return compactorFetch({
    session,
    strategy: observationMasking({ keepLast: 3 }),
    trigger: tokenThreshold(6_000),
    onEvent: (event) => events.push(event),
    diagnosticsChannel: false,
  });
}

async function check(server: TestServer, fetch: ReturnType<typeof compactorFetch>, events: CompactorEvent[]) {
  expect(server.requests.length).toBe(steps + 1);
  for (const request of server.requests) {
    expect(request.validationError).toBeUndefined();
    expect(request.status ?? 200).toBe(200);
  }
  expect(events.filter((event) => event.type === "compaction").length).toBeGreaterThan(0);
  expect(events.filter((event) => event.type === "error")).toEqual([]);
  const report = await sessionReport(fetch);
  expect(report.calls).toBe(steps + 1);
  const serverPrompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
  expect(report.promptTokens).toBe(serverPrompt);
  expect(report.realisedSavingUsd).toBeGreaterThan(0);
}

const providers: Array<{ name: string; model: (server: TestServer, fetch: typeof globalThis.fetch) => LanguageModel }> = [
  {
    name: "@ai-sdk/anthropic",
    model: (server, fetch) =>
      createAnthropic({ baseURL: `${server.anthropicBaseURL}/v1`, apiKey: "test", fetch })("claude-sonnet-4-6"),
  },
  {
    name: "@ai-sdk/openai (Responses)",
    model: (server, fetch) => createOpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", fetch })("gpt-4.1"),
  },
  {
    name: "@ai-sdk/openai (Chat Completions)",
    model: (server, fetch) => createOpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", fetch }).chat("gpt-4.1"),
  },
];

describe.each(providers)("compactorFetch under the Vercel AI SDK: $name", ({ name, model }) => {
  it(`generateText: ${steps + 1} steps with tools, compaction fires, every request valid`, async () => {
    const server = await serverScripted();
    const events: CompactorEvent[] = [];
    const fetch = compacting(`generate-${name}`, events);
    const result = await generateText({
      model: model(server, fetch),
      tools: { readFile },
      stopWhen: stepCountIs(steps + 5),
      maxRetries: 0,
      prompt: "Read every file of the repository, one at a time.",
    });
    expect(result.steps).toHaveLength(steps + 1);
    expect(result.text).toContain("All files read.");
    await check(server, fetch, events);
  });

  it(`streamText: ${steps + 1} steps with tools, compaction fires, every request valid`, async () => {
    const server = await serverScripted();
    const events: CompactorEvent[] = [];
    const fetch = compacting(`stream-${name}`, events);
    const result = streamText({
      model: model(server, fetch),
      tools: { readFile },
      stopWhen: stepCountIs(steps + 5),
      maxRetries: 0,
      prompt: "Read every file of the repository, one at a time.",
    });
    expect(await result.text).toContain("All files read.");
    expect(await result.steps).toHaveLength(steps + 1);
    await check(server, fetch, events);
  });
});
