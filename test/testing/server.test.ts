import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import {
  noPromptCache,
  type PromptCache,
  reply,
  type ScriptContext,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "../../src/testing/index.js";

let server: TestServer | undefined;
afterEach(() => server?.close());

async function start(options: TestServerOptions) {
  server = await startTestServer(options);
  return {
    server,
    anthropic: new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
    openai: new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
  };
}

describe("test server scripts", () => {
  it("gives a script function the provider, the call index, the prompt and the last user text", async () => {
    const contexts: ScriptContext[] = [];
    const { anthropic, openai } = await start({
      script: async (_request, context) => {
        contexts.push(context);
        return `call ${context.callIndex}`;
      },
    });
    const first = await anthropic.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 8,
      messages: [{ role: "user", content: "first question" }],
    });
    const second = await openai.responses.create({ model: "gpt-5", input: "second question" });
    expect(first.content[0]).toMatchObject({ text: "call 0" });
    expect(second.output_text).toBe("call 1");
    expect(contexts.map(({ provider, lastUserText }) => [provider, lastUserText])).toEqual([
      ["anthropic", "first question"],
      ["openai-responses", "second question"],
    ]);
    expect(contexts[0]?.prompt.totalTokens).toBe(server?.requests[0]?.usage?.promptTokens);
  });

  it("answers queued replies before the script function", async () => {
    const { openai } = await start({ script: [reply.text("queued one")] });
    const ask = () =>
      openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] });
    server?.enqueue("queued two");
    const answers = [await ask(), await ask(), await ask()].map(
      (completion) => completion.choices[0]?.message.content,
    );
    expect(answers).toEqual(["queued one", "queued two", "Echo: x"]);
  });

  it("answers a 500 in the provider's shape and records why when a script throws", async () => {
    const { anthropic } = await start({
      script: () => {
        throw new Error("script exploded");
      },
    });
    const error = await anthropic.messages
      .create({ model: "claude-haiku-4-5", max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect((error as Error).message).toContain("script exploded");
    expect(server?.requests[0]?.failure).toBe("script exploded");
  });

  it("uses a pluggable token counter and cache", async () => {
    const calls: string[] = [];
    const cache: PromptCache = {
      anthropic: (prompt) => {
        calls.push(`anthropic ${prompt.segments.length}`);
        return { readTokens: 3, write5mTokens: 2, write1hTokens: 1 };
      },
      openai: noPromptCache.openai,
    };
    const { anthropic } = await start({ countTokens: () => 10, cache });
    const message = await anthropic.messages.create({
      model: "claude-haiku-4-5",
      max_tokens: 8,
      system: "sys",
      messages: [{ role: "user", content: "x" }],
    });
    expect(calls).toEqual(["anthropic 2"]);
    expect(message.usage).toMatchObject({
      input_tokens: 14,
      cache_read_input_tokens: 3,
      cache_creation_input_tokens: 3,
      cache_creation: { ephemeral_5m_input_tokens: 2, ephemeral_1h_input_tokens: 1 },
      output_tokens: 10,
    });
  });

  it("never consults the cache for error replies", async () => {
    let consulted = 0;
    const counting: PromptCache = {
      anthropic: (prompt, now) => {
        consulted++;
        return noPromptCache.anthropic(prompt, now);
      },
      openai: noPromptCache.openai,
    };
    const { anthropic } = await start({ cache: counting, script: [reply.error(429)] });
    await anthropic.messages
      .create({ model: "claude-haiku-4-5", max_tokens: 8, messages: [{ role: "user", content: "x" }] })
      .catch(() => undefined);
    expect(consulted).toBe(0);
    expect(server?.requests[0]?.usage).toBeUndefined();
  });

  it("answers an unknown path with a 404", async () => {
    const { server: running } = await start({});
    const response = await fetch(`${running.url}/v1/embeddings`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });
});

describe("test server options and reply helpers", () => {
  it("rejects invalid options with the field named", async () => {
    await expect(startTestServer({ deltaCharacters: 0 })).rejects.toThrow(/`deltaCharacters`/);
    await expect(startTestServer({ script: "hello" as never })).rejects.toThrow(InvalidOptionError);
  });

  it("rejects invalid replies when they are built", () => {
    expect(() => reply.error(200)).toThrow(/reply.error\(status\)/);
    expect(() => reply.error(429, { retryAfter: -1 })).toThrow(/`retryAfter`/);
    expect(() => reply.toolCall("", {})).toThrow(InvalidOptionError);
    expect(() => reply.thinking("x", "")).toThrow(/signature/);
    expect(() => reply.brokenStream(1.5)).toThrow(InvalidOptionError);
  });

  it("answers 500 when countTokens returns something that is not a count", async () => {
    const { openai } = await start({ countTokens: () => Number.NaN });
    await expect(
      openai.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(server?.requests[0]?.failure).toMatch(/countTokens/);
  });
});
