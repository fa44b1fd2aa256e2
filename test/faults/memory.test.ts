/**
 * Issue 11, fault 11: memory does not grow with every session ever seen. 3,000 sessions of ~40 KB each go through
 * one wrapped client (a real Anthropic SDK client whose `fetch` answers in-process, so the test is quick) with
 * `memoryStore({ maxSessions: 500 })`: the heap must stay near what 500 sessions take, not grow with all 3,000.
 */
import Anthropic from "@anthropic-ai/sdk";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { memoryStore, SESSION_HEADER, sessionReport, withCompaction } from "../../src/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

/** An Anthropic Messages response, built in-process. */
function answer(): Response {
  const body = {
    id: "msg_local",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-6",
    content: [{ type: "text", text: "ok" }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: 10_000,
      output_tokens: 2,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
  };
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

describe("memory stays bounded over many sessions", () => {
  it("3,000 sessions with maxSessions 500: the heap grows by what ~500 sessions take, not 3,000", async () => {
    const raw = new Anthropic({ apiKey: "test", maxRetries: 0, fetch: async () => answer() });
    const client = withCompaction(raw, {
      session: "first",
      store: memoryStore({ maxSessions: 500 }),
      strategy: null,
      summarizer: false,
      diagnosticsChannel: false,
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const perSession = 40_000; // characters of history per session
    const run = async (from: number, count: number) => {
      for (let index = from; index < from + count; index++) {
        const text = Buffer.alloc(perSession, 97 + (index % 26)).toString("latin1") + String(index);
        await client.messages.create(
          { model: "claude-sonnet-4-6", max_tokens: 16, messages: [{ role: "user", content: text }] },
          { headers: { [SESSION_HEADER]: `session-${index}` } },
        );
      }
      await sessionReport(client);
    };
    await run(0, 500);
    const at500 = heapMb();
    await run(500, 2500);
    const at3000 = heapMb();
    process.off("warning", onWarning);
    const retainedIfUnbounded = (2500 * perSession) / 1e6;
    console.info(
      `heap after 500 sessions ${at500.toFixed(1)} MB, after 3,000 ${at3000.toFixed(1)} MB (2,500 more sessions hold ${retainedIfUnbounded.toFixed(0)} MB of text if all were kept)`,
    );
    expect(at3000 - at500).toBeLessThan(retainedIfUnbounded / 3);
  }, 120_000);
});
