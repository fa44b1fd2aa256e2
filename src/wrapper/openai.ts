/**
 * Wraps an `openai` client: `chat.completions.create` and `responses.create` (plain and streaming) and everything
 * built on them (`chat.completions.stream()`, `.parse()`, `.runTools()`, `responses.stream()`, `.parse()`).
 *
 * @module
 */

import type { RequestHandler } from "./contract.js";
import { type SdkDescription, wrapWith } from "./internal/wrap.js";

/** What {@link wrapOpenAI} patches. */
export const openaiSdk: SdkDescription = {
  packageName: "openai",
  clientDescription: "an OpenAI client (from openai)",
  requiredPath: ["chat", "completions"],
  points: [
    { path: ["chat", "completions"], format: "openai-chat" },
    { path: ["responses"], format: "openai-responses" },
  ],
};

/**
 * Returns a copy of `client` whose `chat.completions.create` and `responses.create` go through `handler`; the
 * user's client is not changed and the copy keeps the SDK's types, results and errors.
 *
 * @param client - An `OpenAI` client (or a subclass such as `AzureOpenAI`).
 * @param handler - Prepares every request and receives every outcome.
 * @param defaultSession - Session id of requests without a per-request session header.
 * @throws {@link UnsupportedClientError} when `client` is not an OpenAI client.
 */
export function wrapOpenAI<C>(client: C, handler: RequestHandler, defaultSession: string): C {
  return wrapWith(client, handler, defaultSession, openaiSdk);
}
