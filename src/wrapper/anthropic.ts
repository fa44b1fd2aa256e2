/**
 * Wraps an `@anthropic-ai/sdk` client: `messages.create` and `beta.messages.create` (plain and `stream: true`)
 * and everything built on them (`messages.stream()`, `messages.parse()`, their `beta` twins, the tool runner).
 *
 * @module
 */

import type { RequestHandler } from "./contract.js";
import { type SdkDescription, wrapWith } from "./internal/wrap.js";

/** What {@link wrapAnthropic} patches. */
export const anthropicSdk: SdkDescription = {
  packageName: "@anthropic-ai/sdk",
  clientDescription: "an Anthropic client (from @anthropic-ai/sdk)",
  requiredPath: ["messages"],
  points: [
    { path: ["messages"], format: "anthropic" },
    { path: ["beta", "messages"], format: "anthropic" },
  ],
};

/**
 * Returns a copy of `client` whose `messages.create` and `beta.messages.create` go through `handler`; the user's client is not changed
 * and the copy keeps the SDK's types, results and errors.
 *
 * @param client - An `Anthropic` client (or a subclass with `withOptions` and `messages.create`).
 * @param handler - Prepares every request and receives every outcome.
 * @param defaultSession - Session id of requests without a per-request session header.
 * @throws {@link UnsupportedClientError} when `client` is not an Anthropic client.
 */
export function wrapAnthropic<C>(client: C, handler: RequestHandler, defaultSession: string): C {
  return wrapWith(client, handler, defaultSession, anthropicSdk);
}
