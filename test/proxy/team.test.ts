/**
 * A team deployment (issue 12): three `compactor proxy --store redis://… --budget team:eng=…` child processes on
 * one real `redis-server`, `compactor/testing` as the upstream, the official SDKs as clients.
 *
 * 1. Sessions continue across proxies: three tool-loop sessions (Messages, Chat Completions, Responses) run at
 *    the same time, each sending its calls to the proxies in turn. Once one proxy has compacted a session, the
 *    calls the other proxies send resend that compacted prefix byte for byte, and the upstream's own counts
 *    show each of them reading the previous call's prompt from its cache. A report read from the shared store
 *    agrees with the upstream's counts (calls, tokens, dollars at an independent price list).
 * 2. Responses chains (`previous_response_id`) stay one session while their calls go to the proxies in turn.
 * 3. One team budget across the three: concurrent clients spend until every one is refused (a 429 in its own
 *    API's format); the ledger's spend equals what the upstream counted and never passes the limit by more
 *    than one call's cost.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CompactorProxy, redisBudgetLedger, redisStore, startProxy } from "../../src/index.js";
import { type RecordedRequest, reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { sessionOf } from "../../src/proxy/session-id.js";
import { oracleCost, sameDollars } from "../money/prices.js";
import { repositoryRoot } from "../support/cli.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const redisUrl = useRedisServer();
const teamLimitUsd = 3;
const steps = 30;

let server: TestServer;
const children: ChildProcess[] = [];
const urls: string[] = [];

/** Starts `compactor proxy` as a child process; resolves to its URL once it listens. */
async function proxyProcess(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "proxy", "--port", "0", ...args], {
    cwd: repositoryRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [first] = (await once(lines, "line")) as [string];
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1];
  if (url === undefined) throw new Error(`the proxy did not start: ${first}${stderr}`);
  return url;
}

beforeAll(async () => {
  if (redisSkipReason) return;
  server = await startTestServer({
    script: (request) => {
      const body = request.body as { tools?: unknown[] };
      return body.tools ? reply.toolCall("read_file", { path: "src/next.ts" }) : reply.text("Noted.");
    },
  });
  const args = ["--upstream-anthropic", server.url, "--upstream-openai", server.url, "--store", redisUrl(), "--budget", `team:eng=${teamLimitUsd}`];
  urls.push(...(await Promise.all([0, 1, 2].map(() => proxyProcess(args)))));
}, 120_000);

