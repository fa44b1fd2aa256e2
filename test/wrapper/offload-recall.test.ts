/**
 * Issue 10, lever 2: reversible offload and the hidden `compactor_recall` round trip, through the real SDK
 * clients on the loopback test server, for Anthropic Messages, OpenAI Chat and Responses, plain and streaming.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type CompactorEvent, sessionReport, withCompaction } from "../../src/index.js";
import { type RecordedRequest, recallIdsOf, reply, type ScriptFunction } from "../../src/testing/index.js";
import { observationMasking, offload, offloadId, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";
import {
  endsWithRecallAnswer,
  formats,
  modelOf,
  output,
  recallAnswerIds,
  runAgent,
} from "./offload-agent.js";

const startServer = useServers();

interface Plan {
  /** Agent calls. */
  steps: number;
  /** Agent call at which the model recalls the first offloaded output. */
  recallAt: number;
  /** How the recall turn looks. */
  kind: "alone" | "with-thinking" | "mixed";
}

/**
 * The model: calls `bash` on every step; at `recallAt` it first recalls the oldest offloaded output (alone, after
 * a signed thinking block, or together with a `bash` call), then goes on.
 */
function script(plan: Plan, recalled: string[]): ScriptFunction {
  let step = 0;
  return (request) => {
    const ids = recallIdsOf(request);
    const continuation = recalled.length > 0 && endsWithRecallAnswer(request);
    if (!continuation && step === plan.recallAt && recalled.length === 0 && ids.length > 0) {
      const id = ids[0] as string;
      recalled.push(id);
      if (plan.kind === "with-thinking")
        return reply.message([
          { type: "thinking", text: "I need the first file again.", signature: "sig-recall-1" },
          { type: "tool_call", name: "compactor_recall", input: { id } },
        ]);
      if (plan.kind === "mixed")
        return reply.message([
          { type: "tool_call", name: "bash", input: { command: `cat file_${step}.txt` } },
          { type: "tool_call", name: "compactor_recall", input: { id } },
        ]);
      return reply.recall(id, { text: "Reading the first file again." });
    }
    const current = step++;
    if (current >= plan.steps - 1) return reply.text("Done.");
    return reply.toolCall("bash", { command: `cat file_${current}.txt` }, { text: `Step ${current}.` });
  };
}

function toolsOf(request: RecordedRequest): unknown {
  return (request.body as { tools?: unknown }).tools;
}

