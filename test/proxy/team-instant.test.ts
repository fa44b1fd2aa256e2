/**
 * Same-instant calls on one session across processes (issue 12). Two proxies share one store (one memory store
 * in this process, or one real `redis-server` with a store each, as two machines would). One session carries
 * two conversations at once, as Claude Code's do (its subagents and side calls carry the main conversation's
 * session id): a long tool loop and short side calls. At every step the tool loop's call goes to one proxy and a
 * side call to the other, both started before either finishes; every fourth step the tool loop's call is also
 * sent twice at once (a client retry), to both proxies.
 *
 * What must hold: every upstream request is valid; the session's totals equal the upstream server's own counts
 * (no call's totals or spend lost to the other process's save); the call count agrees with the totals; and once
 * the tool loop is compacted, its later calls go on through one checkpoint (the side calls, which no checkpoint
 * fits, neither drop it nor break the cached prefix), so the upstream reads each tool-loop call's prompt from its
 * cache.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorProxy, memoryStore, redisStore, type SessionStore, startProxy } from "../../src/index.js";
import { type RecordedRequest, reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { oracleCost, sameDollars } from "../money/prices.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const redisUrl = useRedisServer();
const steps = 32;
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const mainSystem = `You are the coding agent. ${"Read every file before you answer. ".repeat(30)}`;
const sideSystem = "Write a five-word title for the conversation.";
const toolOutput = (index: number) =>
  `// src/module-${index}.ts\n${`export function handler${index}(input: Input, options: Options) { return compute(input, options); }\n`.repeat(70)}`;
const tools: OpenAI.ChatCompletionTool[] = [
  { type: "function", function: { name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } } },
];

function isMain(request: RecordedRequest): boolean {
  return JSON.stringify((request.body as { messages?: unknown[] }).messages?.[0] ?? "").includes("coding agent");
}

function sent(request: RecordedRequest): string[] {
  return ((request.body as { messages?: unknown[] }).messages ?? []).map((message) => JSON.stringify(message));
}

async function twoProxies(server: TestServer, stores: [SessionStore, SessionStore]): Promise<CompactorProxy[]> {
  const proxies: CompactorProxy[] = [];
  for (const store of stores) {
    const proxy = await startProxy({ store, upstreams: { openai: server.url }, diagnosticsChannel: false });
    cleanup.push(() => proxy.close());
    proxies.push(proxy);
  }
  return proxies;
}

/** Runs the session; resolves when every call has answered. */
async function run(proxies: CompactorProxy[], session: string): Promise<void> {
  const headers = { "x-compactor-session": session };
  const clients = proxies.map((proxy) => new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "sk-test", maxRetries: 0 }));
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: "system", content: mainSystem },
    { role: "user", content: "Read the repository." },
  ];
  for (let index = 0; index < steps; index++) {
    const main = index % 2;
    const mainCall = (client: OpenAI) =>
      client.chat.completions.create({ model: "gpt-5", tools, messages: [...messages] }, { headers });
    const calls: Array<Promise<OpenAI.ChatCompletion>> = [mainCall(clients[main] as OpenAI)];
    // The side call: another conversation of the same session, at the same instant, on the other proxy.
    calls.push(
      (clients[1 - main] as OpenAI).chat.completions.create(
        {
          model: "gpt-5",
          messages: [
            { role: "system", content: sideSystem },
            { role: "user", content: `Conversation so far, step ${index}: ${"reading modules. ".repeat(20)}` },
          ],
        },
        { headers },
      ),
    );
    // A retry sent at once to the other proxy too: the same request served twice at the same instant.
    if (index % 4 === 3) calls.push(mainCall(clients[1 - main] as OpenAI));
    const [completion] = await Promise.all(calls);
    const message = completion?.choices[0]?.message;
    const call = message?.tool_calls?.[0];
    if (!message || !call) throw new Error("expected a tool call");
    messages.push({ role: "assistant", content: message.content, tool_calls: message.tool_calls });
    messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(index) });
  }
}

