/**
 * Bounded maps driven past their bounds (issue 12): the runtime's sessions in memory (`maxLiveSessions`), the
 * in-memory store (`maxSessions`) and its reply-id links, the proxy's listed sessions (`maxListedSessions`,
 * 10,000 by default) and Responses reply ids (`maxRememberedReplies`, 50,000), and the alternate checkpoints a
 * session keeps. The bounds are set small so that the tests are fast; each test shows that memory stays at the
 * bound and what an evicted entry does next: reloaded from a shared store (the session goes on where it left off,
 * its compacted prefix sent again), or, without one, a clear fresh start.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CompactorProxy,
  memoryStore,
  redisStore,
  type SessionStore,
  sessionReport,
  startProxy,
  withCompaction,
} from "../../src/index.js";
import { responseChains } from "../../src/proxy/response-chain.js";
import { sessionOf } from "../../src/proxy/session-id.js";
import { keepAlternate, maxAlternateCheckpoints, takeAlternate } from "../../src/session/alternates.js";
import { newMeta } from "../../src/session/live-session.js";
import type { Runtime } from "../../src/session/runtime.js";
import { prefixHash } from "../../src/session/raw-hash.js";
import { type RecordedRequest, reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { installedHandler } from "../../src/wrapper/internal/wrap.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const redisUrl = useRedisServer();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function testServer(): Promise<TestServer> {
  const server = await startTestServer({
    script: (request) => ((request.body as { tools?: unknown[] }).tools ? reply.toolCall("read_file", { path: "src/next.ts" }) : reply.text("Done.")),
  });
  cleanup.push(() => server.close());
  return server;
}

const tools: OpenAI.ChatCompletionTool[] = [
  { type: "function", function: { name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } } },
];
const toolOutput = (index: number) =>
  `// src/module-${index}.ts\n${`export function handler${index}(input: Input, options: Options) { return compute(input, options); }\n`.repeat(70)}`;

/** The upstream requests of one session (its system prompt names it). */
function requestsOf(server: TestServer, session: string): RecordedRequest[] {
  return server.requests.filter((request) => JSON.stringify((request.body as { messages?: unknown[] }).messages?.[0]).includes(`session ${session}.`));
}

/**
 * One long tool loop (`long`) whose every call is followed by one call of each of `others` short sessions, so that
 * with a bound below `others + 1` the long session is dropped from memory between its calls. Returns the highest
 * number of sessions the runtime held after any call.
 */
async function interleaved(client: OpenAI, runtime: Runtime, steps: number, others: number): Promise<number> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: "system", content: `You are the agent of session long. ${"Read every file before you answer. ".repeat(30)}` },
    { role: "user", content: "Read the repository." },
  ];
  let most = 0;
  for (let step = 0; step < steps; step++) {
    const completion = await client.chat.completions.create({ model: "gpt-5", tools, messages }, { headers: { "x-compactor-session": "long" } });
    const message = completion.choices[0]?.message;
    const call = message?.tool_calls?.[0];
    if (!message || !call) throw new Error("expected a tool call");
    messages.push({ role: "assistant", content: message.content, tool_calls: message.tool_calls });
    messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(step) });
    most = Math.max(most, runtime.liveSessions());
    for (let other = 0; other < others; other++) {
      await client.chat.completions.create(
        { model: "gpt-5", messages: [{ role: "system", content: `You are the agent of session other-${other}.` }, { role: "user", content: `Step ${step}: status?` }] },
        { headers: { "x-compactor-session": `other-${other}` } },
      );
      most = Math.max(most, runtime.liveSessions());
    }
  }
  return most;
}

