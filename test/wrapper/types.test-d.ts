import Anthropic from "@anthropic-ai/sdk";
import type { APIPromise as AnthropicAPIPromise } from "@anthropic-ai/sdk/core/api-promise";
import type { Stream as AnthropicStream } from "@anthropic-ai/sdk/core/streaming";
import OpenAI from "openai";
import { describe, expectTypeOf, it } from "vitest";
import { type RequestHandler, wrapAnthropic, wrapClient, wrapOpenAI } from "../../src/wrapper/index.js";

declare const handler: RequestHandler;
const anthropic = new Anthropic({ apiKey: "test" });
const openai = new OpenAI({ apiKey: "test" });

describe("wrapped clients keep the SDK's types", () => {
  it("returns exactly the client's type", () => {
    expectTypeOf(wrapAnthropic(anthropic, handler, "s")).toEqualTypeOf<Anthropic>();
    expectTypeOf(wrapOpenAI(openai, handler, "s")).toEqualTypeOf<OpenAI>();
    expectTypeOf(wrapClient(anthropic, handler, "s")).toEqualTypeOf<Anthropic>();
    expectTypeOf(wrapClient(openai, handler, "s")).toEqualTypeOf<OpenAI>();
  });

  it("keeps the Anthropic methods, params and results", () => {
    const wrapped = wrapClient(anthropic, handler, "s");
    expectTypeOf(wrapped.messages.create).toEqualTypeOf(anthropic.messages.create);
    expectTypeOf(wrapped.messages.stream).toEqualTypeOf(anthropic.messages.stream);
    const params = { model: "claude-sonnet-5-5", max_tokens: 8, messages: [] };
    expectTypeOf(wrapped.messages.create(params)).toEqualTypeOf<AnthropicAPIPromise<Anthropic.Message>>();
    expectTypeOf(wrapped.messages.create({ ...params, stream: true })).toEqualTypeOf<
      AnthropicAPIPromise<AnthropicStream<Anthropic.RawMessageStreamEvent>>
    >();
  });

  it("keeps the OpenAI methods, params and results", () => {
    const wrapped = wrapClient(openai, handler, "s");
    expectTypeOf(wrapped.chat.completions.create).toEqualTypeOf(openai.chat.completions.create);
    expectTypeOf(wrapped.chat.completions.stream).toEqualTypeOf(openai.chat.completions.stream);
    expectTypeOf(wrapped.responses.create).toEqualTypeOf(openai.responses.create);
    expectTypeOf(wrapped.responses.stream).toEqualTypeOf(openai.responses.stream);
    const chat = { model: "gpt-4.1", messages: [] };
    expectTypeOf(wrapped.chat.completions.create(chat)).toEqualTypeOf(openai.chat.completions.create(chat));
    expectTypeOf(wrapped.chat.completions.create(chat)).resolves.toExtend<OpenAI.ChatCompletion>();
    expectTypeOf(wrapped.chat.completions.create({ ...chat, stream: true })).toEqualTypeOf(
      openai.chat.completions.create({ ...chat, stream: true }),
    );
    const input = { model: "gpt-4.1", input: "hi" };
    expectTypeOf(wrapped.responses.create(input)).toEqualTypeOf(openai.responses.create(input));
    expectTypeOf(wrapped.responses.create(input)).resolves.toExtend<OpenAI.Responses.Response>();
  });
});
