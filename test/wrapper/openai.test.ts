import OpenAI from "openai";
import { APIPromise } from "openai/core/api-promise";
import { describe, expect, it } from "vitest";
import { reply, type TestServer } from "../../src/testing/index.js";
import { SESSION_HEADER, wrapOpenAI } from "../../src/wrapper/index.js";
import { type RecordingHandler, recordingHandler } from "./recording-handler.js";
import { collect, useServerPair } from "./server-pair.js";

const model = "gpt-4.1-mini";
const chatParams = {
  model,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: "first question" },
    { role: "assistant", content: "first answer" },
    { role: "user", content: "second question" },
  ] satisfies OpenAI.ChatCompletionMessageParam[],
};
const responsesParams = {
  model,
  input: [
    { role: "user", content: "first question" },
    { role: "assistant", content: "first answer" },
    { role: "user", content: "second question" },
  ] satisfies OpenAI.Responses.ResponseInput,
};

const servers = useServerPair();

function clientFor(testServer: TestServer): OpenAI {
  return new OpenAI({ apiKey: "test", baseURL: testServer.openaiBaseURL, maxRetries: 0 });
}

function rawClient(): OpenAI {
  return clientFor(servers.raw);
}

function wrapped(handler: RecordingHandler = recordingHandler(), session = "default-session"): OpenAI {
  return wrapOpenAI(clientFor(servers.wrapped), handler, session);
}

function bodyOf(testServer: TestServer, index: number): Record<string, unknown> {
  return testServer.requests[index]?.body as Record<string, unknown>;
}

describe("wrapOpenAI chat.completions", () => {
  it("returns the same completion as the unwrapped client and settles it", async () => {
    const handler = recordingHandler();
    const expected = await rawClient().chat.completions.create(chatParams);
    const promise = wrapped(handler).chat.completions.create(chatParams);
    // Awaited before any assertion: a failed one would otherwise leave the request in flight past the test, to
    // fail later against a closed server as an unhandled rejection blamed on another test.
    const completion = await promise;
    expect(promise).toBeInstanceOf(APIPromise);
    expect(completion).toEqual(expected);
    expect(handler.requests).toEqual([
      { format: "openai-chat", sessionId: "default-session", params: chatParams, stream: false },
    ]);
    expect((await handler.outcome())).toMatchObject({ kind: "response", response: completion });
  });

  it("sends the params the handler prepared", async () => {
    const handler = recordingHandler({
      rewrite: (original) => ({ ...original, messages: [chatParams.messages[0], chatParams.messages[3]] }),
    });
    await wrapped(handler).chat.completions.create(chatParams);
    expect(bodyOf(servers.wrapped, 0).messages).toEqual([chatParams.messages[0], chatParams.messages[3]]);
    expect(chatParams.messages).toHaveLength(4);
  });

  it("yields exactly the chunks of the unwrapped client and settles them", async () => {
    const handler = recordingHandler();
    const expected = await collect(
      await rawClient().chat.completions.create({ ...chatParams, stream: true }),
    );
    const chunks = await collect(
      await wrapped(handler).chat.completions.create({ ...chatParams, stream: true }),
    );
    expect(chunks).toEqual(expected);
    expect(chunks.length).toBeGreaterThan(1);
    const outcome = (await handler.outcome());
    expect(outcome).toMatchObject({ kind: "stream", completed: true });
    if (outcome.kind === "stream") {
      for (const [index, event] of outcome.events.entries()) expect(event).toEqual(chunks[index]);
    }
  });

  it("keeps tee() working on a wrapped chat stream", async () => {
    const handler = recordingHandler();
    const expected = await collect(
      await rawClient().chat.completions.create({ ...chatParams, stream: true }),
    );
    const stream = await wrapped(handler).chat.completions.create({ ...chatParams, stream: true });
    const [left, right] = stream.tee();
    expect(await collect(left)).toEqual(expected);
    expect(await collect(right)).toEqual(expected);
    expect((await handler.outcome())).toMatchObject({ kind: "stream", completed: true });
    if (handler.outcomes[0]?.kind === "stream")
      expect(handler.outcomes[0].events).toHaveLength(expected.length);
  });

  it("serves the chat.completions.stream() helper: same final completion as unwrapped", async () => {
    const handler = recordingHandler();
    const expected = await rawClient().chat.completions.stream(chatParams).finalChatCompletion();
    const completion = await wrapped(handler).chat.completions.stream(chatParams).finalChatCompletion();
    expect(completion).toEqual(expected);
    expect(handler.requests[0]).toMatchObject({ format: "openai-chat", stream: true });
    expect((await handler.outcome())).toMatchObject({ kind: "stream", completed: true });
  });

  it("keeps withResponse() and the parse() helper working", async () => {
    const client = wrapped();
    const { data, response, request_id } = await client.chat.completions.create(chatParams).withResponse();
    expect(data.object).toBe("chat.completion");
    expect(response.status).toBe(200);
    expect(request_id).toBe("req_test_0001");
    const parsed = await client.chat.completions.parse(chatParams);
    expect(parsed.choices[0]?.message.parsed).toBeNull();
  });

  it("lets a 429 through as the SDK's own RateLimitError and settles it as an error", async () => {
    servers.raw.enqueue(reply.error(429));
    servers.wrapped.enqueue(reply.error(429));
    const handler = recordingHandler();
    const rawError = await rawClient()
      .chat.completions.create(chatParams)
      .catch((caught: unknown) => caught);
    const error = await wrapped(handler)
      .chat.completions.create(chatParams)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as object).constructor).toBe((rawError as object).constructor);
    expect((await handler.outcome())).toMatchObject({ kind: "error", error: { status: 429 } });
  });

  it("lets a 500 reach the stream() helper as the SDK's InternalServerError", async () => {
    servers.wrapped.enqueue(reply.error(500));
    const error = await wrapped()
      .chat.completions.stream(chatParams)
      .finalChatCompletion()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("reads the session header and strips it before the request goes out", async () => {
    const handler = recordingHandler({ settleFails: "sync" });
    await wrapped(handler).chat.completions.create(chatParams, {
      headers: { "X-Compactor-Session": "task-3" },
    });
    expect(handler.requests[0]?.sessionId).toBe("task-3");
    expect(servers.wrapped.requests[0]?.headers[SESSION_HEADER]).toBeUndefined();
  });
});

