/**
 * Reversible offload's hidden recall exchanges, persisted (issue 12): one offloading session served by several
 * runtimes on one real `redis-server` (each a `compactorFetch` with its own Redis store, as separate processes
 * would be). Calls alternate between two runtimes; the model recalls an output that the other runtime offloaded
 * (answered from the stored history); the next call goes to a runtime started only then (a restart), which must
 * send the hidden exchange again, before the reply it led to, exactly as the runtime that made it would have; the
 * next compaction drops it everywhere. The recall totals and spend add up in the shared report. For the three
 * APIs.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, compactorFetch, redisStore, sessionReport } from "../../src/index.js";
import type { FetchFunction } from "../../src/wrapper/index.js";
import { recallIdsOf, reply, type ScriptFunction, startTestServer } from "../../src/testing/index.js";
import { observationMasking, offload } from "../../strategies/index.js";
import type { Trigger } from "../../strategies/types.js";
import { endsWithRecallAnswer, type Format, formats, modelOf, output, recallAnswerIds } from "../wrapper/offload-agent.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const redisUrl = useRedisServer();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const steps = 11;
const recallAt = 6;

/** The model: `bash` on every step; at `recallAt` it first recalls the oldest offloaded output. */
function script(recalled: string[]): ScriptFunction {
  let step = 0;
  return (request) => {
    const ids = recallIdsOf(request);
    const continuation = recalled.length > 0 && endsWithRecallAnswer(request);
    if (!continuation && step === recallAt && recalled.length === 0 && ids.length > 0) {
      recalled.push(ids[0] as string);
      return reply.recall(ids[0] as string, { text: "Reading the first file again." });
    }
    const current = step++;
    if (current >= steps - 1) return reply.text("Done.");
    return reply.toolCall("bash", { command: `cat file_${current}.txt` }, { text: `Step ${current}.` });
  };
}

/** The runtimes: each call goes to the one `pick` names, started on first use (a process started then). */
function runtimes(prefix: string, format: Format, events: CompactorEvent[]) {
  const started = new Map<number, FetchFunction>();
  // Compactions at calls 3 and 8: the recall (call 6) is between them.
  const trigger: Trigger = { name: "at-fixed-calls", shouldCompact: (context) => [3, 8].includes(context.callIndex) };
  const runtime = (which: number): FetchFunction => {
    let fetch = started.get(which);
    if (!fetch) {
      const store = redisStore({ url: redisUrl(), prefix });
      cleanup.push(async () => store.dispose?.());
      fetch = compactorFetch({
        session: `recall-${format}`,
        store,
        strategy: offload(observationMasking({ keepLast: 1, minTokens: 20 })),
        trigger,
        diagnosticsChannel: false,
        onEvent: (event) => events.push(event),
      });
      started.set(which, fetch);
    }
    return fetch;
  };
  return { runtime, started };
}

/** Which runtime serves agent call `call`: 0 and 1 in turn; from the call after the recall on, 2 (started then) and 1. */
const pick = (call: number) => (call <= recallAt ? call % 2 : call % 2 === 1 ? 2 : 1);

async function runAgent(format: Format, fetchFor: (call: number) => FetchFunction): Promise<void> {
  let call = 0;
  const fetch: FetchFunction = (input, init) => fetchFor(call)(input, init);
  const model = modelOf[format];
  if (format === "anthropic") {
    const client = new Anthropic({ apiKey: "k", baseURL: "http://upstream.invalid", maxRetries: 0, fetch });
    const tools: Anthropic.Tool[] = [{ name: "bash", description: "Runs a command", input_schema: { type: "object", properties: { command: { type: "string" } } } }];
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Read the files one by one." }];
    for (; call < steps; call++) {
      const message = await client.messages.create({ model, max_tokens: 256, tools, messages });
      messages.push({ role: "assistant", content: message.content });
      const ids = message.content.flatMap((block) => (block.type === "tool_use" ? [block.id] : []));
      if (ids.length === 0) break;
      messages.push({ role: "user", content: ids.map((id, index) => ({ type: "tool_result" as const, tool_use_id: id, content: output(call * 10 + index) })) });
    }
    return;
  }
  const client = new OpenAI({ apiKey: "k", baseURL: "http://upstream.invalid/v1", maxRetries: 0, fetch });
  if (format === "openai-chat") {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "bash", parameters: { type: "object", properties: { command: { type: "string" } } } } }];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Read the files one by one." }];
    for (; call < steps; call++) {
      const completion = await client.chat.completions.create({ model, tools, messages });
      const message = completion.choices[0]?.message as OpenAI.ChatCompletionMessage;
      messages.push({ role: "assistant", content: message.content, ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}) });
      const ids = (message.tool_calls ?? []).map((tool) => tool.id);
      if (ids.length === 0) break;
      for (const [index, id] of ids.entries()) messages.push({ role: "tool", tool_call_id: id, content: output(call * 10 + index) });
    }
    return;
  }
  const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "bash", strict: false, parameters: { type: "object", properties: { command: { type: "string" } } } }];
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "Read the files one by one." }];
  for (; call < steps; call++) {
    const response = await client.responses.create({ model, tools, input });
    input.push(...(response.output as OpenAI.Responses.ResponseInputItem[]));
    const ids = response.output.flatMap((item) => (item.type === "function_call" ? [item.call_id] : []));
    if (ids.length === 0) break;
    for (const [index, id] of ids.entries()) input.push({ type: "function_call_output", call_id: id, output: output(call * 10 + index) });
  }
}

