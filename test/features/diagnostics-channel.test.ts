/**
 * README, Options: `diagnosticsChannel` publishes every event on `node:diagnostics_channel` `compactor:event` and
 * on `compactor:<type>`, on by default; `false` publishes nothing.
 */
import diagnostics from "node:diagnostics_channel";
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  EVENTS_CHANNEL,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";

const servers: TestServer[] = [];
const unsubscribers: Array<() => void> = [];
afterEach(async () => {
  for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function listen(name: string, session: string): CompactorEvent[] {
  const seen: CompactorEvent[] = [];
  const listener = (message: unknown) => {
    const event = message as CompactorEvent;
    if (event.session === session) seen.push(event);
  };
  diagnostics.subscribe(name, listener);
  unsubscribers.push(() => diagnostics.unsubscribe(name, listener));
  return seen;
}

async function runSession(session: string, diagnosticsChannel: boolean | undefined) {
  const server = await startTestServer({
    script: (_request, context) => reply.text(`Answer ${context.callIndex}. ${"ok ".repeat(300)}`),
  });
  servers.push(server);
  const callback: CompactorEvent[] = [];
  const client = withCompaction(
    new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
    {
      session,
      strategy: truncate({ targetRatio: 0.5, keepTurns: 1 }),
      trigger: tokenThreshold(2_000),
      onEvent: (event) => callback.push(event),
      summarizer: false,
      ...(diagnosticsChannel === undefined ? {} : { diagnosticsChannel }),
    },
  );
  const messages: Anthropic.MessageParam[] = [];
  for (let index = 0; index < 8; index++) {
    messages.push({ role: "user", content: `Question ${index}: ${"why does it fail? ".repeat(60)}` });
    const message = await client.messages.create({
      model: "claude-sonnet-4-6",
      max_tokens: 256,
      messages: [...messages],
    });
    messages.push({ role: "assistant", content: message.content });
  }
  return callback;
}

describe("events on node:diagnostics_channel", () => {
  it("publishes every event on compactor:event and on compactor:<type> by default", async () => {
    expect(EVENTS_CHANNEL).toBe("compactor:event");
    const session = "diagnostics-on";
    const all = listen("compactor:event", session);
    const calls = listen("compactor:call", session);
    const compactions = listen("compactor:compaction", session);
    const callback = await runSession(session, undefined);
    expect(callback.filter((event) => event.type === "call")).toHaveLength(8);
    expect(callback.filter((event) => event.type === "compaction").length).toBeGreaterThanOrEqual(1);
    // The same events, in the same order, as the onEvent callback received.
    expect(all).toEqual(callback);
    expect(calls).toEqual(callback.filter((event) => event.type === "call"));
    expect(compactions).toEqual(callback.filter((event) => event.type === "compaction"));
  });

  it("publishes nothing with diagnosticsChannel: false", async () => {
    const session = "diagnostics-off";
    const all = listen("compactor:event", session);
    const calls = listen("compactor:call", session);
    const callback = await runSession(session, false);
    expect(callback.length).toBeGreaterThan(8);
    expect(all).toEqual([]);
    expect(calls).toEqual([]);
  });
});
