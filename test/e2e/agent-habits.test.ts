import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { loopScript, toolOutput } from "../support/agent-loop.js";
import { useServers } from "./helpers.js";

const server = useServers();
const model = "claude-sonnet-4-6";
const calls = 24;

function wrapped(target: { anthropicBaseURL: string }, events: CompactorEvent[]) {
  return withCompaction(new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }), {
    session: "habits",
    strategy: truncate({ targetRatio: 0.5, keepTurns: 3 }),
    trigger: tokenThreshold(20_000),
    onEvent: (event) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false,
  });
}

type Block = { cache_control?: unknown };

/** The last content block of a message (the agent's own object). */
function lastBlock(message: Anthropic.MessageParam | undefined): Block {
  const block = Array.isArray(message?.content) ? message.content.at(-1) : undefined;
  if (!block) throw new Error("expected a message with content blocks");
  return block as Block;
}

describe("agents' habits with their own message objects", () => {
  it("breakpoints moved by mutating the agent's objects in place never exceed the API's four", async () => {
    const target = await server({ script: loopScript(calls) });
    const events: CompactorEvent[] = [];
    const client = wrapped(target, events);
    const system: Anthropic.TextBlockParam[] = [
      { type: "text", text: "You are a coding agent.", cache_control: { type: "ephemeral" } },
    ];
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: [{ type: "text", text: "Fix the failing handler." }] },
    ];
    const marked: Block[] = [];
    for (let index = 0; index < calls; index++) {
      // Breakpoints on the latest user turns, moved along by mutating the blocks in place; from call 12 on, one
      // of them is pinned to an older turn that was sent unmarked many times before.
      const last = lastBlock(messages.at(-1));
      last.cache_control = { type: "ephemeral" };
      marked.push(last);
      if (index === 12) {
        const older = lastBlock(messages.at(-5));
        older.cache_control = { type: "ephemeral" };
      }
      while (marked.length > (index >= 12 ? 2 : 3)) delete (marked.shift() as Block).cache_control;
      const message = await client.messages.create({ model, max_tokens: 512, system, messages });
      messages.push({ role: "assistant", content: message.content });
      const call = message.content.find((block) => block.type === "tool_use");
      if (!call) break;
      messages.push({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: call.id, content: toolOutput(index) }],
      });
    }
    expect(events.filter((event) => event.type === "compaction").length).toBeGreaterThan(0);
    for (const request of target.requests) {
      expect(request.validationError, request.requestId).toBeUndefined();
      expect(request.status).toBe(200);
    }
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    // The limit was in play: compacted requests carrying all four breakpoints went out.
    const compacted = events
      .filter((event) => event.type === "call" && event.compacted)
      .map((event) => (event.type === "call" ? event.callIndex : -1));
    const breakpoints = compacted.map(
      (callIndex) => JSON.stringify(target.requests[callIndex]?.body).split('"cache_control"').length - 1,
    );
    expect(breakpoints).toContain(4);
  });

  it("an agent that rewrites an early message drops the checkpoint and sends its new history", async () => {
    const target = await server({ script: loopScript(calls) });
    const events: CompactorEvent[] = [];
    const client = wrapped(target, events);
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Fix the failing handler." }];
    const rewriteAt = 16;
    for (let index = 0; index < calls; index++) {
      if (index === rewriteAt) {
        // The agent shortens an old tool result itself (a new object at the same index).
        const old = messages[2] as Anthropic.MessageParam;
        const result = (old.content as Anthropic.ToolResultBlockParam[])[0] as Anthropic.ToolResultBlockParam;
        messages[2] = { role: "user", content: [{ ...result, content: "(output elided by the agent)" }] };
      }
      const message = await client.messages.create({ model, max_tokens: 512, messages });
      messages.push({ role: "assistant", content: message.content });
      const call = message.content.find((block) => block.type === "tool_use");
      if (!call) break;
      messages.push({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: call.id, content: toolOutput(index) }],
      });
    }
    const callEvents = events.filter((event) => event.type === "call");
    expect(callEvents.slice(0, rewriteAt).some((event) => event.compacted)).toBe(true);
    // The rewritten call is not sent with the stale checkpoint: either the full new history or a fresh compaction.
    const rewrittenBody = target.requests[rewriteAt]?.body as { messages: Anthropic.MessageParam[] };
    const fresh = events.filter((event) => event.type === "compaction" && event.callIndex === rewriteAt);
    if (fresh.length === 0) {
      expect(callEvents[rewriteAt]?.compacted).toBe(false);
      expect(rewrittenBody.messages).toHaveLength(2 * rewriteAt + 1);
      expect(JSON.stringify(rewrittenBody.messages[2])).toContain("(output elided by the agent)");
    } else {
      expect(fresh).toHaveLength(1);
    }
    for (const request of target.requests) expect(request.validationError).toBeUndefined();
    const report = await sessionReport(client);
    expect(report.historyMessages).toBe(messages.length - 1);
  });
});