describe.skipIf(redisSkipReason !== undefined)(`hidden recall exchanges across runtimes on one Redis${redisSkipReason ? ` (${redisSkipReason})` : ""}`, () => {
  for (const format of formats) {
    it(`${format}: a runtime started after the recall sends the hidden exchange again; totals and spend add up`, async () => {
      const recalled: string[] = [];
      const server = await startTestServer({ script: script(recalled) });
      cleanup.push(() => server.close());
      const events: CompactorEvent[] = [];
      const { runtime, started } = runtimes(`team-recall-${format}-${Date.now()}:`, format, events);
      // Every runtime forwards to the test server (the SDK's base URL is only a placeholder).
      const forward = (which: number): FetchFunction => {
        const inner = runtime(which);
        return (input, init) => {
          const url = new URL(input instanceof Request ? input.url : String(input));
          const target = `${format === "anthropic" ? server.anthropicBaseURL : server.openaiBaseURL.replace(/\/v1$/, "")}${url.pathname}${url.search}`;
          return inner(input instanceof Request ? new Request(target, input) : target, init);
        };
      };
      await runAgent(format, (call) => forward(pick(call)));
      expect(started.size).toBe(3);

      for (const request of server.requests) expect(request.validationError).toBeUndefined();
      expect(recalled).toHaveLength(1);
      const continuation = server.requests.findIndex((request) => endsWithRecallAnswer(request));
      expect(continuation).toBeGreaterThan(0);
      // Answered by runtime 0 from the stored history: the output was offloaded by runtime 1's compaction (call 3).
      expect(JSON.stringify(server.requests[continuation]?.body)).toContain(JSON.stringify(output(0)).slice(1, -1));
      const recallEvents = events.filter((event) => event.type === "recall");
      expect(recallEvents).toMatchObject([{ ids: recalled, answers: ["kept"], dropped: false }]);

      // Call 7 went to runtime 2, started after the recall: it sends the hidden exchange again, where it was, so
      // the request extends the continuation's (the provider's cached prefix holds).
      const next = server.requests[continuation + 1];
      expect(recallAnswerIds(next as never)).toEqual(recallAnswerIds(server.requests[continuation] as never));
      const list = (body: unknown) => {
        const record = body as { messages?: unknown[]; input?: unknown[] };
        return (record.messages ?? record.input ?? []).map((item) => JSON.stringify(item, (key, value) => (key === "cache_control" ? undefined : value)));
      };
      const before = list(server.requests[continuation]?.body);
      const after = list(next?.body);
      expect(after.slice(0, before.length)).toEqual(before);
      // The next compaction (call 8) offloads it again, everywhere.
      for (const request of server.requests.slice(continuation + 2)) expect(recallAnswerIds(request as never)).toHaveLength(0);

      // The shared report, read by any runtime: the hidden turn counted once, its spend in the session's.
      const reader = runtime(0);
      const report = await sessionReport(reader as never);
      expect(report.recall).toMatchObject({ turns: 1, answered: 1, dropped: 0 });
      const recallCost = recallEvents.reduce((sum, event) => sum + (event.type === "recall" ? (event.costUsd ?? 0) : 0), 0);
      const callCost = events.reduce((sum, event) => sum + (event.type === "call" ? (event.costUsd ?? 0) : 0), 0);
      expect(recallCost).toBeGreaterThan(0);
      expect(report.recall.costUsd).toBeCloseTo(recallCost, 10);
      expect(report.costUsd).toBeCloseTo(callCost + recallCost, 10);
      expect(report.calls).toBe(server.requests.length - 1);
      expect(events.filter((event) => event.type === "error")).toEqual([]);
    }, 60_000);
  }
});