describe("the runtime's sessions in memory (maxLiveSessions)", () => {
  it.skipIf(redisSkipReason !== undefined)(
    `past the bound on Redis: memory stays at the bound, an evicted session reloads and resends its compacted prefix${redisSkipReason ? ` (${redisSkipReason})` : ""}`,
    async () => {
      const server = await testServer();
      const store = redisStore({ url: redisUrl(), prefix: `bounds-${Date.now()}:` });
      cleanup.push(async () => store.dispose?.());
      const bound = 3;
      const steps = 24;
      const client = withCompaction(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-test", maxRetries: 0 }), {
        session: "default",
        store,
        maxLiveSessions: bound,
        diagnosticsChannel: false,
      });
      const runtime = installedHandler(client) as Runtime;
      const most = await interleaved(client, runtime, steps, 4);
      await runtime.flush();
      console.info(`maxLiveSessions ${bound}, 5 sessions: at most ${most} held in memory`);
      // A session is dropped only once idle (its save landed): at most one more than the bound is held at a time.
      expect(most).toBeLessThanOrEqual(bound + 1);

      // The long session was dropped between its calls (four others ran in between) and went on from the store:
      // all its calls counted, and once compacted its later calls resent the previous prompt, read from the cache.
      const long = requestsOf(server, "long");
      expect(long).toHaveLength(steps);
      for (const request of server.requests) expect(request.validationError).toBeUndefined();
      const report = await sessionReport(client, "long");
      expect(report.calls).toBe(steps);
      expect(report.promptTokens).toBe(long.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0));
      expect(report.historyMessages).toBe(2 * steps);
      let compacted = false;
      let reuses = 0;
      let views = 0;
      for (let index = 1; index < long.length; index++) {
        const previous = ((long[index - 1]?.body as { messages?: unknown[] } | undefined)?.messages ?? []).map((item) => JSON.stringify(item));
        const current = ((long[index]?.body as { messages?: unknown[] } | undefined)?.messages ?? []).map((item) => JSON.stringify(item));
        if (!previous.every((item, at) => current[at] === item)) {
          views++;
          compacted = true;
          continue;
        }
        if (!compacted) continue;
        reuses++;
        expect(long[index]?.usage?.cacheReadTokens).toBeGreaterThanOrEqual((long[index - 1]?.usage?.promptTokens ?? 0) - 128);
      }
      expect(views).toBeGreaterThanOrEqual(1);
      expect(views).toBeLessThanOrEqual(3);
      expect(reuses).toBeGreaterThanOrEqual(5);
      for (let other = 0; other < 4; other++) expect((await sessionReport(client, `other-${other}`)).calls).toBe(steps);
    },
    120_000,
  );

  it("past the bound of the in-memory store: an evicted session's history is gone, said by a warning, and it starts over", async () => {
    const server = await testServer();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === "CompactorEvictionWarning") warnings.push(warning.message);
    };
    process.on("warning", onWarning);
    cleanup.push(async () => process.off("warning", onWarning));
    const bound = 3;
    const client = withCompaction(new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-test", maxRetries: 0 }), {
      session: "default",
      store: memoryStore({ maxSessions: bound }),
      diagnosticsChannel: false,
    });
    const runtime = installedHandler(client) as Runtime;
    let most = 0;
    const sessions = 8;
    const call = async (index: number, round: number) => {
      await client.chat.completions.create(
        { model: "gpt-5", messages: [{ role: "user", content: `Session ${index}, round ${round}.` }] },
        { headers: { "x-compactor-session": `mem-${index}` } },
      );
      most = Math.max(most, runtime.liveSessions());
    };
    for (let index = 0; index < sessions; index++) await call(index, 0);
    await runtime.flush();
    // The runtime keeps no more than the store does (plus one whose save is landing).
    expect(most).toBeLessThanOrEqual(bound + 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings.some((message) => message.includes('"mem-0"'))).toBe(true);
    // mem-0 was evicted after its first call: its second call starts it over (one call on record, not two);
    // the last session is still whole.
    await call(0, 1);
    expect((await sessionReport(client, "mem-0")).calls).toBe(1);
    await call(sessions - 1, 1);
    expect((await sessionReport(client, `mem-${sessions - 1}`)).calls).toBe(2);
    expect(server.requests).toHaveLength(sessions + 2);
  }, 60_000);
});

