/**
 * Helpers of the budget end-to-end tests: a wrapped Anthropic client on the loopback test server, and the
 * spend the server's own token counts imply, priced independently of compactor's ledgers.
 */
import Anthropic from "@anthropic-ai/sdk";
import { type CompactionOptions, type CompactorEvent, costOfCall, withCompaction } from "../../src/index.js";
import type { RecordedRequest, TestServer } from "../../src/testing/index.js";

/** A real Anthropic SDK client on the test server, wrapped with `options` (events go to `events`). */
export function wrappedAnthropic(
  server: TestServer,
  options: Partial<CompactionOptions> & { session: string },
  events: CompactorEvent[] = [],
): Anthropic {
  const raw = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
  return withCompaction(raw, {
    strategy: null,
    diagnosticsChannel: false,
    summarizer: false,
    onEvent: (event) => events.push(event),
    ...options,
  });
}

/** One user turn: `text`, on `model`, with an output cap. */
export function ask(client: Anthropic, text: string, model = "claude-sonnet-4-6", maxTokens = 1000) {
  return client.messages.create({
    model,
    max_tokens: maxTokens,
    messages: [{ role: "user", content: text }],
  });
}

/** The model a request asked for, as the server received it. */
export function modelOf(request: RecordedRequest): string {
  return String((request.body as { model?: unknown }).model);
}

/** Dollars of the answered requests, priced from the server's own token counts on the model it received. */
export function serverSpend(requests: readonly RecordedRequest[]): number {
  let total = 0;
  for (const request of requests) {
    if (!request.usage) continue;
    const cost = costOfCall(modelOf(request), request.usage);
    if (!cost.known || cost.costUsd === null) throw new Error(`no price for ${modelOf(request)}`);
    total += cost.costUsd;
  }
  return total;
}

/** Events of one type. */
export function ofType<T extends CompactorEvent["type"]>(events: readonly CompactorEvent[], type: T) {
  return events.filter((event): event is Extract<CompactorEvent, { type: T }> => event.type === type);
}