afterAll(async () => {
  const exits = children.map(async (child) => {
    if (child.exitCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const [code] = (await once(child, "close")) as [number];
    return code;
  });
  const codes = await Promise.all(exits);
  await server?.close();
  // Each proxy stopped cleanly on SIGTERM (sessions persisted, connections closed).
  for (const code of codes) expect(code).toBe(0);
});

const toolOutput = (session: string, index: number) =>
  `// ${session}: src/module-${index}.ts\n${`export function handler${index}(input: Input, options: Options) { return compute(input, options); }\n`.repeat(70)}`;
const system = (session: string) => `You are the coding agent of session ${session}. ${"Read every file before you answer. ".repeat(30)}`;

/** The session a request the upstream received belongs to (its system prompt says). */
function sessionOfRequest(request: RecordedRequest): string | undefined {
  const text = JSON.stringify((request.body as Record<string, unknown>)?.system ?? (request.body as Record<string, unknown>)?.instructions ?? (request.body as { messages?: unknown[] })?.messages?.[0] ?? "");
  return /session (\w+-\w+)/.exec(text)?.[1];
}

/** The message list a request sent, with Anthropic's moving cache markers taken out (as in checkpoint-reuse). */
function sentMessages(body: unknown, api: string): string[] {
  const record = body as Record<string, unknown>;
  const list = ((api === "openai-responses" ? record.input : record.messages) ?? []) as unknown[];
  return list.map((message) => JSON.stringify(message, (key, value) => (key === "cache_control" ? undefined : value)));
}

type Api = "anthropic" | "openai-chat" | "openai-responses";

/** One tool-loop session whose call `i` goes to proxy `(i + offset) % 3`; resolves to the proxy of each call. */
async function toolLoop(api: Api, session: string, offset: number): Promise<number[]> {
  const served: number[] = [];
  const headers = { "x-compactor-session": session };
  if (api === "anthropic") {
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Read the repository." }];
    for (let index = 0; index < steps; index++) {
      const proxy = (index + offset) % 3;
      served.push(proxy);
      const client = new Anthropic({ baseURL: urls[proxy], apiKey: "sk-ant-test", maxRetries: 0 });
      const message = await client.messages.create(
        {
          model: "claude-sonnet-4-6",
          max_tokens: 512,
          system: [{ type: "text", text: system(session), cache_control: { type: "ephemeral" } }],
          tools: [{ name: "read_file", description: "Read a file", input_schema: { type: "object", properties: { path: { type: "string" } } } }],
          // Like Claude Code: a breakpoint on the last message.
          messages: messages.map((item, position): Anthropic.MessageParam => {
            if (position !== messages.length - 1 || !Array.isArray(item.content)) return item;
            const blocks = item.content.map((block, at, all) =>
              at === all.length - 1 ? ({ ...block, cache_control: { type: "ephemeral" } } as Anthropic.ContentBlockParam) : block,
            );
            return { ...item, content: blocks } as Anthropic.MessageParam;
          }),
        },
        { headers },
      );
      messages.push({ role: "assistant", content: message.content });
      const call = message.content.find((block) => block.type === "tool_use");
      if (!call) throw new Error("expected a tool call");
      messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: toolOutput(session, index) }] });
    }
    return served;
  }
  if (api === "openai-chat") {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "system", content: system(session) },
      { role: "user", content: "Read the repository." },
    ];
    for (let index = 0; index < steps; index++) {
      const proxy = (index + offset) % 3;
      served.push(proxy);
      const client = new OpenAI({ baseURL: `${urls[proxy]}/v1`, apiKey: "sk-test", maxRetries: 0 });
      const completion = await client.chat.completions.create(
        { model: "gpt-5", tools: [{ type: "function", function: { name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } } }], messages },
        { headers },
      );
      const message = completion.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      if (!message || !call) throw new Error("expected a tool call");
      messages.push({ role: "assistant", content: message.content, tool_calls: message.tool_calls });
      messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(session, index) });
    }
    return served;
  }
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "Read the repository." }];
  for (let index = 0; index < steps; index++) {
    const proxy = (index + offset) % 3;
    served.push(proxy);
    const client = new OpenAI({ baseURL: `${urls[proxy]}/v1`, apiKey: "sk-test", maxRetries: 0 });
    const response = await client.responses.create(
      {
        model: "gpt-5",
        instructions: system(session),
        tools: [{ type: "function", name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } }, strict: false }],
        input,
      },
      { headers },
    );
    const call = response.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call");
    if (!call) throw new Error("expected a tool call");
    for (const item of response.output) input.push(item as OpenAI.Responses.ResponseInputItem);
    input.push({ type: "function_call_output", call_id: call.call_id, output: toolOutput(session, index) });
  }
  return served;
}

const sessions: Array<{ api: Api; session: string; model: string }> = [
  { api: "anthropic", session: "team-messages", model: "claude-sonnet-4-6" },
  { api: "openai-chat", session: "team-chat", model: "gpt-5" },
  { api: "openai-responses", session: "team-responses", model: "gpt-5" },
];

