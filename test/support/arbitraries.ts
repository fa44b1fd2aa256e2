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

const draw = <T>(random: Draw, arbitrary: fc.Arbitrary<T>): T => random(() => arbitrary);
const chance = (random: Draw, percent: number): boolean =>
  draw(random, fc.integer({ min: 1, max: 100 })) <= percent;

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
      .map(([line, count]) =>
        Array.from({ length: count }, (_, index) => `${index + 1}: ${line}`).join("\n"),
      ),
  },
);

/** Tool arguments as agents send them: commands and paths, sometimes any JSON object. */
export const toolInputArbitrary: fc.Arbitrary<Json> = fc.oneof(
  fc.record(
    {
      command: fc.lorem({ maxCount: 6 }),
      path: fc.constantFrom("/repo/src/a.py", "/tmp/x", "README.md"),
      timeout: fc.nat(600),
    },
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
function argumentsText(random: Draw, input: Json): string {
  return JSON.stringify(input, null, draw(random, fc.constantFrom(0, 0, 1, 2)));
}

function maybeCache(random: Draw, block: Json, percent = 20): Json {
  return chance(random, percent) ? { ...block, cache_control: draw(random, cacheControlArbitrary) } : block;
}

function anthropicImage(random: Draw): Json {
  const source = chance(random, 50)
    ? {
        type: "base64",
        media_type: draw(random, fc.constantFrom("image/png", "image/jpeg")),
        data: draw(random, base64Arbitrary),
      }
    : { type: "url", url: draw(random, fc.webUrl()) };
  return maybeCache(random, { type: "image", source });
}

function anthropicToolResult(random: Draw, id: string): Json {
  const block: Json = { type: "tool_result", tool_use_id: id };
  const form = draw(random, fc.constantFrom("string", "string", "array", "absent"));
  if (form === "string") block.content = draw(random, toolOutputArbitrary);
  if (form === "array") {
    block.content = [{ type: "text", text: draw(random, toolOutputArbitrary) }];
    if (chance(random, 20)) (block.content as Json[]).push(anthropicImage(random));
  }
  if (chance(random, 15)) block.is_error = draw(random, fc.boolean());
  return maybeCache(random, block, 15);
}

/** Anthropic `messages.create` bodies: system, task, tool-use turns with thinking, results, server tools. */
export const anthropicRequestArbitrary: fc.Arbitrary<MessageCreateParams> = fc.gen().map((random) => {
  const task: Json = { role: "user", content: draw(random, textArbitrary) };
  if (chance(random, 40))
    task.content = [
      maybeCache(random, { type: "text", text: draw(random, textArbitrary) }),
      ...(chance(random, 30) ? [anthropicImage(random)] : []),
    ];
  const messages: Json[] = [task];
  const turns = draw(random, fc.integer({ min: 0, max: 6 }));
  for (let turn = 0; turn < turns; turn++) {
    const content: Json[] = [];
    if (chance(random, 40))
      content.push({
        type: "thinking",
        thinking: draw(random, textArbitrary),
        signature: draw(random, signatureArbitrary),
      });
    if (chance(random, 10))
      content.push({ type: "redacted_thinking", data: draw(random, signatureArbitrary) });
    if (chance(random, 60))
      content.push({
        type: "text",
        text: draw(random, textArbitrary),
        ...(chance(random, 20) ? { citations: null } : {}),
      });
    if (chance(random, 10)) {
      const id = `srvtoolu_${turn}`;
      content.push({
        type: "server_tool_use",
        id,
        name: "web_search",
        input: { query: draw(random, textArbitrary) },
      });
      content.push({
        type: "web_search_tool_result",
        tool_use_id: id,
        content: [
          {
            type: "web_search_result",
            url: "https://example.com",
            title: "t",
            encrypted_content: draw(random, base64Arbitrary),
          },
        ],
      });
    }
    const calls = draw(random, fc.integer({ min: content.length === 0 ? 1 : 0, max: 3 }));
    const ids = Array.from(
      { length: calls },
      (_, index) => `toolu_${turn}_${index}_${draw(random, fc.nat(9999))}`,
    );
    for (const id of ids) {
      const call: Json = {
        type: "tool_use",
        id,
        name: draw(random, toolNameArbitrary),
        input: draw(random, toolInputArbitrary),
      };
      content.push(
        maybeCache(random, chance(random, 10) ? { ...call, caller: { type: "direct" } } : call, 5),
      );
    }
    messages.push({ role: "assistant", content });
    if (ids.length > 0) {
      const results = ids.map((id) => anthropicToolResult(random, id));
      if (chance(random, 15)) results.push({ type: "text", text: draw(random, textArbitrary) });
      messages.push({ role: "user", content: results });
    } else if (turn < turns - 1 || chance(random, 70)) {
      messages.push({ role: "user", content: draw(random, textArbitrary) });
    }
  }
  const request: Json = {
    model: draw(random, fc.constantFrom("claude-sonnet-4-5", "claude-opus-4-6", "claude-haiku-4-5")),
    max_tokens: draw(random, fc.integer({ min: 1, max: 64000 })),
    messages,
  };
  const system = draw(random, fc.constantFrom("absent", "string", "array"));
  if (system === "string") request.system = draw(random, textArbitrary);
  if (system === "array")
    request.system = [maybeCache(random, { type: "text", text: draw(random, textArbitrary) }, 50)];
  if (chance(random, 70)) {
    request.tools = toolNames
      .slice(0, draw(random, fc.integer({ min: 1, max: 5 })))
      .map((name) => ({ name, description: `Runs ${name}`, input_schema: schema }));
    if (chance(random, 40))
      (request.tools as Json[]).push({ type: "web_search_20250305", name: "web_search", max_uses: 3 });
    const last = (request.tools as Json[]).at(-1) as Json;
    if (chance(random, 40)) last.cache_control = { type: "ephemeral" };
  }
  if (chance(random, 30)) request.thinking = { type: "enabled", budget_tokens: 2048 };
  if (chance(random, 30)) request.stream = draw(random, fc.boolean());
  if (chance(random, 20)) request.cache_control = { type: "ephemeral" };
  return request as unknown as MessageCreateParams;
});

function chatTextContent(random: Draw, text: string): unknown {
  return chance(random, 70) ? text : [{ type: "text", text }];
}

/** OpenAI `chat.completions.create` bodies: system/developer, task, tool_calls turns, tool messages, legacy functions. */
export const openAIChatRequestArbitrary: fc.Arbitrary<ChatCompletionCreateParams> = fc.gen().map((random) => {
  const messages: Json[] = [
    {
      role: draw(random, fc.constantFrom("system", "system", "developer")),
      content: chatTextContent(random, draw(random, textArbitrary)),
    },
  ];
  const task: Json = { role: "user", content: chatTextContent(random, draw(random, textArbitrary)) };
  if (chance(random, 20)) {
    const url = chance(random, 50)
      ? draw(random, fc.webUrl())
      : `data:image/png;base64,${draw(random, base64Arbitrary)}`;
    task.content = [
      { type: "text", text: draw(random, textArbitrary) },
      { type: "image_url", image_url: chance(random, 50) ? { url, detail: "high" } : { url } },
    ];
  }
  if (chance(random, 10))
    task.content = [
      { type: "text", text: "listen" },
      { type: "input_audio", input_audio: { data: draw(random, base64Arbitrary), format: "wav" } },
    ];
  messages.push(task);
  const turns = draw(random, fc.integer({ min: 0, max: 6 }));
  for (let turn = 0; turn < turns; turn++) {
    if (chance(random, 8)) {
      const name = draw(random, toolNameArbitrary);
      messages.push({ role: "assistant", content: null, function_call: { name, arguments: "{}" } });
      messages.push({
        role: "function",
        name,
        content: chance(random, 80) ? draw(random, toolOutputArbitrary) : null,
      });
      continue;
    }
    const calls = draw(random, fc.integer({ min: 0, max: 3 }));
    const assistant: Json = { role: "assistant" };
    const form = draw(random, fc.constantFrom("string", "parts", "null", "absent", "empty"));
    if (calls === 0 || form === "string") assistant.content = draw(random, textArbitrary);
    else if (form === "parts") assistant.content = [{ type: "text", text: draw(random, textArbitrary) }];
    else if (form === "null") assistant.content = null;
    else if (form === "empty") assistant.content = [];
    if (chance(random, 20)) assistant.refusal = null;
    const ids = Array.from(
      { length: calls },
      (_, index) => `call_${turn}_${index}_${draw(random, fc.nat(9999))}`,
    );
    if (ids.length > 0) {
      assistant.tool_calls = ids.map((id) => {
        const input = draw(random, toolInputArbitrary);
        return {
          id,
          type: "function",
          function: { name: draw(random, toolNameArbitrary), arguments: argumentsText(random, input) },
        };
      });
    }
    messages.push(assistant);
    for (const id of ids) {
      const tool: Json = {
        role: "tool",
        tool_call_id: id,
        content: chatTextContent(random, draw(random, toolOutputArbitrary)),
      };
      if (chance(random, 30)) tool.name = draw(random, toolNameArbitrary);
      messages.push(tool);
    }
    if (ids.length === 0 || chance(random, 20))
      messages.push({ role: "user", content: chatTextContent(random, draw(random, textArbitrary)) });
  }
  const request: Json = { model: draw(random, fc.constantFrom("gpt-4o", "gpt-5", "gpt-4.1")), messages };
  if (chance(random, 70)) {
    request.tools = toolNames.map((name) => ({
      type: "function",
      function: {
        name,
        description: `Runs ${name}`,
        parameters: schema,
        ...(chance(random, 30) ? { strict: false } : {}),
      },
    }));
    if (chance(random, 20))
      (request.tools as Json[]).push({
        type: "custom",
        custom: { name: "patch", description: "Applies a patch" },
      });
  }
  if (chance(random, 40)) request.temperature = draw(random, fc.constantFrom(0, 0.2, 1));
  if (chance(random, 40)) request.max_completion_tokens = draw(random, fc.integer({ min: 1, max: 64000 }));
  if (chance(random, 30)) Object.assign(request, { stream: true, stream_options: { include_usage: true } });
  return request as unknown as ChatCompletionCreateParams;
});

/** OpenAI `responses.create` bodies: instructions, a string or item input with reasoning, calls, outputs, opaque items. */
export const openAIResponsesRequestArbitrary: fc.Arbitrary<ResponseCreateParams> = fc.gen().map((random) => {
  const request: Json = { model: draw(random, fc.constantFrom("gpt-5", "gpt-5-mini", "o4-mini")) };
  const instructions = draw(random, fc.constantFrom("absent", "string", "null"));
  if (instructions !== "absent")
    request.instructions = instructions === "string" ? draw(random, textArbitrary) : null;
  if (chance(random, 10)) {
    request.input = draw(random, textArbitrary);
    return request as unknown as ResponseCreateParams;
  }
  const task: Json = { role: "user", content: draw(random, textArbitrary) };
  if (chance(random, 40)) task.type = "message";
  if (chance(random, 30))
    task.content = [
      { type: "input_text", text: draw(random, textArbitrary) },
      ...(chance(random, 40)
        ? [{ type: "input_image", detail: "auto", image_url: draw(random, fc.webUrl()) }]
        : []),
    ];
  const input: Json[] = chance(random, 20)
    ? [{ role: "developer", content: draw(random, textArbitrary) }, task]
    : [task];
  const turns = draw(random, fc.integer({ min: 0, max: 6 }));
  for (let turn = 0; turn < turns; turn++) {
    if (chance(random, 10))
      input.push({
        type: "web_search_call",
        id: `ws_${turn}`,
        status: "completed",
        action: { type: "search", query: draw(random, textArbitrary) },
      });
    if (chance(random, 5))
      input.push({
        type: "compaction",
        id: `cmp_${turn}`,
        encrypted_content: draw(random, signatureArbitrary),
      });
    if (chance(random, 50)) {
      const reasoning: Json = {
        type: "reasoning",
        id: `rs_${turn}`,
        summary: chance(random, 60) ? [{ type: "summary_text", text: draw(random, textArbitrary) }] : [],
      };
      if (chance(random, 70)) reasoning.encrypted_content = draw(random, signatureArbitrary);
      input.push(reasoning);
    }
    const calls = draw(random, fc.integer({ min: 0, max: 3 }));
    const ids = Array.from(
      { length: calls },
      (_, index) => `call_${turn}_${index}_${draw(random, fc.nat(9999))}`,
    );
    if (ids.length === 0) {
      // An assistant answer as the API returned it, or as a client wrote it back by hand.
      input.push(
        chance(random, 80)
          ? {
              type: "message",
              id: `msg_${turn}`,
              role: "assistant",
              status: "completed",
              content: [{ type: "output_text", text: draw(random, textArbitrary), annotations: [] }],
            }
          : { role: "assistant", content: [{ type: "input_text", text: draw(random, textArbitrary) }] },
      );
      input.push({ role: "user", content: draw(random, textArbitrary) });
      continue;
    }
    for (const id of ids) {
      const call: Json = {
        type: "function_call",
        call_id: id,
        name: draw(random, toolNameArbitrary),
        arguments: argumentsText(random, draw(random, toolInputArbitrary)),
      };
      if (chance(random, 60)) Object.assign(call, { id: `fc_${id}`, status: "completed" });
      input.push(call);
    }
    for (const id of ids) {
      const output = draw(random, toolOutputArbitrary);
      input.push({
        type: "function_call_output",
        call_id: id,
        output: chance(random, 80) ? output : [{ type: "input_text", text: output }],
      });
    }
  }
  request.input = input;
  if (chance(random, 70)) {
    request.tools = toolNames.map((name) => ({
      type: "function",
      name,
      description: `Runs ${name}`,
      parameters: schema,
      strict: draw(random, fc.boolean()),
    }));
    if (chance(random, 30)) (request.tools as Json[]).push({ type: "web_search" });
  }
  if (chance(random, 40)) Object.assign(request, { store: false, include: ["reasoning.encrypted_content"] });
  if (chance(random, 30))
    request.reasoning = { effort: draw(random, fc.constantFrom("low", "medium", "high")) };
  if (chance(random, 30)) request.stream = true;
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

/**
 * fast-check parameters for properties over these arbitraries. Shrinking a failing session can take
 * minutes (every draw is a shrink candidate), so the run is bounded in time: a failure found is still
 * reported, with the smallest counterexample reached within the bound.
 *
 * @param numRuns - generated cases per property
 */
export function propertyParameters(numRuns = 200): fc.Parameters<unknown> {
  return { numRuns, interruptAfterTimeLimit: 15_000 };
}