describe("the proxy's listed sessions and Responses reply ids", () => {
  async function chains(
    store: SessionStore | undefined,
    server: TestServer,
    continued: number[],
  ): Promise<{ proxy: CompactorProxy; sessions: string[]; firsts: Array<{ model: string; instructions: string; input: string }> }> {
    const proxy = await startProxy({
      upstreams: { openai: server.url },
      diagnosticsChannel: false,
      maxListedSessions: 5,
      maxRememberedReplies: 4,
      ...(store ? { store } : {}),
    });
    cleanup.push(() => proxy.close());
    const client = new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "sk-test", maxRetries: 0 });
    // Ten chains' first calls, then the chained calls: the first chains' reply ids were dropped from memory by then.
    const ids: string[] = [];
    const firsts = Array.from({ length: 10 }, (_, index) => ({ model: "gpt-5", instructions: `Chain ${index}.`, input: `Begin chain ${index}.` }));
    for (const first of firsts) ids.push((await client.responses.create(first)).id);
    for (const index of continued) {
      await client.responses.create({ model: "gpt-5", instructions: `Chain ${index}.`, previous_response_id: ids[index] as string, input: `Go on with chain ${index}.` });
    }
    return { proxy, sessions: proxy.sessions().map((session) => session.id), firsts };
  }

  it.skipIf(redisSkipReason !== undefined)(`on Redis: at most the bound listed; a dropped reply id is found in the store${redisSkipReason ? ` (${redisSkipReason})` : ""}`, async () => {
    const server = await testServer();
    const store = redisStore({ url: redisUrl(), prefix: `bounds-chain-${Date.now()}:` });
    cleanup.push(async () => store.dispose?.());
    const { proxy, sessions } = await chains(store, server, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sessions).toHaveLength(5);
    // Every chain stayed one session: ten sessions of two calls each in the store.
    const stored = await store.list();
    expect(stored).toHaveLength(10);
    for (const id of stored) expect((await proxy.report(id)).calls).toBe(2);
  }, 60_000);

  it("with the default in-memory store: at most the bound listed; a chain whose reply id was dropped starts a session of its own", async () => {
    const server = await testServer();
    // Chain 0's reply id was dropped (four replies came after it); chain 9's is still held.
    const { proxy, sessions, firsts } = await chains(undefined, server, [0, 9]);
    expect(sessions).toHaveLength(5);
    const sessionOfChain = (index: number) => sessionOf("openai-responses", new Headers(), firsts[index] as Record<string, unknown>).id;
    expect((await proxy.report(sessionOfChain(9))).calls).toBe(2);
    expect((await proxy.report(sessionOfChain(0))).calls).toBe(1);
    // The chained call of chain 0 is a session of its own, hashed from its own input.
    const own = sessionOf("openai-responses", new Headers(), { model: "gpt-5", instructions: "Chain 0.", input: "Go on with chain 0." }).id;
    expect((await proxy.report(own)).calls).toBe(1);
    expect(sessions).toContain(own);
  }, 60_000);

  it("reply ids held in memory stay at the bound; the in-memory store keeps 64 links per session it may hold", async () => {
    const store = memoryStore({ maxSessions: 1 });
    const reported: unknown[] = [];
    const chain = responseChains({ store, timeoutMs: 100, maxReplies: 8, report: (error) => reported.push(error) });
    for (let index = 0; index < 100; index++) {
      const watched = chain.watch(new Response(JSON.stringify({ id: `resp_${index}`, object: "response" })), `session-${index % 3}`);
      await watched.text();
      expect(chain.size()).toBeLessThanOrEqual(8);
    }
    expect(chain.size()).toBe(8);
    // Dropped from memory but linked in the store (its last 64): found there.
    expect(await chain.sessionOf("resp_50")).toBe("session-2");
    // Past the store's bound too: unknown (the chained call is then a session of its own).
    expect(await chain.sessionOf("resp_3")).toBeUndefined();
    expect(await store.responseSession?.("resp_36")).toBe("session-0");
    expect(await store.responseSession?.("resp_35")).toBeUndefined();
    expect(reported).toHaveLength(0);
  });
});

describe("alternate checkpoints", () => {
  it(`a session keeps at most ${maxAlternateCheckpoints} whole; older ones stay in pastCheckpoints (ids only)`, () => {
    const meta = newMeta("alternates", 0);
    const hashes = ["a", "b", "c", "d", "e", "f", "g"];
    for (let index = 0; index < 6; index++) {
      const covered = index + 1;
      keepAlternate(meta, {
        id: `cp-${index}`,
        covered,
        prefixHash: prefixHash(hashes, covered),
        replacement: [{ role: "user", content: [{ type: "text", text: `summary ${index}` }] }],
        strategy: "test",
        createdAtCall: index,
        tokensBefore: 100,
        tokensAfter: 10,
      });
    }
    expect(meta.alternateCheckpoints?.map((checkpoint) => checkpoint.id)).toEqual(["cp-3", "cp-4", "cp-5"]);
    expect(meta.pastCheckpoints.map((checkpoint) => checkpoint.id)).toEqual(["cp-0", "cp-1", "cp-2"]);
    expect(meta.pastCheckpoints.some((checkpoint) => "replacement" in checkpoint)).toBe(false);
    // A history one of them fits takes it up again (the one covering most); one none fits takes none.
    expect(takeAlternate(meta, ["a", "b", "c", "d", "e"])?.id).toBe("cp-4");
    expect(takeAlternate(meta, ["x", "b", "c", "d", "e", "f"])).toBeUndefined();
    expect(meta.alternateCheckpoints?.map((checkpoint) => checkpoint.id)).toEqual(["cp-3", "cp-5"]);
  });
});
