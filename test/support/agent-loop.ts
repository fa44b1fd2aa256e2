/**
 * A small coding-agent loop for end-to-end tests: the model (the test server's script) asks for a tool on every
 * call but the last; the agent runs it (deterministic output that grows with the call) and sends the whole
 * history back, as real agents do.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import { reply, type ScriptFunction } from "../../src/testing/index.js";

/** Deterministic tool output for call `index`: a few hundred to a few thousand tokens. */
export function toolOutput(index: number): string {
  const lines: string[] = [];
  const count = 30 + (index % 7) * 25;
  for (let line = 0; line < count; line++) {
    lines.push(`src/module_${index}/file_${line}.py:${line * 7 + 1}: def handler_${index}_${line}(request, retries=${line % 5}): return compute_${line}(request)`);
  }
  return lines.join("\n");
}

/** The script: a tool call on every call before `calls`, then a final text. */
export function loopScript(calls: number): ScriptFunction {
  return (_request, context) =>
    context.callIndex < calls - 1
      ? reply.toolCall("bash", { command: `grep -rn handler_${context.callIndex} src` }, { text: `Step ${context.callIndex}: searching.` })
      : reply.text("Done: the handler is fixed.");
}

const system = `You are a coding agent. ${"Follow the repository conventions carefully. ".repeat(60)}`;

/**
 * The history with a cache breakpoint on its last block, as Claude Code sends it: the breakpoint moves with the
 * conversation, so only the last message is a copy; the others are the agent's own objects.
 */
function withLastBreakpoint(messages: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  const last = messages.at(-1);
  if (!last) return messages;
  const blocks: Anthropic.ContentBlockParam[] =
    typeof last.content === "string" ? [{ type: "text", text: last.content }] : [...last.content];
  const final = blocks.at(-1);
  if (final && final.type !== "thinking" && final.type !== "redacted_thinking") {
    blocks[blocks.length - 1] = { ...final, cache_control: { type: "ephemeral" } } as Anthropic.ContentBlockParam;
  }
  return [...messages.slice(0, -1), { ...last, content: blocks } as Anthropic.MessageParam];
}

/** Runs the loop on an Anthropic client; returns the final history. */
export async function runAnthropicLoop(
  client: Anthropic,
  options: { calls: number; stream?: boolean; model?: string },
): Promise<Anthropic.MessageParam[]> {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Fix the failing handler in src/." }];
  const tools: Anthropic.Tool[] = [
    { name: "bash", description: "Run a shell command.", input_schema: { type: "object", properties: { command: { type: "string" } } } },
  ];
  for (let index = 0; index < options.calls; index++) {
    const params = {
      model: options.model ?? "claude-sonnet-4-6",
      max_tokens: 1024,
      system: [{ type: "text" as const, text: system, cache_control: { type: "ephemeral" as const } }],
      tools,
      messages: withLastBreakpoint(messages),
    };
    const message = options.stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    messages.push({ role: "assistant", content: message.content });
    const calls = message.content.filter((block) => block.type === "tool_use");
    if (calls.length === 0) break;
    messages.push({
      role: "user",
      content: calls.map((call) => ({
        type: "tool_result" as const,
        tool_use_id: call.id,
        content: toolOutput(index),
      })),
    });
  }
  return messages;
}

/** Runs the loop on an OpenAI chat client; returns the final history. */
export async function runOpenAIChatLoop(
  client: OpenAI,
  options: { calls: number; stream?: boolean; model?: string },
): Promise<OpenAI.ChatCompletionMessageParam[]> {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: "system", content: system },
    { role: "user", content: "Fix the failing handler in src/." },
  ];
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: "function", function: { name: "bash", description: "Run a shell command.", parameters: { type: "object", properties: { command: { type: "string" } } } } },
  ];
  for (let index = 0; index < options.calls; index++) {
    const params = { model: options.model ?? "gpt-5", messages, tools };
    let message: OpenAI.ChatCompletionMessage;
    if (options.stream) {
      const stream = client.chat.completions.stream({ ...params, stream_options: { include_usage: true } });
      message = (await stream.finalChatCompletion()).choices[0]?.message as OpenAI.ChatCompletionMessage;
    } else {
      message = (await client.chat.completions.create(params)).choices[0]?.message as OpenAI.ChatCompletionMessage;
    }
    messages.push({ role: "assistant", content: message.content, ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}) });
    if (!message.tool_calls || message.tool_calls.length === 0) break;
    for (const call of message.tool_calls) messages.push({ role: "tool", tool_call_id: call.id, content: toolOutput(index) });
  }
  return messages;
}

/** Runs the loop on an OpenAI Responses client, stateless: the agent appends every output item and its tool outputs. */
export async function runResponsesLoop(
  client: OpenAI,
  options: { calls: number; stream?: boolean; model?: string },
): Promise<OpenAI.Responses.ResponseInput> {
  const input: OpenAI.Responses.ResponseInput = [
    { role: "user", content: "Fix the failing handler in src/." },
  ];
  const tools: OpenAI.Responses.Tool[] = [
    {
      type: "function",
      name: "bash",
      description: "Run a shell command.",
      strict: false,
      parameters: { type: "object", properties: { command: { type: "string" } } },
    },
  ];
  for (let index = 0; index < options.calls; index++) {
    const params = {
      model: options.model ?? "gpt-5",
      instructions: system,
      input,
      tools,
    };
    const response = options.stream
      ? await client.responses.stream(params).finalResponse()
      : await client.responses.create(params);
    const toolCalls = response.output.filter(
      (item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === "function_call",
    );
    for (const item of response.output) input.push(item as OpenAI.Responses.ResponseInputItem);
    if (toolCalls.length === 0) break;
    for (const call of toolCalls)
      input.push({
        type: "function_call_output",
        call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id,
        output: toolOutput(index),
      });
  }
  return input;
}
