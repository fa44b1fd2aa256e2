import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  type Strategy,
  type Trigger,
  sessionReport,
  withCompaction,
} from "../../src/index.js";
import { loopScript, runAnthropicLoop, runOpenAIChatLoop } from "../support/agent-loop.js";
import { useServers } from "./helpers.js";

const calls = 12;
const server = useServers();
/** Fires from the fourth call on. */
const fromFourthCall: Trigger = {
  name: "from-fourth-call",
  shouldCompact: (context) => context.callIndex >= 3,
};

const throwing: Strategy = {
  name: "explodes",
  compact: () => {
    throw new Error("the strategy exploded");
  },
};

/** Keeps everything up to the first tool call but drops that call's result (the message right after it). */
const dropsAToolResult: Strategy = {
  name: "drops-a-tool-result",
  compact: (messages) => {
    const call = messages.findIndex((message) => message.content.some((block) => block.type === "tool_call"));
    return {
      keepFrom: call + 2,
      replacement: messages.slice(0, call + 1),
      removed: {
        messages: 1,
        toolResults: 1,
        tokens: 100,
        description: "dropped the first tool result only",
      },
    };
  },
};

type Provider = "anthropic" | "openai-chat";

/** Runs the loop on a raw or wrapped client of `provider` against a fresh server; returns what the server got. */
async function runLoop(provider: Provider, strategy: Strategy | undefined, events: CompactorEvent[]) {
  const target = await server({ script: loopScript(calls) });
  const options = {
    session: "fallback",
    strategy,
    trigger: fromFourthCall,
    onEvent: (event: CompactorEvent) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false as const,
  };
  let client: object;
  if (provider === "anthropic") {
    const raw = new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 });
    const wrapped = strategy ? withCompaction(raw, options) : raw;
    await runAnthropicLoop(wrapped, { calls });
    client = wrapped;
  } else {
    const raw = new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 });
    const wrapped = strategy ? withCompaction(raw, options) : raw;
    await runOpenAIChatLoop(wrapped, { calls });
    client = wrapped;
  }
  return { target, client };
}

describe.each([{ provider: "anthropic" as const }, { provider: "openai-chat" as const }])(
  "fallbacks on $provider",
  ({ provider }) => {
    it("a strategy that throws: the original request is sent and an error event is logged", async () => {
      const events: CompactorEvent[] = [];
      const wrapped = await runLoop(provider, throwing, events);
      const raw = await runLoop(provider, undefined, []);

      expect(wrapped.target.requests.map((request) => request.body)).toEqual(
        raw.target.requests.map((request) => request.body),
      );
      const errors = events.filter((event) => event.type === "error");
      expect(errors).toHaveLength(calls - 3);
      for (const error of errors) {
        expect(error).toMatchObject({
          phase: "strategy",
          message: "the strategy exploded",
          fallback: "sent-original",
          session: "fallback",
        });
      }
      expect(events.filter((event) => event.type === "compaction")).toEqual([]);
      expect(events.filter((event) => event.type === "call")).toHaveLength(calls);
      const report = await sessionReport(wrapped.client);
      expect(report.calls).toBe(calls);
      expect(report.compactions).toBe(0);
    });

    it("a strategy that drops a tool result but keeps its call: original sent, error event with violations", async () => {
      const events: CompactorEvent[] = [];
      const wrapped = await runLoop(provider, dropsAToolResult, events);
      const raw = await runLoop(provider, undefined, []);

      for (const request of wrapped.target.requests) expect(request.validationError).toBeUndefined();
      expect(wrapped.target.requests.map((request) => request.body)).toEqual(
        raw.target.requests.map((request) => request.body),
      );
      const errors = events.filter((event) => event.type === "error");
      expect(errors).toHaveLength(calls - 3);
      for (const error of errors) {
        expect(error).toMatchObject({ phase: "invariant", fallback: "sent-original" });
        expect(error.message).toContain("drops-a-tool-result");
        const codes = (error.violations ?? []).map((violation) => violation.code);
        expect(codes).toContain("tool-call-without-result");
      }
      expect(events.filter((event) => event.type === "compaction")).toEqual([]);
      expect(events.filter((event) => event.type === "call" && event.compacted)).toEqual([]);
      expect((await sessionReport(wrapped.client)).compactions).toBe(0);
    });
  },
);
