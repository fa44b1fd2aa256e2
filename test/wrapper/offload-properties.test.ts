/**
 * Properties of the hidden recall round trip over random agent runs (issue 10's "done when"): the recall tool never
 * reaches the agent's code, tool pairing holds through hidden round trips (the test server validates every request:
 * each tool call has its result), and thinking signatures survive (every thinking block compactor sends carries
 * the signature the model gave it). Random: the API, streaming, when compactor compacts, and what the model does on
 * each turn (run a tool, recall a kept id or an unknown one, recall next to its own tool call, think then recall,
 * recall again inside a continuation).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompactorEvent } from "../../src/index.js";
import {
  type RecordedRequest,
  type Reply,
  recallIdsOf,
  reply,
  startTestServer,
  type TestServer,
} from "../../src/testing/index.js";
import { endsWithRecallAnswer, type Format, formats, runAgent } from "./offload-agent.js";

type Move = "tool" | "recall" | "recall-unknown" | "mixed" | "think-recall";
const moves: Move[] = ["tool", "recall", "recall-unknown", "mixed", "think-recall"];

let server: TestServer;
/** The current run's model (the server's script delegates to it). */
let model: (request: RecordedRequest) => Reply = () => reply.text("OK.");

beforeAll(async () => {
  server = await startTestServer({ script: (request) => model(request) });
});
afterAll(async () => {
  await server.close();
});

/** Signatures the model gave, by thinking text: a thinking block sent with another signature is a failure. */
const signatureOf = (text: string) => `sig:${text}`;

describe("offload properties", () => {
  it("the recall tool never reaches the agent; pairs hold; signatures survive", async () => {
    let runs = 0;
    let recallTurns = 0;
    let dropped = 0;
    let continuedWithThinking = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...formats),
        fc.boolean(),
        fc.array(fc.constantFrom(...moves), { minLength: 14, maxLength: 14 }),
        fc.uniqueArray(fc.integer({ min: 2, max: 9 }), { minLength: 1, maxLength: 3 }),
        async (format: Format, stream, script, compactAt) => {
          const session = `prop-${runs++}`;
          let turn = 0;
          let step = 0;
          model = (request) => {
            const move = script[turn++ % script.length] as Move;
            const ids = recallIdsOf(request);
            const thinking = format === "anthropic" && move === "think-recall";
            if (move !== "tool" && (ids.length > 0 || move === "recall-unknown")) {
              const id = move === "recall-unknown" ? "r9999999999" : (ids[turn % ids.length] as string);
              const call = { type: "tool_call" as const, name: "compactor_recall", input: { id } };
              if (move === "mixed")
                return reply.message([{ type: "tool_call", name: "bash", input: { command: `ls ${step}` } }, call]);
              if (thinking) {
                const text = `thinking ${session} ${turn}`;
                return reply.message([{ type: "thinking", text, signature: signatureOf(text) }, call]);
              }
              return reply.message([call]);
            }
            const current = step++;
            if (current >= 9) return reply.text("Done.");
            return reply.toolCall("bash", { command: `cat file_${current}.txt` });
          };
          const before = server.requests.length;
          const events: CompactorEvent[] = [];
          const { seen } = await runAgent(server, format, stream, { steps: 10, session, compactAt }, events);
          const requests = server.requests.slice(before);
          // Pairing (and every other rule of the API) holds on every request, hidden ones included.
          for (const request of requests) expect(request.validationError).toBeUndefined();
          // The agent's code never sees the tool.
          for (const call of seen) expect(call.seen).not.toContain("compactor_recall");
          // Signatures survive: every thinking block sent carries the signature the model gave it.
          for (const request of requests) {
            for (const message of (request.body as { messages?: Array<{ content: unknown }> }).messages ?? []) {
              for (const block of Array.isArray(message.content) ? message.content : []) {
                if (block.type === "thinking") expect(block.signature).toBe(signatureOf(block.thinking));
              }
            }
          }
          for (const event of events) {
            if (event.type !== "recall") continue;
            if (event.dropped) dropped++;
            else recallTurns++;
          }
          continuedWithThinking += requests.filter(
            (request) => endsWithRecallAnswer(request) && JSON.stringify(request.body).includes('"thinking"'),
          ).length;
          expect(events.filter((event) => event.type === "error")).toEqual([]);
        },
      ),
      { numRuns: 30 },
    );
    // Guards against a vacuous pass: the runs did recall, drop mixed recalls and continue signed turns.
    expect(recallTurns).toBeGreaterThan(15);
    expect(dropped).toBeGreaterThan(3);
    expect(continuedWithThinking).toBeGreaterThan(1);
  }, 120_000);
});
