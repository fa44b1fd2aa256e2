import Anthropic from "@anthropic-ai/sdk";
import { APIPromise } from "@anthropic-ai/sdk/core/api-promise";
import { describe, expect, it } from "vitest";
import { reply, type TestServer } from "../../src/testing/index.js";
import { SESSION_HEADER, wrapAnthropic } from "../../src/wrapper/index.js";
import { type RecordingHandler, recordingHandler } from "./recording-handler.js";
import { useServerPair } from "./server-pair.js";

const model = "claude-sonnet-5-5";
const history: Anthropic.MessageParam[] = [
  { role: "user", content: "first question" },
  { role: "assistant", content: "first answer" },
  { role: "user", content: "second question" },
];
const params = { model, max_tokens: 64, messages: history };
const servers = useServerPair();

function clientFor(testServer: TestServer): Anthropic {
  return new Anthropic({ apiKey: "test", baseURL: testServer.anthropicBaseURL, maxRetries: 0 });
}

function wrapped(handler: RecordingHandler = recordingHandler(), session = "default-session"): Anthropic {
  return wrapAnthropic(clientFor(servers.wrapped), handler, session);
}

function sentMessages(index: number): unknown[] {
  const body = servers.wrapped.requests[index]?.body as { messages?: unknown[] } | undefined;
  return body?.messages ?? [];
}

function rawClient(): Anthropic {
  return clientFor(servers.raw);
}

describe("wrapAnthropic messages.create", () => {
  it("returns the same message as the unwrapped client and settles it", async () => {
    const handler = recordingHandler();
    const expected = await rawClient().messages.create(params);
    const message = await wrapped(handler).messages.create(params);
    expect(message).toEqual(expected);
    expect(handler.requests).toEqual([
      { format: "anthropic", sessionId: "default-session", params, stream: false },
    ]);
    // At the wire, the params are what the SDK serialised: equal to the user's, not the same object.
    expect(handler.requests[0]?.params).toEqual(params);
    const outcome = (await handler.outcome());
    expect(outcome.kind).toBe("response");
    if (outcome.kind === "response") {
      expect(outcome.response).toEqual(message);
      expect(outcome.durationMs).toBeGreaterThan(0);
    }
  });

  it("sends the params the handler prepared, leaving the user's params untouched", async () => {
    const handler = recordingHandler({
      rewrite: (original) => ({ ...original, messages: history.slice(2) }),
    });
    const before = structuredClone(params);
    await wrapped(handler).messages.create(params);
    expect(servers.wrapped.requests[0]?.body).toMatchObject({
      messages: [{ role: "user", content: "second question" }],
    });
    expect(sentMessages(0)).toHaveLength(1);
    expect(params).toEqual(before);
  });

  it("returns the SDK's own APIPromise, with withResponse() and asResponse()", async () => {
    const client = wrapped();
    const promise = client.messages.create(params);
    expect(promise).toBeInstanceOf(APIPromise);
    const { data, response, request_id } = await promise.withResponse();
    expect(data.type).toBe("message");
    expect(response.status).toBe(200);
    expect(request_id).toBe("req_test_0001");
    const rawResponse = await client.messages.create(params).asResponse();
    expect(rawResponse.headers.get("content-type")).toContain("application/json");
  });

  it("keeps the user's own client: same object, methods unpatched, its own settings", () => {
    const client = clientFor(servers.wrapped);
    const create = client.messages.create;
    const same = wrapAnthropic(client, recordingHandler(), "s");
    expect(same).toBe(client);
    expect(client.messages.create).toBe(create);
    expect(Object.hasOwn(client.messages, "create")).toBe(false);
    expect(same.baseURL).toBe(servers.wrapped.anthropicBaseURL);
  });

  it("lets a 429 through as the SDK's own RateLimitError and settles it as an error", async () => {
    servers.raw.enqueue(reply.error(429, { retryAfter: 1 }));
    servers.wrapped.enqueue(reply.error(429, { retryAfter: 1 }));
    const handler = recordingHandler();
    const rawError = await rawClient()
      .messages.create(params)
      .catch((error: unknown) => error);
    const error = await wrapped(handler)
      .messages.create(params)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as object).constructor).toBe((rawError as object).constructor);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(429);
    const outcome = (await handler.outcome());
    expect(outcome.kind).toBe("error");
    if (outcome.kind === "error") expect(outcome.error).toMatchObject({ status: 429 });
  });

  it("keeps the call working when settle throws or rejects", async () => {
    for (const settleFails of ["sync", "async"] as const) {
      const handler = recordingHandler({ settleFails });
      const message = await wrapped(handler).messages.create(params);
      expect(message.type).toBe("message");
      expect(handler.outcomes).toHaveLength(1);
    }
  });

  it("sends the original params when prepare fails", async () => {
    const handler = recordingHandler({ prepareFails: true });
    const message = await wrapped(handler).messages.create(params);
    expect(message.type).toBe("message");
    expect(sentMessages(0)).toHaveLength(3);
    expect(handler.outcomes).toHaveLength(0);
  });

  it("reads the session header and strips it before the request goes out", async () => {
    const handler = recordingHandler();
    const client = wrapped(handler, "default-session");
    await client.messages.create(params, { headers: { [SESSION_HEADER]: "task-7", "x-kept": "yes" } });
    await client.messages.create(params, { headers: new Headers({ "X-Compactor-Session": "task-8" }) });
    await client.messages.create(params, { headers: [[SESSION_HEADER, "task-9"]] });
    await client.messages.create(params);
    expect(handler.requests.map((request) => request.sessionId)).toEqual([
      "task-7",
      "task-8",
      "task-9",
      "default-session",
    ]);
    for (const request of servers.wrapped.requests) expect(request.headers[SESSION_HEADER]).toBeUndefined();
    expect(servers.wrapped.requests[0]?.headers["x-kept"]).toBe("yes");
  });

  it("covers beta.messages.create and its stream() helper too", async () => {
    const handler = recordingHandler({
      rewrite: (original) => ({ ...original, messages: history.slice(2) }),
    });
    const client = wrapped(handler);
    const message = await client.beta.messages.create({
      ...params,
      betas: ["context-management-2025-06-27"],
    });
    expect(message.type).toBe("message");
    const final = await client.beta.messages.stream(params).finalMessage();
    expect(final.type).toBe("message");
    expect(sentMessages(0)).toHaveLength(1);
    expect(sentMessages(1)).toHaveLength(1);
    expect(servers.wrapped.requests[0]?.headers["anthropic-beta"]).toBe("context-management-2025-06-27");
    expect(handler.outcomes.map((outcome) => outcome.kind)).toEqual(["response", "stream"]);
  });

  it("keeps wrapping clients made with withOptions()", async () => {
    const handler = recordingHandler();
    const derived = wrapped(handler).withOptions({ timeout: 5_000 });
    await derived.messages.create(params);
    expect(handler.requests).toHaveLength(1);
    expect(handler.outcomes).toHaveLength(1);
  });
});
