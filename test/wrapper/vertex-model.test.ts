/**
 * Vertex AI names the model in the URL (`…/models/claude-…:rawPredict`), not in the body: compactor prices and
 * plans the call at that model instead of an unknown one.
 */
import { describe, expect, it } from "vitest";
import { type CompactorEvent, compactorFetch, sessionReport } from "../../src/index.js";

const vertexUrl = (model: string, stream: boolean) =>
  `https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/${model}:${stream ? "streamRawPredict" : "rawPredict"}`;

/** A Vertex-like upstream whose answer names no model either (so only the URL can say it). */
const upstream = async (): Promise<Response> =>
  new Response(
    JSON.stringify({
      id: "msg_v",
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 1000, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    }),
    { status: 200, headers: { "content-type": "application/json" } },
  );

describe("Vertex AI requests", () => {
  it("are priced at the model the URL names", async () => {
    const events: CompactorEvent[] = [];
    const fetch = compactorFetch({ session: "vertex", fetch: upstream, strategy: null, diagnosticsChannel: false, onEvent: (event) => events.push(event) });
    const response = await fetch(vertexUrl("claude-sonnet-4-5@20250929", false), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ anthropic_version: "vertex-2023-10-16", max_tokens: 64, messages: [{ role: "user", content: "hi" }] }),
    });
    const answer = (await response.json()) as { content: Array<{ text: string }> };
    expect(answer.content[0]?.text).toBe("ok");
    const report = await sessionReport(fetch);
    expect(report.calls).toBe(1);
    const call = events.find((event) => event.type === "call");
    expect(call?.type === "call" ? call.model : undefined).toBe("claude-sonnet-4-5@20250929");
    // 1,000 input tokens at $3/M and 10 output tokens at $15/M.
    expect(call?.type === "call" ? call.costUsd : undefined).toBeCloseTo(1000 * 3e-6 + 10 * 15e-6, 9);
    expect(report.unpricedCalls).toBe(0);
  });
});
