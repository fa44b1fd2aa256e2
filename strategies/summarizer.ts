/**
 * `createSdkSummarizer`: a {@link Summarizer} that asks a model, through the user's own Anthropic or OpenAI
 * client, to write the summary. The client kind is detected by its shape (`messages.create` for Anthropic,
 * `chat.completions.create` for OpenAI). Usage is normalised to the neutral {@link Usage}; the cost comes
 * from the `price` option.
 *
 * @module
 */
import { InvalidOptionError, ProviderFormatError } from "../src/errors.js";
import type { Usage } from "../src/transcript/types.js";
import { usageFromAnthropic, usageFromOpenAIChat } from "../src/usage/index.js";
import { buildSummaryPrompt } from "./summary-prompt.js";
import type { Summarizer, SummaryResult } from "./types.js";

/** Request options passed to the SDK (only the abort signal). */
export interface SdkRequestOptions {
  signal?: AbortSignal;
}

/** The part of an `@anthropic-ai/sdk` client the summarizer uses. */
export interface AnthropicLikeClient {
  messages: { create(body: object, options?: SdkRequestOptions): PromiseLike<unknown> };
}

/** The part of an `openai` client the summarizer uses. */
export interface OpenAILikeClient {
  chat: { completions: { create(body: object, options?: SdkRequestOptions): PromiseLike<unknown> } };
}

/** Options of {@link createSdkSummarizer}. */
export interface SdkSummarizerOptions {
  /** An Anthropic or OpenAI client (the real SDK classes fit). */
  client: AnthropicLikeClient | OpenAILikeClient;
  /** Model that writes the summaries, e.g. the result of {@link summarizerModelFor}. */
  model: string;
  /**
   * Most output tokens of a summary.
   * @default 2048
   */
  maxTokens?: number;
  /**
   * Dollars a call cost, from the model and its normalised usage; `null` when unknown.
   * @default none: `costUsd` is `null`
   */
  price?: (model: string, usage: Usage) => number | null;
  /**
   * Longest tool result shown to the summarizer in full; longer ones keep their start and end.
   * @default 4000
   */
  maxResultCharacters?: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isAnthropicClient(client: unknown): client is AnthropicLikeClient {
  return isObject(client) && isObject(client.messages) && typeof client.messages.create === "function";
}

function isOpenAIClient(client: unknown): client is OpenAILikeClient {
  return (
    isObject(client) &&
    isObject(client.chat) &&
    isObject(client.chat.completions) &&
    typeof client.chat.completions.create === "function"
  );
}

function anthropicText(response: unknown): string {
  const content = isObject(response) ? response.content : undefined;
  if (!Array.isArray(content)) return "";
  return content
    .filter((block): block is { type: "text"; text: string } => isObject(block) && block.type === "text")
    .map((block) => block.text)
    .join("\n");
}

function openAIText(response: unknown): string {
  const choices = isObject(response) ? response.choices : undefined;
  const first: unknown = Array.isArray(choices) ? choices[0] : undefined;
  const message = isObject(first) ? first.message : undefined;
  return isObject(message) && typeof message.content === "string" ? message.content : "";
}

/** Creates a summarizer that calls `options.client`. It rejects when the call fails or returns no text. */
export function createSdkSummarizer(options: SdkSummarizerOptions): Summarizer {
  const { client, model, maxTokens = 2048, price, maxResultCharacters = 4000 } = options;
  const anthropic = isAnthropicClient(client);
  if (!anthropic && !isOpenAIClient(client)) {
    throw new InvalidOptionError(
      "client",
      "an Anthropic client (messages.create) or an OpenAI client (chat.completions.create)",
      client,
    );
  }
  if (typeof model !== "string" || model === "") throw new InvalidOptionError("model", "a model name", model);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new InvalidOptionError("maxTokens", "a positive integer", maxTokens);
  }
  if (price !== undefined && typeof price !== "function")
    throw new InvalidOptionError("price", "a function", price);

  return async ({ messages, previousSummary, signal }): Promise<SummaryResult> => {
    const prompt = buildSummaryPrompt({ messages, previousSummary, maxResultCharacters });
    const requestOptions: SdkRequestOptions = signal ? { signal } : {};
    let text: string;
    let usage: Usage | undefined;
    if (anthropic) {
      const response = await (client as AnthropicLikeClient).messages.create(
        {
          model,
          max_tokens: maxTokens,
          system: prompt.system,
          messages: [{ role: "user", content: prompt.user }],
        },
        requestOptions,
      );
      text = anthropicText(response);
      if (isObject(response) && response.usage !== undefined)
        usage = usageFromAnthropic(response.usage, "response.usage");
    } else {
      const response = await (client as OpenAILikeClient).chat.completions.create(
        {
          model,
          max_completion_tokens: maxTokens,
          messages: [
            { role: "system", content: prompt.system },
            { role: "user", content: prompt.user },
          ],
        },
        requestOptions,
      );
      text = openAIText(response);
      if (isObject(response) && isObject(response.usage))
        usage = usageFromOpenAIChat(response.usage, "response.usage");
    }
    if (text.trim() === "") {
      const path = anthropic ? "response.content" : "response.choices[0].message.content";
      throw new ProviderFormatError(path, `the summary text written by ${model}`, text);
    }
    const costUsd = usage && price ? price(model, usage) : null;
    return { text: text.trim(), model, ...(usage ? { usage } : {}), costUsd };
  };
}
