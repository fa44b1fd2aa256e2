/**
 * What the test server records about every request it receives.
 *
 * @module
 */

import type { IncomingHttpHeaders } from "node:http";
import type { ProviderFormat, Usage } from "../transcript/types.js";
import type { PromptLayout } from "./prompt.js";
import type { Reply } from "./reply.js";

/**
 * Token counts the server computed for one call, in compactor's neutral {@link Usage} form (all prompt counts
 * disjoint) plus the whole prompt, so tests can check savings independently of any provider's shape.
 */
export interface ServerUsage extends Usage {
  /** `inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens`. */
  promptTokens: number;
}

/** One request as the server received and answered it; filled in as the request is handled. */
export interface RecordedRequest {
  /** The route it reached; undefined for an unknown path. */
  provider: ProviderFormat | undefined;
  /** The id sent back in `request-id` (Anthropic) or `x-request-id` (OpenAI), e.g. `req_test_0003`. */
  requestId: string;
  method: string;
  /** Path with query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** Milliseconds since the epoch (from the server's clock) when the request arrived. */
  time: number;
  /** Whether the request asked for a stream (`stream: true`). */
  stream: boolean;
  /** HTTP status answered; 0 when the connection was dropped before a status was sent. */
  status?: number;
  /** The 400 message when the request failed validation. */
  validationError?: string;
  /** The prompt as the server laid it out and counted it (valid requests only). */
  prompt?: PromptLayout;
  /** The scripted reply that answered it. */
  reply?: Reply;
  /** Token counts the server computed and reported (message and broken-stream replies only). */
  usage?: ServerUsage;
  /** Message of an exception thrown while answering (by a script, `countTokens` or the cache), sent as a 500. */
  failure?: string;
}
