import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  costOfCall,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { reply } from "../../src/testing/index.js";
import { toolOutput } from "../support/agent-loop.js";
import { useServers } from "./helpers.js";

const server = useServers();
const model = "claude-sonnet-4-6";
const contextManagement = { edits: [{ type: "compact_20260112" as const }] };

describe("provider-side context management (Anthropic)", () => {
  it("a request with context_management is sent as is, and server-side compaction iterations are priced", async () => {
    const compaction = { inputTokens: 40_000, outputTokens: 1_500 };
    const target = await server({
      script: (_request, context) =>
        reply.message(
          [{ type: "text", text: `Turn ${context.callIndex}.` }],
          context.callIndex === 5 ? { serverCompaction: compaction } : {},
        ),
    });
    const events: CompactorEvent[] = [];
    const client = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "server-side",
        strategy: truncate({ targetRatio: 0.3, keepTurns: 1 }),
        trigger: tokenThreshold(2_000),
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
        summarizer: false,
      },
    );
    const messages: Anthropic.Beta.BetaMessageParam[] = [];
    const sent: unknown[] = [];
    for (let index = 0; index < 8; index++) {
      messages.push({ role: "user", content: `Look at this:\n${toolOutput(index)}` });
      const params = {
        model,
        max_tokens: 200,
        messages: [...messages],
        context_management: contextManagement,
        betas: ["compact-2026-01-12"],
      };
      sent.push(
        JSON.parse(
          JSON.stringify({
            model,
            max_tokens: 200,
            messages: params.messages,
            context_management: contextManagement,
          }),
        ),
      );
      const message =
        index % 2 === 0
          ? await client.beta.messages.create(params)
          : await client.beta.messages.stream(params).finalMessage();
      messages.push({
        role: "assistant",
        content: message.content.map((block) =>
          block.type === "text" ? { type: "text" as const, text: block.text } : block,
        ) as Anthropic.Beta.BetaContentBlockParam[],
      });
    }

    // Far above the threshold, yet nothing was compacted and every body is exactly what the agent sent.
    expect(target.requests.map((request) => request.body)).toEqual(
      sent
        .map((body, index) => ({ ...(body as object), stream: index % 2 === 1 ? true : undefined }))
        .map((body) => JSON.parse(JSON.stringify(body))),
    );
    expect(target.requests.at(-1)?.usage?.promptTokens).toBeGreaterThan(2_000);
    expect(events.filter((event) => event.type === "compaction")).toEqual([]);
    expect(events.filter((event) => event.type === "error")).toEqual([]);

    const callEvents = events.filter((event) => event.type === "call");
    expect(callEvents).toHaveLength(8);
    const withIterations = callEvents[5];
    const serverUsage = target.requests[5]?.usage;
    if (!withIterations || !serverUsage) throw new Error("call 5 is missing");
    const { promptTokens: _prompt, ...topLevel } = serverUsage;
    const expected = {
      ...topLevel,
      inputTokens: topLevel.inputTokens + compaction.inputTokens,
      outputTokens: topLevel.outputTokens + compaction.outputTokens,
    };
    expect(withIterations.usage).toEqual(expected);
    expect(withIterations.costUsd).toBeCloseTo(costOfCall(model, expected).costUsd ?? Number.NaN, 12);
    expect(withIterations.costUsd).toBeGreaterThan(
      costOfCall(model, topLevel).costUsd ?? Number.POSITIVE_INFINITY,
    );
    // Calls without a server-side compaction are priced from the top-level usage alone.
    const { promptTokens: _other, ...plain } = target.requests[4]?.usage ?? { promptTokens: 0 };
    expect(callEvents[4]?.usage).toEqual(plain);

    const report = await sessionReport(client, "server-side");
    expect(report.compactions).toBe(0);
    expect(report.outputTokens).toBe(
      target.requests.reduce((sum, request) => sum + (request.usage?.outputTokens ?? 0), 0) +
        compaction.outputTokens,
    );
  });
});
