/**
 * Issue 10's parts through the public API: an Anthropic agent loop on the loopback server, wrapped with
 * `withCompaction`, that re-reads the same file and re-runs the same test command. The lossless step replaces the
 * superseded outputs, the facts-keeping summary carries the error line and the path, every request the server
 * receives is valid, and nothing breaks the agent's call.
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  factSummary,
  losslessRemovals,
  pipeline,
  tokenThreshold,
  withCompaction,
} from "../../src/index.js";
import { reply, type ScriptFunction } from "../../src/testing/index.js";
import { useServers } from "./helpers.js";

const server = useServers();
const model = "claude-sonnet-4-6";
const calls = 18;

const fileContent = Array.from(
  { length: 120 },
  (_, line) => `${line + 1}\tdef handler_${line}(request): return load_config(request).retries_${line}`,
).join("\n");

function testOutput(index: number): string {
  const noise = Array.from({ length: 80 }, (_, line) => `tests/test_app.py::test_case_${line} PASSED`).join(
    "\n",
  );
  return `${noise}\nE   KeyError: 'max_retries' (run ${index})\nFAILED tests/test_app.py::test_load - KeyError`;
}

/** Reads src/app.py on every third call, runs the tests otherwise, then stops. */
const script: ScriptFunction = (_request, context) => {
  if (context.callIndex >= calls - 1) return reply.text("Done.");
  return context.callIndex % 3 === 0
    ? reply.toolCall(
        "Read",
        { file_path: "src/app.py" },
        { text: `Reading src/app.py for load_config (${context.callIndex}).` },
      )
    : reply.toolCall("Bash", { command: "pytest tests/test_app.py" }, { text: "Running the tests." });
};

describe("lossless removals and the facts-keeping summary through withCompaction", () => {
  it("replace superseded outputs, keep facts in the summary, and every request stays valid", async () => {
    const target = await server({ script });
    const events: CompactorEvent[] = [];
    const client = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "levers",
        strategy: pipeline(losslessRemovals(), factSummary({ keepTurns: 4 })),
        trigger: tokenThreshold(6_000),
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
        summarizer: false,
      },
    );
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Fix the KeyError in src/app.py." }];
    for (let index = 0; index < calls; index++) {
      const message = await client.messages.create({ model, max_tokens: 512, messages });
      messages.push({ role: "assistant", content: message.content });
      const call = message.content.find((block) => block.type === "tool_use");
      if (call?.type !== "tool_use") break;
      const output = call.name === "Read" ? fileContent : testOutput(index);
      messages.push({
        role: "user",
        content: [{ type: "tool_result", tool_use_id: call.id, content: output }],
      });
    }
    expect(target.requests).toHaveLength(calls);
    for (const request of target.requests) {
      expect(request.validationError, request.requestId).toBeUndefined();
      expect(request.status).toBe(200);
    }
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThan(0);
    const bodies = target.requests.map((request) => JSON.stringify(request.body));
    // A re-read file and a re-run command leave a placeholder that says why, and the latest copy stays.
    expect(bodies.some((body) => body.includes("Output of Read `src/app.py` removed"))).toBe(true);
    expect(bodies.some((body) => body.includes("the same call is made again later"))).toBe(true);
    // The summary keeps the error line and the path verbatim in its facts block.
    const summarized = bodies.filter((body) => body.includes("## Facts kept verbatim"));
    expect(summarized.length).toBeGreaterThan(0);
    expect(summarized.at(-1)).toContain("KeyError: 'max_retries'");
    expect(summarized.at(-1)).toContain("src/app.py");
    // The last request is far smaller than the history the agent holds.
    const last = target.requests.at(-1)?.body as { messages: unknown[] };
    expect(JSON.stringify(last.messages).length).toBeLessThan(JSON.stringify(messages).length / 2);
  });
});
