/**
 * The wire core's `settle` option (what the proxy uses): a JSON answer's call is settled right after the caller
 * gets the response with `"after-return"` (the proxy writes the bytes on first), before it with the default (an
 * SDK call resolves with its call recorded). Either way it is settled exactly once, with the answer.
 */
import { describe, expect, it } from "vitest";
import type { CallOutcome, RequestHandler } from "../../src/wrapper/contract.js";
import { createWireCore } from "../../src/wrapper/wire/core.js";

function recordingHandler(outcomes: CallOutcome[]): RequestHandler {
  return {
    prepare: async (request) => ({ params: request.params, settle: async (outcome) => void outcomes.push(outcome) }),
  };
}

const answer = JSON.stringify({ id: "msg_1", type: "message", usage: { input_tokens: 3, output_tokens: 1 } });
const upstream = async () => new Response(answer, { status: 200, headers: { "content-type": "application/json" } });
const request = () => ({
  url: "http://upstream.test/v1/messages",
  method: "POST",
  init: { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":"m","messages":[]}' },
  text: '{"model":"m","messages":[]}',
});

describe("wire core: when a JSON answer's call is settled", () => {
  it("after-return: the caller has the response (and its bytes) before the call is settled; settled once, right after", async () => {
    const outcomes: CallOutcome[] = [];
    const core = createWireCore({ handler: recordingHandler(outcomes), defaultSession: "s", refusal: "http", settle: "after-return" });
    const response = await core(request(), upstream);
    expect(outcomes).toHaveLength(0);
    expect(await response.text()).toBe(answer);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ kind: "response", response: JSON.parse(answer) });
  });

  it("before-return (the default): settled by the time the caller has the response", async () => {
    const outcomes: CallOutcome[] = [];
    const core = createWireCore({ handler: recordingHandler(outcomes), defaultSession: "s" });
    await core(request(), upstream);
    expect(outcomes).toHaveLength(1);
  });
});