describe("wrapOpenAI responses", () => {
  it("returns the same response as the unwrapped client, output_text included", async () => {
    const handler = recordingHandler();
    const expected = await rawClient().responses.create(responsesParams);
    const response = await wrapped(handler).responses.create(responsesParams);
    expect(response).toEqual(expected);
    expect(response.output_text).toBe(expected.output_text);
    expect(response.output_text.length).toBeGreaterThan(0);
    expect(handler.requests[0]).toMatchObject({ format: "openai-responses", stream: false });
    // The wire body: the SDK's object less the `output_text` convenience it adds.
    const { output_text: _outputText, ...body } = response;
    expect(await handler.outcome()).toMatchObject({ kind: "response", response: body });
  });

  it("sends the params the handler prepared", async () => {
    const handler = recordingHandler({
      rewrite: (original) => ({ ...original, input: responsesParams.input.slice(2) }),
    });
    await wrapped(handler).responses.create(responsesParams);
    expect(bodyOf(servers.wrapped, 0).input).toEqual([responsesParams.input[2]]);
  });

  it("yields exactly the events of the unwrapped client and settles them", async () => {
    const handler = recordingHandler();
    const expected = await collect(await rawClient().responses.create({ ...responsesParams, stream: true }));
    const events = await collect(
      await wrapped(handler).responses.create({ ...responsesParams, stream: true }),
    );
    expect(events).toEqual(expected);
    expect(events.at(-1)?.type).toBe("response.completed");
    const outcome = (await handler.outcome());
    expect(outcome).toMatchObject({ kind: "stream", completed: true });
    if (outcome.kind === "stream") expect(outcome.events).toEqual(events);
  });

  it("serves the responses.stream() helper: same final response as unwrapped", async () => {
    const handler = recordingHandler();
    const expected = await rawClient().responses.stream(responsesParams).finalResponse();
    const response = await wrapped(handler).responses.stream(responsesParams).finalResponse();
    expect(response).toEqual(expected);
    expect(handler.requests[0]).toMatchObject({ format: "openai-responses", stream: true });
    expect((await handler.outcome())).toMatchObject({ kind: "stream", completed: true });
  });

  it("lets a 429 through as the SDK's own RateLimitError", async () => {
    servers.wrapped.enqueue(reply.error(429));
    const handler = recordingHandler();
    const error = await wrapped(handler)
      .responses.create(responsesParams)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((await handler.outcome())).toMatchObject({ kind: "error", error: { status: 429 } });
  });
});
