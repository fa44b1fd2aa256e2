/**
 * Anthropic SDK 1.x Threads (issue 11, item 6): the SDK's default tool runner continues a server-held thread
 * (`thread: {type: "continue"}`, only the new messages sent). compactor/testing serves it; compactor sends such
 * requests untouched, still knows the whole conversation (history and accounting), and passes the 1.x
 * `compaction` parameter through untouched.
 */
import Anthropic from "@anthropic-ai/sdk";
import { betaTool } from "@anthropic-ai/sdk/helpers/beta/json-schema";
import { describe, expect, it } from "vitest";
import { type CompactorEvent, sessionReport, withCompaction } from "../../src/index.js";
import { reply, type TestServer } from "../../src/testing/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const toolCalls = 6;

function scripted(): Promise<TestServer> {
  return startServer({
    script: (_request, { callIndex }) =>
      callIndex < toolCalls ? reply.toolCall("read_file", { path: `src/f${callIndex}.ts` }) : reply.text("Done."),
  });
}

const readFile = betaTool({
  name: "read_file",
  description: "Read a file",
  inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  run: async ({ path }) => `contents of ${String(path)}: ${"line of code\n".repeat(20)}`,
});

async function runToolRunner(client: Anthropic): Promise<Anthropic.Beta.BetaMessage> {
  return client.beta.messages.toolRunner({
    model: "claude-sonnet-4-6",
    max_tokens: 256,
    system: "You are a coding agent.",
    tools: [readFile],
    messages: [{ role: "user", content: "Read the files." }],
  });
}

describe("Anthropic SDK 1.x Threads (item 6)", () => {
  it("compactor/testing serves the SDK's default tool runner (threads) unwrapped", async () => {
    const server = await scripted();
    const final = await runToolRunner(new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 }));
    expect(final.content).toEqual([{ type: "text", text: "Done." }]);
    expect(server.requests).toHaveLength(toolCalls + 1);
    const threads = server.requests.map((request) => (request.body as { thread?: { type: string } }).thread?.type);
    expect(threads[0]).toBe("create");
    expect(threads.slice(1).every((type) => type === "continue")).toBe(true);
    for (const request of server.requests) expect(request.status).toBe(200);
  });

  it("wrapped: thread requests go out untouched and the session holds the whole conversation", async () => {
    const server = await scripted();
    const bodies: unknown[] = [];
    const events: CompactorEvent[] = [];
    const client = withCompaction(
      new Anthropic({
        apiKey: "test",
        baseURL: server.anthropicBaseURL,
        maxRetries: 0,
        fetch: (input, init) => {
          bodies.push(init?.body);
          return globalThis.fetch(input, init);
        },
      }),
      { session: "threads", onEvent: (event) => events.push(event), diagnosticsChannel: false },
    );
    const final = await runToolRunner(client);
    expect(final.content).toEqual([{ type: "text", text: "Done." }]);
    for (const request of server.requests) expect(request.status).toBe(200);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    const report = await sessionReport(client);
    expect(report.calls).toBe(toolCalls + 1);
    // The task, then one tool call and its result per step: the whole conversation, not the last delta.
    expect(report.historyMessages).toBe(1 + 2 * toolCalls);
    const serverPrompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    expect(report.promptTokens).toBe(serverPrompt);
  });

  it("passes the 1.x compaction parameter through untouched, and never compacts such a request", async () => {
    const server = await startServer();
    const bodies: unknown[] = [];
    const client = withCompaction(
      new Anthropic({
        apiKey: "test",
        baseURL: server.anthropicBaseURL,
        maxRetries: 0,
        fetch: (input, init) => {
          bodies.push(init?.body);
          return globalThis.fetch(input, init);
        },
      }),
      { session: "server-compaction", cacheBreakpoints: "auto", diagnosticsChannel: false },
    );
    const params = {
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      system: "Be brief.",
      messages: [{ role: "user" as const, content: "hello" }],
      // The 1.x on-demand compaction parameter, with its beta (the API rejects it without).
      compaction: { type: "summarize" },
      betas: ["compact-2026-09-04"],
    } as unknown as Anthropic.Beta.MessageCreateParamsNonStreaming;
    await client.beta.messages.create(params);
    const sent = JSON.parse(String(bodies[0])) as Record<string, unknown>;
    expect(sent.compaction).toEqual({ type: "summarize" });
    expect(JSON.stringify(sent)).not.toContain("cache_control");
  });
});
