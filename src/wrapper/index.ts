/**
 * The SDK plumbing of `withCompaction`: a wire-level core installed as the `fetch` of the user's own Anthropic
 * or OpenAI client, sending every Messages, Chat Completions and Responses request through a
 * {@link RequestHandler}.
 *
 * @module
 */

import { anthropicSdk, wrapAnthropic } from "./anthropic.js";
import type { RequestHandler } from "./contract.js";
import { looksLike } from "./internal/wrap.js";
import { openaiSdk, wrapOpenAI } from "./openai.js";
import { UnsupportedClientError } from "./unsupported-client-error.js";

export { wrapAnthropic } from "./anthropic.js";
export type { CallOutcome, OutgoingRequest, PreparedRequest, RequestHandler } from "./contract.js";
export { SESSION_HEADER } from "./contract.js";
export { wrapOpenAI } from "./openai.js";
export { createWireCore, INTERNAL_HEADER, type WireCore, type WireCoreOptions } from "./wire/core.js";
export { type FetchFunction, type WireRequest, wireRequestOf } from "./wire/request.js";
export { formatOf } from "./wire/route.js";
export { UnsupportedClientError } from "./unsupported-client-error.js";

/**
 * Wraps an Anthropic or OpenAI client, recognised by its shape: `messages.create` means Anthropic,
 * `chat.completions.create` means OpenAI. The result has exactly the type of `client`.
 *
 * @param client - An `Anthropic` or `OpenAI` client.
 * @param handler - Prepares every request and receives every outcome.
 * @param defaultSession - Session id of requests without a per-request session header.
 * @throws {@link UnsupportedClientError} for any other value.
 */
export function wrapClient<C>(client: C, handler: RequestHandler, defaultSession: string): C {
  if (looksLike(client, anthropicSdk)) return wrapAnthropic(client, handler, defaultSession);
  if (looksLike(client, openaiSdk)) return wrapOpenAI(client, handler, defaultSession);
  throw new UnsupportedClientError(
    client,
    "an Anthropic client (with `messages.create`) or an OpenAI client (with `chat.completions.create`)",
  );
}
