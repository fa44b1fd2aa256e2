/**
 * Wraps an `@anthropic-ai/sdk` client: `messages.create` and `beta.messages.create` (plain and `stream: true`)
 * and everything built on them (`messages.stream()`, `messages.parse()`, their `beta` twins, the tool runner).
 *
 * @module
 */

import type { RequestHandler } from "./contract.js";
import { type SdkDescription, wrapWith } from "./internal/wrap.js";

/** How {@link wrapAnthropic} recognises its clients. */
export const anthropicSdk: SdkDescription = {
  packageName: "@anthropic-ai/sdk",
  clientDescription: "an Anthropic client (from @anthropic-ai/sdk)",
  requiredPath: ["messages"],
  formats: ["anthropic"],
};

/**
 * Installs `handler` on `client` at the wire: every Messages request the client (or a `withOptions()` copy of it)
 * sends goes through `handler`. Returns `client` itself: its type, methods, results, errors and settings stay
 * the SDK's own.
 *
 * @param client - An `Anthropic` client (or a subclass, or a Bedrock/Vertex/Foundry client: anything that keeps a `fetch`).
 * @param handler - Prepares every request and receives every outcome.
 * @param defaultSession - Session id of requests without a per-request session header.
 * @throws {@link UnsupportedClientError} when `client` is not an Anthropic client.
 */
export function wrapAnthropic<C>(client: C, handler: RequestHandler, defaultSession: string): C {
  return wrapWith(client, handler, defaultSession, anthropicSdk);
}