async function check(server: TestServer, proxies: CompactorProxy[], store: SessionStore, session: string): Promise<void> {
  for (const request of server.requests) expect(request.validationError).toBeUndefined();
  const requests = server.requests;
  expect(requests).toHaveLength(steps * 2 + Math.floor(steps / 4));

  // Totals: both processes' calls, each counted once, whatever order their saves landed in. (A report waits for
  // its own process's saves: both are asked once, so that every save has landed.)
  await Promise.all(proxies.map((proxy) => proxy.report(session)));
  const report = await (proxies[0] as CompactorProxy).report(session);
  expect(report.calls).toBe(requests.length);
  const sum = (pick: (request: RecordedRequest) => number) => requests.reduce((total, request) => total + pick(request), 0);
  expect(report.promptTokens).toBe(sum((request) => request.usage?.promptTokens ?? 0));
  expect(report.cacheReadTokens).toBe(sum((request) => request.usage?.cacheReadTokens ?? 0));
  expect(report.outputTokens).toBe(sum((request) => request.usage?.outputTokens ?? 0));
  const dollars = sum((request) => (request.usage ? oracleCost("gpt-5", request.usage) : 0));
  expect(sameDollars(report.costUsd, dollars), `${report.costUsd} vs ${dollars}`).toBe(true);
  // The other process reads the same report from the store.
  const other = await (proxies[1] as CompactorProxy).report(session);
  expect(other.calls).toBe(report.calls);
  expect(sameDollars(other.costUsd, report.costUsd)).toBe(true);
  // The stored session: one ledger entry per call, numbered once each, and a call count that agrees.
  const record = await store.load(session);
  expect(record?.ledger).toHaveLength(requests.length);
  expect(new Set(record?.ledger.map((entry) => entry.callIndex)).size).toBe(requests.length);
  expect(record?.meta.calls).toBe(requests.length);
  expect(record?.meta.totals.calls).toBe(requests.length);

  // The tool loop, in the order its calls reached the upstream: once compacted, its calls go on through one
  // checkpoint, and the upstream reads each call's prompt from its cache.
  const main = requests.filter(isMain);
  let views = 0;
  let compacted = false;
  let reuses = 0;
  for (let index = 1; index < main.length; index++) {
    const previous = sent(main[index - 1] as RecordedRequest);
    const current = sent(main[index] as RecordedRequest);
    if (!previous.every((message, at) => current[at] === message)) {
      views++;
      compacted = true;
      continue;
    }
    if (!compacted) continue;
    reuses++;
    const before = main[index - 1]?.usage;
    const usage = main[index]?.usage;
    expect(usage?.cacheReadTokens, `tool-loop call ${index}`).toBeGreaterThanOrEqual((before?.promptTokens ?? 0) - 128);
  }
  const read = main.reduce((total, request) => total + (request.usage?.cacheReadTokens ?? 0), 0);
  const prompt = main.reduce((total, request) => total + (request.usage?.promptTokens ?? 0), 0);
  const mainDollars = main.reduce((total, request) => total + (request.usage ? oracleCost("gpt-5", request.usage) : 0), 0);
  console.info(
    `${session}: ${views} compacted view(s), ${reuses} tool-loop calls resending the previous one's prompt; tool loop: ${prompt} prompt tokens, ${Math.round((100 * read) / prompt)}% read from the upstream's cache, $${mainDollars.toFixed(4)}`,
  );
  expect(views).toBeGreaterThanOrEqual(1);
  // Two views may start at once (both processes compact the same step); a dropped checkpoint would make one a step.
  expect(views).toBeLessThanOrEqual(steps / 4);
  expect(reuses).toBeGreaterThanOrEqual(steps / 2);
  expect(report.compactions).toBeGreaterThanOrEqual(views);
}

describe("same-instant calls on one session, two proxies on one store", () => {
  it("memory store shared by two proxies: totals equal the upstream's, the tool loop keeps its checkpoint", async () => {
    const server = await startTestServer({
      script: (request) => ((request.body as { tools?: unknown[] }).tools ? reply.toolCall("read_file", { path: "src/next.ts" }) : reply.text("Reading the modules.")),
    });
    cleanup.push(() => server.close());
    const store = memoryStore();
    const proxies = await twoProxies(server, [store, store]);
    await run(proxies, "instant-memory");
    await check(server, proxies, store, "instant-memory");
  }, 120_000);

  it("one proxy: the side calls of another conversation no longer cost the tool loop its checkpoint", async () => {
    const server = await startTestServer({
      script: (request) => ((request.body as { tools?: unknown[] }).tools ? reply.toolCall("read_file", { path: "src/next.ts" }) : reply.text("Reading the modules.")),
    });
    cleanup.push(() => server.close());
    const store = memoryStore();
    const proxy = await startProxy({ store, upstreams: { openai: server.url }, diagnosticsChannel: false });
    cleanup.push(() => proxy.close());
    await run([proxy, proxy], "instant-one");
    await check(server, [proxy, proxy], store, "instant-one");
  }, 120_000);

  it.skipIf(redisSkipReason !== undefined)(
    `Redis, one store per proxy (as two machines)${redisSkipReason ? ` (${redisSkipReason})` : ""}`,
    async () => {
      const server = await startTestServer({
        script: (request) => ((request.body as { tools?: unknown[] }).tools ? reply.toolCall("read_file", { path: "src/next.ts" }) : reply.text("Reading the modules.")),
      });
      cleanup.push(() => server.close());
      const prefix = `instant-${Date.now()}:`;
      const stores = [redisStore({ url: redisUrl(), prefix }), redisStore({ url: redisUrl(), prefix })] as [SessionStore, SessionStore];
      for (const store of stores) cleanup.push(async () => store.dispose?.());
      const proxies = await twoProxies(server, stores);
      await run(proxies, "instant-redis");
      await check(server, proxies, stores[0], "instant-redis");
    },
    120_000,
  );
});
