/**
 * Wraps an `openai` client: `chat.completions.create` and `responses.create` (plain and streaming) and everything
 * built on them (`chat.completions.stream()`, `.parse()`, `.runTools()`, `responses.stream()`, `.parse()`).
 *
 * @module
 */

import type { RequestHandler } from "./contract.js";
import { type SdkDescription, wrapWith } from "./internal/wrap.js";

/** How {@link wrapOpenAI} recognises its clients. */
export const openaiSdk: SdkDescription = {
  packageName: "openai",
  clientDescription: "an OpenAI client (from openai)",
  requiredPath: ["chat", "completions"],
  formats: ["openai-chat", "openai-responses"],
};

/**
 * Installs `handler` on `client` at the wire: every Chat Completions and Responses request the client (or a
 * `withOptions()` copy of it) sends goes through `handler`. Returns `client` itself: its type, methods, results,
 * errors and settings stay the SDK's own.
 *
 * @param client - An `OpenAI` client (or a subclass such as `AzureOpenAI`).
 * @param handler - Prepares every request and receives every outcome.
 * @param defaultSession - Session id of requests without a per-request session header.
 * @throws {@link UnsupportedClientError} when `client` is not an OpenAI client.
 */
export function wrapOpenAI<C>(client: C, handler: RequestHandler, defaultSession: string): C {
  return wrapWith(client, handler, defaultSession, openaiSdk);
}
