/**
 * Issue 10, lever 2: reversible offload and the hidden `compactor_recall` round trip, through the real SDK
 * clients on the loopback test server, for Anthropic Messages, OpenAI Chat and Responses, plain and streaming.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type CompactorEvent, sessionReport, withCompaction } from "../../src/index.js";
import {
  type RecordedRequest,
  recallIdsOf,
  reply,
  type ScriptFunction,
  type TestServer,
} from "../../src/testing/index.js";
import { observationMasking, offload, offloadId, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
type Format = "anthropic" | "openai-chat" | "openai-responses";
const formats: Format[] = ["anthropic", "openai-chat", "openai-responses"];
const modelOf = {
  anthropic: "claude-sonnet-4-6",
  "openai-chat": "gpt-4.1",
  "openai-responses": "gpt-4.1",
} as const;

/** The tool output of step `i`: distinctive lines, big enough to be masked. */
function output(step: number): string {
  return Array.from(
    { length: 40 },
    (_, line) => `file_${step}.txt line ${line}: value ${step * 1000 + line}`,
  ).join("\n");
}

/** Call ids of recall calls in the request (the hidden exchange). */
function recallAnswerIds(request: RecordedRequest): string[] {
  const ids: string[] = [];
  const body = request.body as { messages?: unknown[]; input?: unknown[] };
  for (const entry of body.messages ?? body.input ?? []) {
    const item = entry as Record<string, unknown>;
    for (const block of Array.isArray(item.content) ? item.content : []) {
      const part = block as Record<string, unknown>;
      if (part.type === "tool_use" && part.name === "compactor_recall") ids.push(String(part.id));
    }
    for (const call of Array.isArray(item.tool_calls) ? item.tool_calls : []) {
      const part = call as { id: string; function: { name: string } };
      if (part.function.name === "compactor_recall") ids.push(part.id);
    }
    if (item.type === "function_call" && item.name === "compactor_recall") ids.push(String(item.call_id));
  }
  return ids;
}

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

function endsWithRecallAnswer(request: RecordedRequest): boolean {
  const body = request.body as { messages?: unknown[]; input?: unknown[] };
  const list = body.messages ?? body.input ?? [];
  const ids = new Set(recallAnswerIds(request));
  const last = list.at(-1) as Record<string, unknown> | undefined;
  if (!last) return false;
  if (last.role === "tool") return ids.has(String(last.tool_call_id));
  if (last.type === "function_call_output") return ids.has(String(last.call_id));
  const content = Array.isArray(last.content) ? last.content : [];
  return content.some((block) => ids.has(String((block as { tool_use_id?: string }).tool_use_id)));
}

interface AgentCall {
  /** Tool calls the agent's code saw: [id, name]. */
  calls: Array<[string, string]>;
  /** Everything the agent's code got, as JSON. */
  seen: string;
}

/** Runs the agent loop through a wrapped SDK client; returns what the agent's code saw, call by call. */
async function runAgent(
  server: TestServer,
  format: Format,
  stream: boolean,
  plan: Plan,
  events: CompactorEvent[],
) {
  const options = {
    session: `offload-${format}-${stream}-${plan.kind}`,
    strategy: offload(observationMasking({ keepLast: 1, minTokens: 20 })),
    // Compactions at two fixed calls: the recall happens between them.
    trigger: {
      name: "at-3-and-8",
      shouldCompact: (context: { callIndex: number }) => [3, 8].includes(context.callIndex),
    },
    summarizer: false as const,
    onEvent: (event: CompactorEvent) => events.push(event),
    diagnosticsChannel: false,
  };
  const model = modelOf[format];
  const seen: AgentCall[] = [];
  if (format === "anthropic") {
    const client = withCompaction(
      new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseURL, maxRetries: 0 }),
      options,
    );
    const tools: Anthropic.Tool[] = [
      {
        name: "bash",
        description: "Runs a command",
        input_schema: { type: "object", properties: { command: { type: "string" } } },
      },
    ];
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Read the files one by one." }];
    for (let call = 0; call < plan.steps; call++) {
      const params = { model, max_tokens: 256, tools, messages };
      const message = stream
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      const calls = message.content.flatMap((block) =>
        block.type === "tool_use" ? [[block.id, block.name] as [string, string]] : [],
      );
      seen.push({ calls, seen: JSON.stringify(message) });
      messages.push({ role: "assistant", content: message.content });
      if (calls.length === 0) break;
      messages.push({
        role: "user",
        content: calls.map(([id], index) => ({
          type: "tool_result" as const,
          tool_use_id: id,
          content: output(call * 10 + index),
        })),
      });
    }
    return { seen, client };
  }
  const openai = withCompaction(
    new OpenAI({ apiKey: "k", baseURL: server.openaiBaseURL, maxRetries: 0 }),
    options,
  );
  if (format === "openai-chat") {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "bash",
          parameters: { type: "object", properties: { command: { type: "string" } } },
        },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "user", content: "Read the files one by one." },
    ];
    for (let call = 0; call < plan.steps; call++) {
      const params = { model, tools, messages };
      const completion = stream
        ? await openai.chat.completions
            .stream({ ...params, stream_options: { include_usage: true } })
            .finalChatCompletion()
        : await openai.chat.completions.create(params);
      const message = completion.choices[0]?.message as OpenAI.ChatCompletionMessage;
      const calls = (message.tool_calls ?? []).flatMap((tool) =>
        tool.type === "function" ? [[tool.id, tool.function.name] as [string, string]] : [],
      );
      seen.push({ calls, seen: JSON.stringify(completion) });
      messages.push({
        role: "assistant",
        content: message.content,
        ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}),
      });
      if (calls.length === 0) break;
      for (const [index, [id]] of calls.entries())
        messages.push({ role: "tool", tool_call_id: id, content: output(call * 10 + index) });
    }
    return { seen, client: openai };
  }
  const tools: OpenAI.Responses.Tool[] = [
    {
      type: "function",
      name: "bash",
      strict: false,
      parameters: { type: "object", properties: { command: { type: "string" } } },
    },
  ];
  const input: OpenAI.Responses.ResponseInputItem[] = [
    { role: "user", content: "Read the files one by one." },
  ];
  for (let call = 0; call < plan.steps; call++) {
    const params = { model, tools, input };
    const response = stream
      ? await openai.responses.stream(params).finalResponse()
      : await openai.responses.create(params);
    const calls = response.output.flatMap((item) =>
      item.type === "function_call" ? [[item.call_id, item.name] as [string, string]] : [],
    );
    seen.push({ calls, seen: JSON.stringify(response) });
    input.push(...(response.output as OpenAI.Responses.ResponseInputItem[]));
    if (calls.length === 0) break;
    for (const [index, [id]] of calls.entries())
      input.push({ type: "function_call_output", call_id: id, output: output(call * 10 + index) });
  }
  return { seen, client: openai };
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
