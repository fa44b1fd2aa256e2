import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { reply, type TestServer } from "../../src/testing/index.js";
import { SESSION_HEADER, wrapAnthropic } from "../../src/wrapper/index.js";
import { type RecordingHandler, recordingHandler } from "./recording-handler.js";
import { collect, useServerPair } from "./server-pair.js";

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

function rawClient(): Anthropic {
  return clientFor(servers.raw);
}

describe("wrapAnthropic streaming", () => {
  it("yields exactly the events of the unwrapped client and settles them", async () => {
    const handler = recordingHandler();
    const expected = await collect(await rawClient().messages.create({ ...params, stream: true }));
    const stream = await wrapped(handler).messages.create({ ...params, stream: true });
    const events = await collect(stream);
    expect(events).toEqual(expected);
    expect(events.map((event) => event.type)).toContain("message_stop");
    expect(handler.requests[0]?.stream).toBe(true);
    const outcome = (await handler.outcome());
    expect(outcome.kind).toBe("stream");
    if (outcome.kind === "stream") {
      expect(outcome.completed).toBe(true);
      expect(outcome.events).toHaveLength(events.length);
      for (const [index, event] of outcome.events.entries()) expect(event).toEqual(events[index]);
    }
  });

  it("settles a stream the caller stops reading early, with what the provider sent", async () => {
    const handler = recordingHandler();
    const stream = await wrapped(handler).messages.create({ ...params, stream: true });
    for await (const event of stream) if (event.type === "content_block_start") break;
    const outcome = await handler.outcome();
    expect(outcome.kind).toBe("stream");
    if (outcome.kind === "stream") {
      expect(outcome.events[0]).toMatchObject({ type: "message_start" });
      expect(outcome.events.map((event) => (event as { type: string }).type)).toContain("content_block_start");
    }
  });

  it("settles a stream aborted before it is read", async () => {
    const handler = recordingHandler();
    const stream = await wrapped(handler).messages.create({ ...params, stream: true });
    stream.controller.abort();
    expect(await handler.outcome()).toMatchObject({ kind: "stream" });
  });

  it("settles a stream nobody ever reads, with its usage", async () => {
    const handler = recordingHandler();
    await wrapped(handler).messages.create({ ...params, stream: true });
    const outcome = await handler.outcome();
    expect(outcome).toMatchObject({ kind: "stream", completed: true });
    if (outcome.kind === "stream") expect(outcome.events.at(-1)).toMatchObject({ type: "message_stop" });
  });

  it("settles a stream the server breaks off as not completed, and the caller sees the SDK's error", async () => {
    servers.raw.enqueue(reply.brokenStream(4));
    servers.wrapped.enqueue(reply.brokenStream(4));
    const rawEvents: unknown[] = [];
    const rawError = await (async () => {
      for await (const event of await rawClient().messages.create({ ...params, stream: true }))
        rawEvents.push(event);
    })().catch((caught: unknown) => caught);
    const handler = recordingHandler();
    const events: unknown[] = [];
    const error = await (async () => {
      for await (const event of await wrapped(handler).messages.create({ ...params, stream: true }))
        events.push(event);
    })().catch((caught: unknown) => caught);
    expect(rawError).toBeInstanceOf(Error);
    expect((error as object).constructor).toBe((rawError as object).constructor);
    expect(events).toEqual(rawEvents);
    expect(events.length).toBeGreaterThan(0);
    const outcome = (await handler.outcome());
    expect(outcome).toMatchObject({ kind: "stream", completed: false });
    if (outcome.kind === "stream") expect(outcome.events).toEqual(events);
  });

  it("keeps tee() and toReadableStream() working and observes the events once", async () => {
    const handler = recordingHandler();
    const expected = await collect(await rawClient().messages.create({ ...params, stream: true }));
    const [left, right] = (await wrapped(handler).messages.create({ ...params, stream: true })).tee();
    expect(await collect(left)).toEqual(expected);
    expect(await collect(right)).toEqual(expected);
    expect((await handler.outcome())).toMatchObject({ kind: "stream", completed: true });

    const expectedAgain = await collect(await rawClient().messages.create({ ...params, stream: true }));
    const readable = (await wrapped(handler).messages.create({ ...params, stream: true })).toReadableStream();
    const back = await collect(readableLines(readable));
    expect(back).toEqual(JSON.parse(JSON.stringify(expectedAgain)));
    expect(handler.outcomes[1]).toMatchObject({ kind: "stream", completed: true });
  });

  it("serves the messages.stream() helper: same final message as unwrapped", async () => {
    const handler = recordingHandler();
    const expected = await rawClient().messages.stream(params).finalMessage();
    const helper = wrapped(handler).messages.stream(params);
    const texts: string[] = [];
    helper.on("text", (text) => texts.push(text));
    const message = await helper.finalMessage();
    expect(message).toEqual(expected);
    expect(texts.join("")).toBe((message.content[0] as Anthropic.TextBlock).text);
    expect(handler.requests[0]).toMatchObject({ stream: true, params: { stream: true, messages: history } });
    expect((await handler.outcome())).toMatchObject({ kind: "stream", completed: true });
  });

  it("strips the session header passed to the messages.stream() helper", async () => {
    const handler = recordingHandler();
    await wrapped(handler)
      .messages.stream(params, { headers: { [SESSION_HEADER]: "task-11" } })
      .finalMessage();
    expect(handler.requests[0]?.sessionId).toBe("task-11");
    expect(servers.wrapped.requests[0]?.headers[SESSION_HEADER]).toBeUndefined();
    expect(servers.wrapped.requests[0]?.headers["x-stainless-helper-method"]).toBe("stream");
  });

  it("lets the messages.stream() helper report a 429 as the SDK's RateLimitError", async () => {
    servers.wrapped.enqueue(reply.error(429));
    const handler = recordingHandler();
    const error = await wrapped(handler)
      .messages.stream(params)
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((await handler.outcome())).toMatchObject({ kind: "error", error: { status: 429 } });
  });
});

async function* readableLines(readable: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const text = await new Response(readable).text();
  for (const line of text.split("\n")) if (line !== "") yield JSON.parse(line);
}