describe.each(formats)("offload round trip, %s", (format) => {
  for (const stream of [false, true]) {
    it(`${stream ? "streaming" : "plain"}: the model recalls, compactor answers and continues, the agent never sees it`, async () => {
      const recalled: string[] = [];
      const plan: Plan = { steps: 11, recallAt: 6, kind: "alone" };
      const server = await startServer({ script: script(plan, recalled) });
      const events: CompactorEvent[] = [];
      const { seen, client } = await runAgent(server, format, stream, plan, events);

      // Every request valid (tool pairing included), the recall happened once, and was answered with the output.
      for (const request of server.requests) expect(request.validationError).toBeUndefined();
      expect(recalled).toHaveLength(1);
      const recallEvents = events.filter((event) => event.type === "recall");
      expect(recallEvents).toHaveLength(1);
      expect(recallEvents[0]).toMatchObject({ ids: recalled, answers: ["kept"], dropped: false });
      const continuation = server.requests.find((request) => endsWithRecallAnswer(request));
      expect(continuation).toBeDefined();
      // The id is the output's call id, hashed; the answer is that output, whole.
      const body = JSON.stringify(continuation?.body);
      const original = seen.flatMap((call) => call.calls).find(([id]) => offloadId(id) === recalled[0]);
      expect(original).toBeDefined();
      expect(body).toContain(JSON.stringify(output(0)).slice(1, -1));

      // One more upstream request than agent calls; the agent never saw the recall tool.
      expect(server.requests.length).toBe(seen.length + 1);
      for (const call of seen) expect(call.seen).not.toContain("compactor_recall");

      // The tools block is byte-identical on every request, the recall tool last (the agent's tools keep their place).
      const first = JSON.stringify(toolsOf(server.requests[0] as RecordedRequest));
      for (const request of server.requests) expect(JSON.stringify(toolsOf(request))).toBe(first);
      const tools = toolsOf(server.requests[0] as RecordedRequest) as unknown[];
      expect(JSON.stringify(tools.at(-1))).toContain("compactor_recall");
      expect(JSON.stringify(tools.at(0))).toContain("bash");

      // Later calls carry the hidden exchange again (the model sees what it saw; pairs stay whole) until the next
      // compaction (call 8), which offloads it again; pairing holds throughout (every request validated above).
      const index = server.requests.indexOf(continuation as RecordedRequest);
      const later = server.requests.slice(index + 1);
      const nextCompaction = events.find((event) => event.type === "compaction" && event.callIndex === 8);
      expect(nextCompaction).toBeDefined();
      // Agent call 7 is the request right after the continuation; call 8 compacts.
      expect(recallAnswerIds(later[0] as RecordedRequest)).toHaveLength(1);
      expect(later.length).toBeGreaterThan(2);
      for (const request of later.slice(1)) expect(recallAnswerIds(request)).toHaveLength(0);

      // Priced as spend: the report's cost is the call events' plus the hidden turn's, and it says so.
      const report = await sessionReport(client);
      const callCost = events.reduce(
        (sum, event) => sum + (event.type === "call" ? (event.costUsd ?? 0) : 0),
        0,
      );
      const recallCost = recallEvents.reduce(
        (sum, event) => sum + (event.type === "recall" ? (event.costUsd ?? 0) : 0),
        0,
      );
      expect(recallCost).toBeGreaterThan(0);
      expect(report.recall).toMatchObject({ turns: 1, answered: 1, dropped: 0 });
      expect(report.recall.costUsd).toBeCloseTo(recallCost, 10);
      expect(report.costUsd).toBeCloseTo(callCost + recallCost, 10);
      expect(events.filter((event) => event.type === "error")).toEqual([]);
    });
  }

  it("a recall together with the agent's own tool: the recall is taken out, the agent gets its call", async () => {
    const recalled: string[] = [];
    const plan: Plan = { steps: 9, recallAt: 6, kind: "mixed" };
    const server = await startServer({ script: script(plan, recalled) });
    const events: CompactorEvent[] = [];
    const { seen } = await runAgent(server, format, false, plan, events);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
    expect(recalled).toHaveLength(1);
    expect(server.requests.length).toBe(seen.length);
    for (const call of seen) expect(call.seen).not.toContain("compactor_recall");
    expect(events.filter((event) => event.type === "recall")).toMatchObject([
      { dropped: true, ids: recalled },
    ]);
  });
});

describe("offload round trip, streaming stripped turns", () => {
  for (const format of formats) {
    it(`${format}: a streamed mixed turn reaches the agent without the recall call`, async () => {
      const recalled: string[] = [];
      const plan: Plan = { steps: 9, recallAt: 6, kind: "mixed" };
      const server = await startServer({ script: script(plan, recalled) });
      const events: CompactorEvent[] = [];
      const { seen } = await runAgent(server, format, true, plan, events);
      for (const request of server.requests) expect(request.validationError).toBeUndefined();
      expect(recalled).toHaveLength(1);
      for (const call of seen) expect(call.seen).not.toContain("compactor_recall");
      // The mixed turn's own call reached the agent.
      expect(seen.some((call) => call.calls.length === 1 && call.calls[0]?.[1] === "bash")).toBe(true);
    });
  }
});

