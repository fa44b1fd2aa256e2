/**
 * Issue 11, fault 11: memory does not grow with every session ever seen. 3,000 sessions of ~16 KB each go through
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
    const perSession = 16_000; // characters of history per session
    const run = async (from: number, count: number) => {
      for (let index = from; index < from + count; index++) {
        // A flat string of its own per session (words, cheap to count).
        const line = `session ${index} wrote src/module_${index % 97}/file.py and ran the tests again\n`;
        const text = Buffer.from(line.repeat(Math.ceil(perSession / line.length))).toString("latin1");
        // Real calls wait for the network; yielding here lets Node run its queued callbacks as it would then.
        await new Promise((resolve) => setImmediate(resolve));
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
    const retainedIfUnbounded = (2500 * perSession) / 1e6;
    console.info(
      `heap after 500 sessions ${at500.toFixed(1)} MB, after 3,000 ${at3000.toFixed(1)} MB (2,500 more sessions hold ${retainedIfUnbounded.toFixed(0)} MB of text if all were kept)`,
    );
    expect(at3000 - at500).toBeLessThan(retainedIfUnbounded / 3);
  }, 120_000);
});
