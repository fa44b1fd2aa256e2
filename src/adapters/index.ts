/**
 * Lossless adapters between the three provider request formats and the neutral {@link Conversation}.
 *
 * @module
 */
import type { MessageCreateParams } from "@anthropic-ai/sdk/resources/messages";
import type { ChatCompletionCreateParams } from "openai/resources/chat/completions/completions";
import type { ResponseCreateParams } from "openai/resources/responses/responses";
import { InvalidOptionError } from "../errors.js";
import type { Conversation, ProviderFormat } from "../transcript/types.js";
import { fromAnthropicRequest, toAnthropicRequest } from "./anthropic.js";
import { fromOpenAIChatRequest, toOpenAIChatRequest } from "./openai-chat.js";
import { fromOpenAIResponsesRequest, toOpenAIResponsesRequest } from "./openai-responses.js";

export { fromAnthropicRequest, fromAnthropicResponse, toAnthropicRequest } from "./anthropic.js";
export { fromOpenAIChatRequest, fromOpenAIChatResponse, toOpenAIChatRequest } from "./openai-chat.js";
export {
  fromOpenAIResponsesOutput,
  fromOpenAIResponsesRequest,
  toOpenAIResponsesRequest,
} from "./openai-responses.js";

/** The SDK request body type of each format. */
export interface ProviderRequests {
  anthropic: MessageCreateParams;
  "openai-chat": ChatCompletionCreateParams;
  "openai-responses": ResponseCreateParams;
}

/** The request body type of format `F`. */
export type ProviderRequest<F extends ProviderFormat> = ProviderRequests[F];

/**
 * Converts a request body of `format` to a neutral conversation.
 *
 * @throws {@link ProviderFormatError} when the body is malformed, naming the JSON path.
 * @throws {@link InvalidOptionError} when `format` is not a known format.
 */
export function fromRequest<F extends ProviderFormat>(format: F, params: ProviderRequest<F>): Conversation {
  switch (format) {
    case "anthropic":
      return fromAnthropicRequest(params as MessageCreateParams);
    case "openai-chat":
      return fromOpenAIChatRequest(params as ChatCompletionCreateParams);
    case "openai-responses":
      return fromOpenAIResponsesRequest(params as ResponseCreateParams);
    default:
      throw new InvalidOptionError("format", '"anthropic", "openai-chat" or "openai-responses"', format);
  }
}

/**
 * Converts a neutral conversation back to a request body in its own {@link Conversation.format}.
 *
 * @throws {@link ProviderFormatError} when a message cannot be spelled in that format.
 */
export function toRequest<F extends ProviderFormat>(
  conversation: Conversation & { format: F },
): ProviderRequest<F>;
export function toRequest(conversation: Conversation): ProviderRequest<ProviderFormat>;
export function toRequest(conversation: Conversation): ProviderRequest<ProviderFormat> {
  switch (conversation.format) {
    case "anthropic":
      return toAnthropicRequest(conversation);
    case "openai-chat":
      return toOpenAIChatRequest(conversation);
    case "openai-responses":
      return toOpenAIResponsesRequest(conversation);
    default:
      throw new InvalidOptionError(
        "conversation.format",
        '"anthropic", "openai-chat" or "openai-responses"',
        (conversation as { format: unknown }).format,
      );
  }
}
