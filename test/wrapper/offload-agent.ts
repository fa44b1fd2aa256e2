/**
 * The agent loop of the offload tests: a coding agent that runs `bash` through a wrapped SDK client, for the three
 * APIs, plain or streaming, and what its code saw.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type CompactorEvent, withCompaction } from "../../src/index.js";
import type { RecordedRequest, TestServer } from "../../src/testing/index.js";
import { observationMasking, offload } from "../../strategies/index.js";
import type { Trigger } from "../../strategies/types.js";

export type Format = "anthropic" | "openai-chat" | "openai-responses";
export const formats: Format[] = ["anthropic", "openai-chat", "openai-responses"];
export const modelOf = {
  anthropic: "claude-sonnet-4-6",
  "openai-chat": "gpt-4.1",
  "openai-responses": "gpt-4.1",
} as const;

/** The tool output of step `i`: distinctive lines, big enough to be masked. */
export function output(step: number): string {
  return Array.from(
    { length: 40 },
    (_, line) => `file_${step}.txt line ${line}: value ${step * 1000 + line}`,
  ).join("\n");
}

/** Call ids of recall calls in the request (the hidden exchange). */
export function recallAnswerIds(request: RecordedRequest): string[] {
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

export function endsWithRecallAnswer(request: RecordedRequest): boolean {
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

export interface AgentCall {
  /** Tool calls the agent's code saw: [id, name]. */
  calls: Array<[string, string]>;
  /** Everything the agent's code got, as JSON. */
  seen: string;
}

/** Runs the agent loop through a wrapped SDK client; returns what the agent's code saw, call by call. */
export async function runAgent(
  server: TestServer,
  format: Format,
  stream: boolean,
  plan: { steps: number; session?: string; kind?: string; compactAt?: readonly number[] },
  events: CompactorEvent[],
) {
  const compactAt = plan.compactAt ?? [3, 8];
  const trigger: Trigger = {
    name: "at-fixed-calls",
    shouldCompact: (context) => compactAt.includes(context.callIndex),
  };
  const options = {
    session: plan.session ?? `offload-${format}-${stream}-${plan.kind}`,
    strategy: offload(observationMasking({ keepLast: 1, minTokens: 20 })),
    // Compactions at fixed calls (by default 3 and 8: the scripted recall happens between them).
    trigger,
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
