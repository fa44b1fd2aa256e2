import { describe, expect, it } from "vitest";
import { fromRequest } from "../../src/adapters/index.js";
import { fromOpenAIChatResponse } from "../../src/adapters/openai-chat.js";
import { CompactorError, InvalidOptionError, ProviderFormatError } from "../../src/errors.js";
import type { ProviderFormat } from "../../src/transcript/types.js";

function errorOf(run: () => unknown): ProviderFormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderFormatError) return error;
    throw error;
  }
  throw new Error("expected a ProviderFormatError, but nothing was thrown");
}

const user = { role: "user", content: "task" };
const call = { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "bash", input: {} }] };

const cases: Array<[ProviderFormat, string, unknown, string, RegExp]> = [
  ["anthropic", "a request that is not an object", "hello", "request", /a request object/],
  ["anthropic", "missing messages", { model: "m" }, "messages", /an array of messages/],
  [
    "anthropic",
    "a tool role",
    { messages: [user, { role: "tool", content: "x" }] },
    "messages[1].role",
    /"user", "assistant" or "system"/,
  ],
  [
    "anthropic",
    "numeric content",
    { messages: [{ role: "user", content: 3 }] },
    "messages[0].content",
    /a string or an array/,
  ],
  [
    "anthropic",
    "a block without a type",
    { messages: [{ role: "user", content: [{ text: "x" }] }] },
    "messages[0].content[0].type",
    /a string block type/,
  ],
  [
    "anthropic",
    "text that is not a string",
    { messages: [{ role: "user", content: [{ type: "text", text: 1 }] }] },
    "messages[0].content[0].text",
    /a string/,
  ],
  [
    "anthropic",
    "a tool_use without id",
    { messages: [user, { role: "assistant", content: [{ type: "tool_use", name: "b", input: {} }] }] },
    "messages[1].content[0].id",
    /a string/,
  ],
  [
    "anthropic",
    "tool_result content that is a number",
    {
      messages: [
        user,
        call,
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: 5 }] },
      ],
    },
    "messages[2].content[0].content",
    /a string or an array of blocks/,
  ],
  [
    "anthropic",
    "an image without source",
    { messages: [{ role: "user", content: [{ type: "image" }] }] },
    "messages[0].content[0].source",
    /an image source object/,
  ],
  [
    "anthropic",
    "a numeric system",
    { system: 1, messages: [user] },
    "system",
    /a string or an array of text blocks/,
  ],
  [
    "anthropic",
    "a tool without name",
    { messages: [user], tools: [{ input_schema: {} }] },
    "tools[0].name",
    /a string/,
  ],
  [
    "openai-chat",
    "an unknown role",
    { messages: [{ role: "bot", content: "x" }] },
    "messages[0].role",
    /"system", "developer", "user"/,
  ],
  [
    "openai-chat",
    "a user message with null content",
    { messages: [{ role: "user", content: null }] },
    "messages[0].content",
    /a string or an array of content parts/,
  ],
  [
    "openai-chat",
    "a tool message without tool_call_id",
    { messages: [user, { role: "tool", content: "x" }] },
    "messages[1].tool_call_id",
    /a string/,
  ],
  [
    "openai-chat",
    "arguments that are an object",
    {
      messages: [
        user,
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c", type: "function", function: { name: "b", arguments: {} } }],
        },
      ],
    },
    "messages[1].tool_calls[0].function.arguments",
    /a string/,
  ],
  [
    "openai-chat",
    "an unknown tool call type",
    { messages: [user, { role: "assistant", tool_calls: [{ id: "c", type: "weird" }] }] },
    "messages[1].tool_calls[0].type",
    /"function" or "custom"/,
  ],
  [
    "openai-chat",
    "an image part without url",
    { messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
    "messages[0].content[0].image_url.url",
    /a string/,
  ],
  ["openai-responses", "a numeric input", { input: 4 }, "input", /a string or an array of input items/],
  ["openai-responses", "an item that is not an object", { input: ["x"] }, "input[0]", /an input item object/],
  [
    "openai-responses",
    "an item with neither type nor role",
    { input: [{ content: "x" }] },
    "input[0].type",
    /a string item type/,
  ],
  [
    "openai-responses",
    "a message with a tool role",
    { input: [{ role: "tool", content: "x" }] },
    "input[0].role",
    /"user", "assistant", "system" or "developer"/,
  ],
  [
    "openai-responses",
    "a function_call without call_id",
    { input: [user, { type: "function_call", name: "b", arguments: "{}" }] },
    "input[1].call_id",
    /a string/,
  ],
  [
    "openai-responses",
    "an output that is a number",
    { input: [user, { type: "function_call_output", call_id: "c", output: 1 }] },
    "input[1].output",
    /a string or an array of content parts/,
  ],
];

describe("malformed requests", () => {
  it.each(cases)("%s: %s is rejected at the right path", (format, _name, request, path, expected) => {
    const error = errorOf(() => fromRequest(format, request as never));
    expect(error.path).toBe(path);
    expect(error.message).toMatch(expected);
    expect(error.message.startsWith(`At ${path}: expected`)).toBe(true);
    expect(CompactorError.isInstance(error)).toBe(true);
  });

  it("says what it got, not only what it expected", () => {
    const error = errorOf(() =>
      fromRequest("anthropic", { messages: [{ role: "robot", content: "x" }] } as never),
    );
    expect(error.message).toBe(
      'At messages[0].role: expected "user", "assistant" or "system", got `"robot"` (string)',
    );
  });

  it("rejects a chat response message that is not from the assistant", () => {
    expect(errorOf(() => fromOpenAIChatResponse({ role: "user", content: "x" } as never)).path).toBe(
      "message.role",
    );
  });

  it("rejects an unknown format with an option error", () => {
    expect(() => fromRequest("gemini" as ProviderFormat, {} as never)).toThrow(InvalidOptionError);
  });
});
