/**
 * Raw provider messages to neutral ones and back, for a slice of a request's history. Adapters map messages
 * (or Responses items) one to one, so a slice converts on its own: only new messages are converted per call.
 *
 * @module
 */
import { fromAnthropicRequest, fromAnthropicResponse, toAnthropicRequest } from "../adapters/anthropic.js";
import {
  fromOpenAIChatRequest,
  fromOpenAIChatResponse,
  toOpenAIChatRequest,
} from "../adapters/openai-chat.js";
import {
  fromOpenAIResponsesOutput,
  fromOpenAIResponsesRequest,
  toOpenAIResponsesRequest,
} from "../adapters/openai-responses.js";
import type { Message, ProviderFormat } from "../transcript/types.js";

type Params = Record<string, unknown>;

/** Converts raw messages (or Responses input items) of a request to neutral messages, one to one. */
export function fromRawMessages(format: ProviderFormat, params: Params, raw: readonly unknown[]): Message[] {
  const model = params.model;
  switch (format) {
    case "anthropic":
      return fromAnthropicRequest({ model, max_tokens: 1, messages: raw } as never).messages;
    case "openai-chat":
      return fromOpenAIChatRequest({ model, messages: raw } as never).messages;
    case "openai-responses":
      return fromOpenAIResponsesRequest({ model, input: raw } as never).messages;
  }
}

/** Converts neutral messages back to raw messages (or Responses input items) of the format. */
export function rawFromMessages(
  format: ProviderFormat,
  params: Params,
  messages: readonly Message[],
): unknown[] {
  const model = typeof params.model === "string" ? params.model : undefined;
  const conversation = { format, messages: [...messages], ...(model ? { model } : {}) };
  switch (format) {
    case "anthropic":
      return toAnthropicRequest(conversation).messages as unknown[];
    case "openai-chat":
      return toOpenAIChatRequest(conversation).messages as unknown[];
    case "openai-responses": {
      const input = toOpenAIResponsesRequest(conversation).input;
      return Array.isArray(input) ? input : [];
    }
  }
}

/** The neutral assistant message of a response, if the response holds one. */
export function responseMessage(format: ProviderFormat, response: unknown): Message | undefined {
  if (typeof response !== "object" || response === null) return undefined;
  const body = response as Record<string, unknown>;
  switch (format) {
    case "anthropic":
      return Array.isArray(body.content) ? fromAnthropicResponse(body as never) : undefined;
    case "openai-chat": {
      const choices = body.choices;
      const first = Array.isArray(choices) ? (choices[0] as Record<string, unknown> | undefined) : undefined;
      return first?.message ? fromOpenAIChatResponse(first.message as never) : undefined;
    }
    case "openai-responses": {
      if (!Array.isArray(body.output)) return undefined;
      const messages = fromOpenAIResponsesOutput(body.output as never);
      const blocks = messages.flatMap((message) => message.content);
      return { role: "assistant", content: blocks };
    }
  }
}
