/**
 * The recall stage under faults: a store that fails or hangs answers "unavailable" and the call goes on; the
 * caller's AbortSignal ends a hanging lookup; the number of hidden round trips per call is bounded. Run on the
 * wire core with a handler whose recall hooks are scripted, against the loopback test server.
 */
import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { reply, type TestServer } from "../../src/testing/index.js";
import type {
  CallOutcome,
  PreparedRequest,
  RecallHooks,
  RecallTurnInfo,
} from "../../src/wrapper/contract.js";
import { createWireCore } from "../../src/wrapper/wire/core.js";
import { withRecallTool } from "../../src/wrapper/wire/recall-format.js";
import { wireRequestOf } from "../../src/wrapper/wire/request.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const id = "r0123456789";

interface Harness {
  outcomes: CallOutcome[];
  turns: RecallTurnInfo[];
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

function harness(hooks: Partial<RecallHooks>): Harness {
  const outcomes: CallOutcome[] = [];
  const turns: RecallTurnInfo[] = [];
  const core = createWireCore({
    defaultSession: "faults",
    handler: {
      async prepare(request): Promise<PreparedRequest> {
        return {
          params: withRecallTool(request.format, request.params),
          settle: async (outcome) => {
            outcomes.push(outcome);
          },
          recall: {
            maxRecalls: 3,
            lookupTimeoutMs: 1_000,
            lookup: async () => "the kept output",
            settleTurn: (_outcome, info) => turns.push(info),
            remember: () => {},
            ...hooks,
          },
        };
      },
    },
  });
  return {
    outcomes,
    turns,
    fetch: async (input, init) => core(await wireRequestOf(input, init), globalThis.fetch),
  };
}

function client(server: TestServer, fetch: Harness["fetch"]): Anthropic {
  return new Anthropic({ apiKey: "k", baseURL: server.anthropicBaseURL, maxRetries: 0, fetch });
}

const params = {
  model: "claude-sonnet-4-6",
  max_tokens: 64,
  messages: [{ role: "user" as const, content: "go" }],
};

/** The text of the tool result compactor sent back for the recall (the last request's last message). */
function answerText(server: TestServer): string {
  const body = server.requests.at(-1)?.body as { messages: Array<{ content: unknown }> };
  return JSON.stringify(body.messages.at(-1)?.content);
}

describe("recall stage faults", () => {
  it("a store that fails: the model is told the output is unavailable, and the call completes", async () => {
    const server = await startServer({ script: [reply.recall(id), "Carried on without it."] });
    const run = harness({
      lookup: async () => {
        throw new Error("store down");
      },
    });
    const message = await client(server, run.fetch).messages.create(params);
    expect(message.content).toEqual([
      expect.objectContaining({ type: "text", text: "Carried on without it." }),
    ]);
    expect(answerText(server)).toContain("unavailable");
    expect(run.turns).toEqual([{ ids: [id], answers: ["unavailable"], dropped: false }]);
    expect(run.outcomes).toHaveLength(1);
    expect(run.outcomes[0]?.kind).toBe("response");
  });

  it("a store that hangs: answered unavailable after lookupTimeoutMs", async () => {
    const server = await startServer({ script: [reply.recall(id), "Carried on."] });
    const run = harness({ lookupTimeoutMs: 50, lookup: () => new Promise<string>(() => {}) });
    const started = performance.now();
    const message = await client(server, run.fetch).messages.create(params);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(message.content[0]).toMatchObject({ text: "Carried on." });
    expect(answerText(server)).toContain("unavailable");
  });

  it("the caller's AbortSignal ends a hanging lookup: the call rejects, settled as an error", async () => {
    const server = await startServer({ script: [reply.recall(id), "never sent"] });
    const run = harness({ lookupTimeoutMs: 60_000, lookup: () => new Promise<string>(() => {}) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    await expect(
      client(server, run.fetch).messages.create(params, { signal: controller.signal }),
    ).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(run.outcomes.map((outcome) => outcome.kind)).toEqual(["error"]);
  });

  it("bounded: maxRecalls answered round trips, one answered 'limit', then the recall call is taken out", async () => {
    const server = await startServer({ script: () => reply.recall(id, { text: "Let me look again." }) });
    const run = harness({ maxRecalls: 2 });
    const message = await client(server, run.fetch).messages.create(params);
    // 1 request + 2 answered + 1 "limit": 4 upstream requests; the 4th turn's recall is taken out.
    expect(server.requests).toHaveLength(4);
    expect(run.turns.map((turn) => turn.answers)).toEqual([["kept"], ["kept"], ["limit"], []]);
    expect(run.turns.at(-1)?.dropped).toBe(true);
    expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Let me look again." })]);
    expect(message.stop_reason).toBe("end_turn");
    expect(JSON.stringify(message)).not.toContain("compactor_recall");
  });

  it("an unknown id is answered as such, and the call goes on", async () => {
    const server = await startServer({ script: [reply.recall(id), "OK."] });
    const run = harness({ lookup: async () => undefined });
    await client(server, run.fetch).messages.create(params);
    expect(answerText(server)).toContain("No kept output");
    expect(run.turns[0]?.answers).toEqual(["unknown"]);
  });
});