describe.skipIf(redisSkipReason !== undefined)(`three proxy processes on one Redis${redisSkipReason ? ` (${redisSkipReason})` : ""}`, () => {
  it("sessions alternate between the proxies and continue: checkpoints are reused across processes, totals add up", async () => {
    const served = await Promise.all(sessions.map(({ api, session }, offset) => toolLoop(api, session, offset)));
    for (const request of server.requests) expect(request.validationError).toBeUndefined();

    // A reader of the shared store (a fourth process would see the same): the report of each session.
    const store = redisStore({ url: redisUrl() });
    const reader: CompactorProxy = await startProxy({ store, upstreams: { anthropic: server.url, openai: server.url }, diagnosticsChannel: false });
    try {
      for (const [position, { api, session, model }] of sessions.entries()) {
        const requests = server.requests.filter((request) => sessionOfRequest(request) === session);
        expect(requests).toHaveLength(steps);
        // Calls went to the proxies in turn.
        expect(new Set(served[position]).size).toBe(3);
        let compactions = 0;
        let crossProxyReuses = 0;
        let compacted = false;
        for (let index = 1; index < steps; index++) {
          const previous = sentMessages(requests[index - 1]?.body, api);
          const current = sentMessages(requests[index]?.body, api);
          const extendsPrevious = previous.every((message, at) => current[at] === message);
          if (!extendsPrevious) {
            // A new compacted view (never a stale process resending the full history: see below).
            compactions++;
            compacted = true;
            continue;
          }
          if (!compacted) continue;
          // After a compaction, each call resends the previous call's (compacted) messages byte for byte, though
          // another process sent the previous call (calls go to the proxies in turn)...
          const before = requests[index - 1]?.usage;
          const usage = requests[index]?.usage;
          if (!before || !usage) throw new Error(`call ${index} of ${session} has no usage`);
          // ...and the upstream read it from its cache (OpenAI counts hits in 128-token steps).
          expect(usage.cacheReadTokens, `${session} call ${index}`).toBeGreaterThanOrEqual(before.promptTokens - 128);
          crossProxyReuses++;
        }
        const cacheRead = requests.reduce((sum, request) => sum + (request.usage?.cacheReadTokens ?? 0), 0);
        const prompt = requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
        console.info(
          `${session}: ${compactions} compacted view(s), ${crossProxyReuses} calls reusing the previous proxy's view; upstream cache reads ${cacheRead} of ${prompt} prompt tokens`,
        );
        // The history grew to ~50k tokens: compaction fired, rarely, and later calls reused it across proxies.
        expect(compactions, session).toBeGreaterThanOrEqual(1);
        expect(compactions, session).toBeLessThanOrEqual(steps / 4);
        expect(crossProxyReuses, session).toBeGreaterThanOrEqual(8);
        // What was sent at the end is far smaller than the agent's history (its tool outputs alone): the last
        // call went through a checkpoint.
        const lastSent = sentMessages(requests.at(-1)?.body, api).join("").length;
        expect(lastSent).toBeLessThan(((steps - 1) * toolOutput(session, 0).length) / 2);

        const report = await reader.report(session);
        expect(report.calls).toBe(steps);
        expect(report.promptTokens).toBe(requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0));
        expect(report.cacheReadTokens).toBe(requests.reduce((sum, request) => sum + (request.usage?.cacheReadTokens ?? 0), 0));
        expect(report.outputTokens).toBe(requests.reduce((sum, request) => sum + (request.usage?.outputTokens ?? 0), 0));
        const upstreamDollars = requests.reduce((sum, request) => sum + (request.usage ? oracleCost(model, request.usage) : 0), 0);
        expect(sameDollars(report.costUsd, upstreamDollars), `${report.costUsd} vs ${upstreamDollars}`).toBe(true);
        expect(report.compactions).toBe(compactions);
        expect(report.realisedSavingUsd).toBeGreaterThan(0);
      }
    } finally {
      await reader.close();
      await store.dispose?.();
    }
  }, 300_000);

  it("a Responses chain (previous_response_id) is one session across the proxies, plain and streamed", async () => {
    const calls = 12;
    const store = redisStore({ url: redisUrl() });
    const hashedBefore = (await store.list()).filter((id) => id.startsWith("hash:")).length;
    const first = { model: "gpt-5", instructions: "You are a chain agent.", input: [{ role: "user" as const, content: "Chain 0: begin." }] };
    const session = sessionOf("openai-responses", new Headers(), first).id;
    let previous: string | undefined;
    const before = server.requests.length;
    for (let index = 0; index < calls; index++) {
      const client = new OpenAI({ baseURL: `${urls[index % 3]}/v1`, apiKey: "sk-test", maxRetries: 0 });
      const params = index === 0 ? first : { model: "gpt-5", instructions: first.instructions, previous_response_id: previous as string, input: [{ role: "user" as const, content: `Chain ${index}: ${"go on with the plan. ".repeat(50)}` }] };
      const response = index % 2 === 0 ? await client.responses.create(params) : await client.responses.stream(params).finalResponse();
      previous = response.id;
    }
    const requests = server.requests.slice(before);
    expect(requests).toHaveLength(calls);
    for (const request of requests) expect(request.validationError).toBeUndefined();
    // One new session in the store, not one per call.
    expect((await store.list()).filter((id) => id.startsWith("hash:")).length).toBe(hashedBefore + 1);
    const reader = await startProxy({ store, upstreams: { openai: server.url }, diagnosticsChannel: false });
    try {
      const report = await reader.report(session);
      expect(report.calls).toBe(calls);
      expect(report.promptTokens).toBe(requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0));
      // The session's history is the whole chain: each call's input and each reply.
      expect(report.historyMessages).toBeGreaterThanOrEqual(2 * calls - 1);
    } finally {
      await reader.close();
      await store.dispose?.();
    }
  }, 120_000);

  it("one team budget across the three: spend stops at the limit, within one call's cost, and equals the upstream's count", async () => {
    const before = server.requests.length;
    const clients = 6;
    const refusals: unknown[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let call = 0; call < 200; call++) {
          const url = urls[next++ % 3] as string;
          const question = `Burst ${client}.${call}: ${"summarise the incident report and list every action item. ".repeat(3000)}`;
          try {
            if (client % 2 === 0) {
              const anthropic = new Anthropic({ baseURL: url, apiKey: "sk-ant-test", maxRetries: 0 });
              await anthropic.messages.create(
                { model: "claude-sonnet-4-6", max_tokens: 256, messages: [{ role: "user", content: question }] },
                { headers: { "x-compactor-session": `burst-${client}` } },
              );
            } else {
              const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-test", maxRetries: 0 });
              await openai.chat.completions.create(
                { model: "gpt-5", max_completion_tokens: 256, messages: [{ role: "user", content: question }] },
                { headers: { "x-compactor-session": `burst-${client}` } },
              );
            }
          } catch (error) {
            refusals.push(error);
            return;
          }
        }
      }),
    );
    // Every client was stopped by the budget, with its own SDK's rate-limit error.
    expect(refusals).toHaveLength(clients);
    for (const error of refusals) {
      expect(error instanceof Anthropic.RateLimitError || error instanceof OpenAI.RateLimitError, String(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/team:eng/);
    }
    const all = server.requests;
    expect(all.length).toBeGreaterThan(before + clients);
    const costs = all.map((request) => {
      if (!request.usage) return 0;
      const model = (request.body as { model?: string }).model as string;
      return oracleCost(model, request.usage);
    });
    const upstreamDollars = costs.reduce((sum, cost) => sum + cost, 0);
    const largestCall = Math.max(...costs);
    const ledger = redisBudgetLedger({ url: redisUrl() });
    try {
      // Give the last settlements (in the background, after the answers) a moment to land.
      let status = await ledger.status("team:eng");
      for (let attempt = 0; attempt < 50 && (status.reservedUsd > 0 || !sameDollars(status.spentUsd, upstreamDollars)); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await ledger.status("team:eng");
      }
      expect(status.limitUsd).toBe(teamLimitUsd);
      expect(status.reservedUsd).toBe(0);
      expect(sameDollars(status.spentUsd, upstreamDollars), `ledger ${status.spentUsd} vs upstream ${upstreamDollars}`).toBe(true);
      expect(status.spentUsd).toBeLessThanOrEqual(teamLimitUsd + largestCall);
      // The limit was what stopped them: spend came within two calls of it.
      expect(status.spentUsd).toBeGreaterThan(teamLimitUsd - 2 * largestCall);
    } finally {
      await ledger.dispose?.();
    }
  }, 300_000);
});
