/**
 * fast-check arbitraries for VALID provider requests with the shape of real agent sessions: a system prompt,
 * a task, assistant turns with thinking (signed) and tool calls, tool results (some long, some errors, some
 * with images), cache markers, and the odd server tool block or unknown field that must survive a round trip.
 * Every generated request passes `validateConversation` after conversion; strategy property tests reuse them.
 *
 * @module
 */
import type { MessageCreateParams } from "@anthropic-ai/sdk/resources/messages";
import fc from "fast-check";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions/completions";
import type { ResponseCreateParams } from "openai/resources/responses/responses";
import { fromRequest } from "../../src/adapters/index.js";
import type { Conversation, ProviderFormat } from "../../src/transcript/types.js";

type Json = Record<string, unknown>;
type Draw = fc.GeneratorValue;

const draw = <T>(g: Draw, arbitrary: fc.Arbitrary<T>): T => g(() => arbitrary);
const chance = (g: Draw, percent: number): boolean => draw(g, fc.integer({ min: 1, max: 100 })) <= percent;

/** Non-empty prose or arbitrary Unicode (emoji, combining marks, right-to-left text). */
export const textArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.lorem({ maxCount: 20, mode: "sentences" }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }) },
);

/** A tool output: a few lines, or a long log of up to ~30k characters, as agent tool results are. */
export const toolOutputArbitrary: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: textArbitrary },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.lorem({ maxCount: 8 }), fc.integer({ min: 20, max: 600 }))
      .map(([line, count]) => Array.from({ length: count }, (_, index) => `${index + 1}: ${line}`).join("\n")),
  },
);

