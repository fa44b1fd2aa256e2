/**
 * The usage the proxy shows an agent (`src/proxy/agent-usage.ts`), under the official SDKs on all three APIs,
 * plain and streaming. A 20-call tool loop with long tool outputs runs through the proxy (masking from 6k
 * tokens on); each call's params are then sent straight to a second `compactor/testing` server, whose count is
 * what the agent would have seen without the proxy. Both servers count tokens with o200k (GPT's tokenizer), the
 * estimator the proxy scales with. With `agentUsage: "uncompacted"` (the default):
 *
 * - the input side the SDK returns is within 2% of that count on every call (exact on calls not compacted),
 *   while the upstream really received far fewer tokens;
 * - output tokens are the upstream's, untouched;
 * - the proxy's own report is the upstream's real count, not the agent's view.
 *
 * With `agentUsage: "upstream"` the SDK sees exactly the upstream's usage.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentUsage, type CompactorProxy, startProxy } from "../../src/index.js";
import { reply, type TestServer } from "../../src/testing/index.js";
import { countO200kTokens } from "../../src/tokens/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const proxies: CompactorProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

const steps = 20;
const toolOutput = (index: number) => `// src/file-${index}.ts\n${"export const value = compute(input, options);\n".repeat(60)}`;
const system = `You are a coding agent. ${"Read carefully. ".repeat(40)}`;
const task = "Read every file of the repository, one at a time.";

/** What one call's answer told the agent. */
interface Seen {
  input: number;
  output: number;
}

type Api = "anthropic" | "openai-chat" | "openai-responses";

/** Runs the tool loop against `baseURL`; returns what each call showed and each call's params (copied). */
async function loop(api: Api, baseURL: string, stream: boolean): Promise<{ seen: Seen[]; params: unknown[] }> {
  const seen: Seen[] = [];
  const params: unknown[] = [];
  if (api === "anthropic") {
    const client = new Anthropic({ baseURL, apiKey: "sk-ant-test", maxRetries: 0 });
    const tool = { name: "read_file", description: "Read a file", input_schema: { type: "object" as const, properties: { path: { type: "string" } } } };
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: task }];
    for (let index = 0; index <= steps; index++) {
      const request = { model: "claude-sonnet-4-6", max_tokens: 1024, system, tools: [tool], messages };
      params.push(structuredClone(request));
      const message = stream ? await client.messages.stream(request).finalMessage() : await client.messages.create(request);
      const usage = message.usage;
      seen.push({
        input: usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0),
        output: usage.output_tokens,
      });
      messages.push({ role: "assistant", content: message.content });
      const calls = message.content.filter((block) => block.type === "tool_use");
      if (calls.length === 0) break;
      messages.push({ role: "user", content: calls.map((call) => ({ type: "tool_result" as const, tool_use_id: call.id, content: toolOutput(index) })) });
    }
    return { seen, params };
  }
  const client = new OpenAI({ baseURL: `${baseURL}/v1`, apiKey: "sk-test", maxRetries: 0 });
  if (api === "openai-chat") {
    const tool = { type: "function" as const, function: { name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } } };
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: "system", content: system },
      { role: "user", content: task },
    ];
    for (let index = 0; index <= steps; index++) {
      const request = { model: "gpt-5", tools: [tool], messages };
      params.push(structuredClone(request));
      const completion = stream
        ? await client.chat.completions.stream({ ...request, stream_options: { include_usage: true } }).finalChatCompletion()
        : await client.chat.completions.create(request);
      seen.push({ input: completion.usage?.prompt_tokens ?? -1, output: completion.usage?.completion_tokens ?? -1 });
      const message = completion.choices[0]?.message;
      if (message === undefined) break;
      messages.push(message);
      const calls = message.tool_calls ?? [];
      if (calls.length === 0) break;
      for (const call of calls) messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(index) });
    }
    return { seen, params };
  }
  const tool = { type: "function" as const, name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } }, strict: false };
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: task }];
  for (let index = 0; index <= steps; index++) {
    const request = { model: "gpt-5", instructions: system, tools: [tool], input };
    params.push(structuredClone(request));
    const response = stream ? await client.responses.stream(request).finalResponse() : await client.responses.create(request);
    seen.push({ input: response.usage?.input_tokens ?? -1, output: response.usage?.output_tokens ?? -1 });
    const calls = response.output.flatMap((item) => (item.type === "function_call" ? [item] : []));
    if (calls.length === 0) break;
    for (const call of calls) {
      input.push({ type: "function_call", id: call.id, call_id: call.call_id, name: call.name, arguments: call.arguments });
      input.push({ type: "function_call_output", call_id: call.call_id, output: toolOutput(index) });
    }
  }
  return { seen, params };
}