describe("thinking signatures survive the hidden round trip (Anthropic)", () => {
  for (const stream of [false, true]) {
    it(`${stream ? "streaming" : "plain"}: the signed thinking block goes out unchanged in the continuation and later`, async () => {
      const recalled: string[] = [];
      const plan: Plan = { steps: 9, recallAt: 6, kind: "with-thinking" };
      const server = await startServer({ script: script(plan, recalled) });
      const events: CompactorEvent[] = [];
      await runAgent(server, "anthropic", stream, plan, events);
      for (const request of server.requests) expect(request.validationError).toBeUndefined();
      const withThinking = server.requests.filter((request) =>
        JSON.stringify(request.body).includes('"signature":"sig-recall-1"'),
      );
      const continuationIndex = server.requests.findIndex((request) => endsWithRecallAnswer(request));
      expect(continuationIndex).toBeGreaterThan(0);
      // The continuation and the later requests until the next compaction (call 8) carry it, unchanged, next to
      // its recall call.
      expect(withThinking).toEqual(server.requests.slice(continuationIndex, continuationIndex + 2));
      for (const request of withThinking) {
        const messages = (request.body as { messages: Array<{ role: string; content: unknown }> }).messages;
        const holder = messages.find((message) => JSON.stringify(message.content).includes("sig-recall-1"));
        expect(holder?.content).toEqual([
          { type: "thinking", thinking: "I need the first file again.", signature: "sig-recall-1" },
          expect.objectContaining({ type: "tool_use", name: "compactor_recall" }),
        ]);
      }
    });
  }
});

describe("hidden turns are always priced", () => {
  it("a chat stream without usage: the hidden turn's spend is estimated, counted and reported", async () => {
    const server = await startServer({ script: [reply.recall("r0123456789"), "Carried on."] });
    const events: CompactorEvent[] = [];
    const client = withCompaction(new OpenAI({ apiKey: "k", baseURL: server.openaiBaseURL, maxRetries: 0 }), {
      session: "no-usage",
      strategy: offload(),
      summarizer: false,
      diagnosticsChannel: false,
      onEvent: (event) => events.push(event),
    });
    const completion = await client.chat.completions
      .stream({ model: modelOf["openai-chat"], messages: [{ role: "user", content: "go" }] })
      .finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe("Carried on.");
    const recall = events.find((event) => event.type === "recall");
    expect(recall).toMatchObject({ answers: ["unknown"], dropped: false });
    expect((recall as { costUsd: number }).costUsd).toBeGreaterThan(0);
    expect(events.some((event) => event.type === "error" && event.phase === "usage")).toBe(true);
    const report = await sessionReport(client);
    expect(report.recall.costUsd).toBeCloseTo((recall as { costUsd: number }).costUsd, 12);
  });
});

describe("offload off", () => {
  it("strategy: null, shadow mode and offload: false never add the tool", async () => {
    const server = await startServer();
    for (const extra of [{ strategy: null }, { shadow: true }, { offload: false }] as const) {
      const client = withCompaction(
        new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseURL, maxRetries: 0 }),
        {
          session: `off-${JSON.stringify(extra)}`,
          strategy: offload(observationMasking({ keepLast: 1, minTokens: 20 })),
          trigger: tokenThreshold(800),
          summarizer: false,
          diagnosticsChannel: false,
          ...extra,
        },
      );
      await client.messages.create({
        model: modelOf.anthropic,
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      });
    }
    for (const request of server.requests)
      expect(JSON.stringify(request.body)).not.toContain("compactor_recall");
    expect(server.requests).toHaveLength(3);
  });

  it("an offloading strategy turns the tool on by default (auto), from the first call", async () => {
    const server = await startServer();
    const client = withCompaction(
      new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseURL, maxRetries: 0 }),
      {
        session: "auto-on",
        strategy: offload(),
        summarizer: false,
        diagnosticsChannel: false,
      },
    );
    await client.messages.create({
      model: modelOf.anthropic,
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(JSON.stringify(toolsOf(server.requests[0] as RecordedRequest))).toContain("compactor_recall");
  });

  it("rejects a malformed offload option with a typed error naming the field", () => {
    const make = (offloadOption: unknown) =>
      withCompaction(new Anthropic({ apiKey: "k" }), { session: "s", offload: offloadOption as never });
    expect(() => make({ maxRecalls: -1 })).toThrow(/offload\.maxRecalls/);
    expect(() => make("sometimes")).toThrow(/offload/);
  });
});