/** Tool arguments as agents send them: commands and paths, sometimes any JSON object. */
export const toolInputArbitrary: fc.Arbitrary<Json> = fc.oneof(
  fc.record(
    { command: fc.lorem({ maxCount: 6 }), path: fc.constantFrom("/repo/src/a.py", "/tmp/x", "README.md"), timeout: fc.nat(600) },
    { requiredKeys: ["command"] },
  ),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

const toolNames = ["bash", "str_replace_editor", "read_file", "grep", "finish"] as const;
const toolNameArbitrary = fc.constantFrom(...toolNames);
const schema = { type: "object", properties: { command: { type: "string" } }, required: ["command"] };
const base64Arbitrary = fc.base64String({ minLength: 4, maxLength: 64 });
const signatureArbitrary = fc.base64String({ minLength: 16, maxLength: 120 });
const cacheControlArbitrary = fc.constantFrom<Json | null>(
  { type: "ephemeral" },
  { type: "ephemeral", ttl: "1h" },
  { type: "ephemeral", ttl: "5m" },
  null,
);

/** JSON text of tool arguments, spaced the way different clients space it (kept byte for byte). */
function argumentsText(g: Draw, input: Json): string {
  return JSON.stringify(input, null, draw(g, fc.constantFrom(0, 0, 1, 2)));
}

function maybeCache(g: Draw, block: Json, percent = 20): Json {
  return chance(g, percent) ? { ...block, cache_control: draw(g, cacheControlArbitrary) } : block;
}

function anthropicImage(g: Draw): Json {
  const source = chance(g, 50)
    ? { type: "base64", media_type: draw(g, fc.constantFrom("image/png", "image/jpeg")), data: draw(g, base64Arbitrary) }
    : { type: "url", url: draw(g, fc.webUrl()) };
  return maybeCache(g, { type: "image", source });
}

function anthropicToolResult(g: Draw, id: string): Json {
  const block: Json = { type: "tool_result", tool_use_id: id };
  const form = draw(g, fc.constantFrom("string", "string", "array", "absent"));
  if (form === "string") block.content = draw(g, toolOutputArbitrary);
  if (form === "array") {
    block.content = [{ type: "text", text: draw(g, toolOutputArbitrary) }];
    if (chance(g, 20)) (block.content as Json[]).push(anthropicImage(g));
  }
  if (chance(g, 15)) block.is_error = draw(g, fc.boolean());
  return maybeCache(g, block, 15);
}

/** Anthropic `messages.create` bodies: system, task, tool-use turns with thinking, results, server tools. */
export const anthropicRequestArbitrary: fc.Arbitrary<MessageCreateParams> = fc.gen().map((g) => {
  const task: Json = { role: "user", content: draw(g, textArbitrary) };
  if (chance(g, 40)) task.content = [maybeCache(g, { type: "text", text: draw(g, textArbitrary) }), ...(chance(g, 30) ? [anthropicImage(g)] : [])];
  const messages: Json[] = [task];
  const turns = draw(g, fc.integer({ min: 0, max: 6 }));
  for (let turn = 0; turn < turns; turn++) {
    const content: Json[] = [];
    if (chance(g, 40)) content.push({ type: "thinking", thinking: draw(g, textArbitrary), signature: draw(g, signatureArbitrary) });
    if (chance(g, 10)) content.push({ type: "redacted_thinking", data: draw(g, signatureArbitrary) });
    if (chance(g, 60)) content.push({ type: "text", text: draw(g, textArbitrary), ...(chance(g, 20) ? { citations: null } : {}) });
    if (chance(g, 10)) {
      const id = `srvtoolu_${turn}`;
      content.push({ type: "server_tool_use", id, name: "web_search", input: { query: draw(g, textArbitrary) } });
      content.push({ type: "web_search_tool_result", tool_use_id: id, content: [{ type: "web_search_result", url: "https://example.com", title: "t", encrypted_content: draw(g, base64Arbitrary) }] });
    }
    const calls = draw(g, fc.integer({ min: content.length === 0 ? 1 : 0, max: 3 }));
    const ids = Array.from({ length: calls }, (_, index) => `toolu_${turn}_${index}_${draw(g, fc.nat(9999))}`);
    for (const id of ids) {
      const call: Json = { type: "tool_use", id, name: draw(g, toolNameArbitrary), input: draw(g, toolInputArbitrary) };
      content.push(maybeCache(g, chance(g, 10) ? { ...call, caller: { type: "direct" } } : call, 5));
    }
    messages.push({ role: "assistant", content });
    if (ids.length > 0) {
      const results = ids.map((id) => anthropicToolResult(g, id));
      if (chance(g, 15)) results.push({ type: "text", text: draw(g, textArbitrary) });
      messages.push({ role: "user", content: results });
    } else if (turn < turns - 1 || chance(g, 70)) {
      messages.push({ role: "user", content: draw(g, textArbitrary) });
    }
  }
  const request: Json = { model: draw(g, fc.constantFrom("claude-sonnet-4-5", "claude-opus-4-6", "claude-haiku-4-5")), max_tokens: draw(g, fc.integer({ min: 1, max: 64000 })), messages };
  const system = draw(g, fc.constantFrom("absent", "string", "array"));
  if (system === "string") request.system = draw(g, textArbitrary);
  if (system === "array") request.system = [maybeCache(g, { type: "text", text: draw(g, textArbitrary) }, 50)];
  if (chance(g, 70)) {
    request.tools = toolNames.slice(0, draw(g, fc.integer({ min: 1, max: 5 }))).map((name) => ({ name, description: `Runs ${name}`, input_schema: schema }));
    if (chance(g, 40)) (request.tools as Json[]).push({ type: "web_search_20250305", name: "web_search", max_uses: 3 });
    const last = (request.tools as Json[]).at(-1) as Json;
    if (chance(g, 40)) last.cache_control = { type: "ephemeral" };
  }
  if (chance(g, 30)) request.thinking = { type: "enabled", budget_tokens: 2048 };
  if (chance(g, 30)) request.stream = draw(g, fc.boolean());
  if (chance(g, 20)) request.cache_control = { type: "ephemeral" };
  return request as unknown as MessageCreateParams;
});

function chatTextContent(g: Draw, text: string): unknown {
  return chance(g, 70) ? text : [{ type: "text", text }];
}

/** OpenAI `chat.completions.create` bodies: system/developer, task, tool_calls turns, tool messages, legacy functions. */
export const openAIChatRequestArbitrary: fc.Arbitrary<ChatCompletionCreateParams> = fc.gen().map((g) => {
  const messages: Json[] = [{ role: draw(g, fc.constantFrom("system", "system", "developer")), content: chatTextContent(g, draw(g, textArbitrary)) }];
  const task: Json = { role: "user", content: chatTextContent(g, draw(g, textArbitrary)) };
  if (chance(g, 20)) {
    const url = chance(g, 50) ? draw(g, fc.webUrl()) : `data:image/png;base64,${draw(g, base64Arbitrary)}`;
    task.content = [{ type: "text", text: draw(g, textArbitrary) }, { type: "image_url", image_url: chance(g, 50) ? { url, detail: "high" } : { url } }];
  }
  if (chance(g, 10)) task.content = [{ type: "text", text: "listen" }, { type: "input_audio", input_audio: { data: draw(g, base64Arbitrary), format: "wav" } }];
  messages.push(task);
  const turns = draw(g, fc.integer({ min: 0, max: 6 }));
  for (let turn = 0; turn < turns; turn++) {
    if (chance(g, 8)) {
      const name = draw(g, toolNameArbitrary);
      messages.push({ role: "assistant", content: null, function_call: { name, arguments: "{}" } });
      messages.push({ role: "function", name, content: chance(g, 80) ? draw(g, toolOutputArbitrary) : null });
      continue;
    }
    const calls = draw(g, fc.integer({ min: 0, max: 3 }));
    const assistant: Json = { role: "assistant" };
    const form = draw(g, fc.constantFrom("string", "parts", "null", "absent", "empty"));
    if (calls === 0 || form === "string") assistant.content = draw(g, textArbitrary);
    else if (form === "parts") assistant.content = [{ type: "text", text: draw(g, textArbitrary) }];
    else if (form === "null") assistant.content = null;
    else if (form === "empty") assistant.content = [];
    if (chance(g, 20)) assistant.refusal = null;
    const ids = Array.from({ length: calls }, (_, index) => `call_${turn}_${index}_${draw(g, fc.nat(9999))}`);
    if (ids.length > 0) {
      assistant.tool_calls = ids.map((id) => {
        const input = draw(g, toolInputArbitrary);
        return { id, type: "function", function: { name: draw(g, toolNameArbitrary), arguments: argumentsText(g, input) } };
      });
    }
    messages.push(assistant);
    for (const id of ids) {
      const tool: Json = { role: "tool", tool_call_id: id, content: chatTextContent(g, draw(g, toolOutputArbitrary)) };
      if (chance(g, 30)) tool.name = draw(g, toolNameArbitrary);
      messages.push(tool);
    }
    if (ids.length === 0 || chance(g, 20)) messages.push({ role: "user", content: chatTextContent(g, draw(g, textArbitrary)) });
  }
  const request: Json = { model: draw(g, fc.constantFrom("gpt-4o", "gpt-5", "gpt-4.1")), messages };
  if (chance(g, 70)) {
    request.tools = toolNames.map((name) => ({ type: "function", function: { name, description: `Runs ${name}`, parameters: schema, ...(chance(g, 30) ? { strict: false } : {}) } }));
    if (chance(g, 20)) (request.tools as Json[]).push({ type: "custom", custom: { name: "patch", description: "Applies a patch" } });
  }
  if (chance(g, 40)) request.temperature = draw(g, fc.constantFrom(0, 0.2, 1));
  if (chance(g, 40)) request.max_completion_tokens = draw(g, fc.integer({ min: 1, max: 64000 }));
  if (chance(g, 30)) Object.assign(request, { stream: true, stream_options: { include_usage: true } });
  return request as unknown as ChatCompletionCreateParams;
});

/** OpenAI `responses.create` bodies: instructions, a string or item input with reasoning, calls, outputs, opaque items. */
export const openAIResponsesRequestArbitrary: fc.Arbitrary<ResponseCreateParams> = fc.gen().map((g) => {
  const request: Json = { model: draw(g, fc.constantFrom("gpt-5", "gpt-5-mini", "o4-mini")) };
  const instructions = draw(g, fc.constantFrom("absent", "string", "null"));
  if (instructions !== "absent") request.instructions = instructions === "string" ? draw(g, textArbitrary) : null;
  if (chance(g, 10)) {
    request.input = draw(g, textArbitrary);
    return request as unknown as ResponseCreateParams;
  }
  const task: Json = { role: "user", content: draw(g, textArbitrary) };
  if (chance(g, 40)) task.type = "message";
  if (chance(g, 30)) task.content = [{ type: "input_text", text: draw(g, textArbitrary) }, ...(chance(g, 40) ? [{ type: "input_image", detail: "auto", image_url: draw(g, fc.webUrl()) }] : [])];
  const input: Json[] = chance(g, 20) ? [{ role: "developer", content: draw(g, textArbitrary) }, task] : [task];
  const turns = draw(g, fc.integer({ min: 0, max: 6 }));
  for (let turn = 0; turn < turns; turn++) {
    if (chance(g, 10)) input.push({ type: "web_search_call", id: `ws_${turn}`, status: "completed", action: { type: "search", query: draw(g, textArbitrary) } });
    if (chance(g, 5)) input.push({ type: "compaction", id: `cmp_${turn}`, encrypted_content: draw(g, signatureArbitrary) });
    if (chance(g, 50)) {
      const reasoning: Json = { type: "reasoning", id: `rs_${turn}`, summary: chance(g, 60) ? [{ type: "summary_text", text: draw(g, textArbitrary) }] : [] };
      if (chance(g, 70)) reasoning.encrypted_content = draw(g, signatureArbitrary);
      input.push(reasoning);
    }
    const calls = draw(g, fc.integer({ min: 0, max: 3 }));
    const ids = Array.from({ length: calls }, (_, index) => `call_${turn}_${index}_${draw(g, fc.nat(9999))}`);
    if (ids.length === 0) {
      input.push({ type: "message", id: `msg_${turn}`, role: "assistant", status: "completed", content: [{ type: "output_text", text: draw(g, textArbitrary), annotations: [] }] });
      input.push({ role: "user", content: draw(g, textArbitrary) });
      continue;
    }
    for (const id of ids) {
      const call: Json = { type: "function_call", call_id: id, name: draw(g, toolNameArbitrary), arguments: argumentsText(g, draw(g, toolInputArbitrary)) };
      if (chance(g, 60)) Object.assign(call, { id: `fc_${id}`, status: "completed" });
      input.push(call);
    }
    for (const id of ids) {
      const output = draw(g, toolOutputArbitrary);
      input.push({ type: "function_call_output", call_id: id, output: chance(g, 80) ? output : [{ type: "input_text", text: output }] });
    }
  }
  request.input = input;
  if (chance(g, 70)) {
    request.tools = toolNames.map((name) => ({ type: "function", name, description: `Runs ${name}`, parameters: schema, strict: draw(g, fc.boolean()) }));
    if (chance(g, 30)) (request.tools as Json[]).push({ type: "web_search" });
  }
  if (chance(g, 40)) Object.assign(request, { store: false, include: ["reasoning.encrypted_content"] });
  if (chance(g, 30)) request.reasoning = { effort: draw(g, fc.constantFrom("low", "medium", "high")) };
  if (chance(g, 30)) request.stream = true;
  return request as unknown as ResponseCreateParams;
});

/** The request arbitrary of a format. */
export function requestArbitrary(format: ProviderFormat): fc.Arbitrary<unknown> {
  if (format === "anthropic") return anthropicRequestArbitrary;
  if (format === "openai-chat") return openAIChatRequestArbitrary;
  return openAIResponsesRequestArbitrary;
}

/** Neutral conversations converted from valid requests of `format` (valid, realistic agent sessions). */
export function neutralConversationArbitrary(format: ProviderFormat): fc.Arbitrary<Conversation> {
  return requestArbitrary(format).map((request) => fromRequest(format, request as never));
}