/** The server's input-side count of each params, sent straight to it (what the agent sees without a proxy). */
async function truth(api: Api, server: TestServer, params: unknown[]): Promise<number[]> {
  const anthropic = new Anthropic({ baseURL: server.url, apiKey: "sk-ant-test", maxRetries: 0 });
  const openai = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-test", maxRetries: 0 });
  for (const request of params) {
    if (api === "anthropic") await anthropic.messages.create(request as Anthropic.MessageCreateParamsNonStreaming);
    else if (api === "openai-chat") await openai.chat.completions.create(request as OpenAI.ChatCompletionCreateParamsNonStreaming);
    else await openai.responses.create(request as OpenAI.Responses.ResponseCreateParamsNonStreaming);
  }
  return server.requests.map((request) => request.usage?.promptTokens ?? -1);
}

async function setUp(agentUsage: AgentUsage | undefined) {
  const script = (_request: unknown, { callIndex }: { callIndex: number }) =>
    callIndex < steps ? reply.toolCall("read_file", { path: `src/file-${callIndex}.ts` }) : reply.text("All files read.");
  // Both servers count with o200k (the GPT tokenizer) instead of the default four characters a token.
  const countTokens = (part: unknown) => countO200kTokens(JSON.stringify(part) ?? "");
  const upstream = await startServer({ script, countTokens });
  const direct = await startServer({ script: () => reply.text("ok"), countTokens });
  const proxy = await startProxy({
    upstreams: { anthropic: upstream.url, openai: upstream.url },
    strategy: observationMasking({ keepLast: 3 }),
    trigger: tokenThreshold(6_000),
    diagnosticsChannel: false,
    ...(agentUsage ? { agentUsage } : {}),
  });
  proxies.push(proxy);
  return { upstream, direct, proxy };
}

const cases = (["anthropic", "openai-chat", "openai-responses"] as const).flatMap((api) => [false, true].map((stream) => ({ api, stream })));

describe("usage shown to agents through the proxy", () => {
  it.each(cases)("$api (stream: $stream), default: the size of the agent's own request", async ({ api, stream }) => {
    const { upstream, direct, proxy } = await setUp(undefined);
    const { seen, params } = await loop(api, proxy.url, stream);
    expect(seen.length).toBe(steps + 1);
    const expected = await truth(api, direct, params);
    const sent = upstream.requests.map((request) => request.usage?.promptTokens ?? -1);
    let compacted = 0;
    let worst = 0;
    seen.forEach((call, index) => {
      const agent = expected[index] as number;
      const wire = sent[index] as number;
      if (wire < agent * 0.9) compacted++;
      if (wire === agent) expect(call.input).toBe(agent);
      worst = Math.max(worst, Math.abs(call.input - agent) / agent);
      expect(call.output).toBe(upstream.requests[index]?.usage?.outputTokens);
    });
    expect(compacted).toBeGreaterThan(steps / 2);
    expect(worst).toBeLessThan(0.02);
    // The report is the bill: the upstream's real count.
    const session = proxy.sessions()[0]?.id ?? "";
    const report = await proxy.report(session);
    expect(report.promptTokens).toBe(sent.reduce((sum, tokens) => sum + tokens, 0));
  });

  it.each(cases)("$api (stream: $stream), agentUsage: upstream: the upstream's usage unchanged", async ({ api, stream }) => {
    const { upstream, proxy } = await setUp("upstream");
    const { seen } = await loop(api, proxy.url, stream);
    expect(seen.map((call) => call.input)).toEqual(upstream.requests.map((request) => request.usage?.promptTokens));
    expect(Math.min(...seen.map((call) => call.input))).toBeGreaterThan(0);
  });

  it("refuses an unknown agentUsage, naming the option", async () => {
    await expect(startProxy({ agentUsage: "bigger" as AgentUsage })).rejects.toThrow(/agentUsage/);
  });
});
