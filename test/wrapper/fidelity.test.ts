/**
 * A wrapped client is the SDK's own (issue 11, items 1, 2, 4 and 5): compactor sits at the client's `fetch`, so
 * Azure deployments, the Anthropic "streaming is required" guard, spies on the original, rotated keys,
 * subclasses, `asResponse()` / `withResponse()` and streams nobody reads all behave as without compactor, and
 * every call is recorded and settled.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI, { AzureOpenAI } from "openai";
import { describe, expect, it, vi } from "vitest";
import { type CompactorEvent, sessionReport, withCompaction } from "../../src/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const messages: Anthropic.MessageParam[] = [{ role: "user", content: "hello there" }];

describe("compactor keeps the user's own client (issue 11)", () => {
  it("1. AzureOpenAI: wraps without OPENAI_API_VERSION and keeps the deployment and API version in the URL", async () => {
    const server = await startServer();
    const saved = process.env.OPENAI_API_VERSION;
    delete process.env.OPENAI_API_VERSION;
    try {
      const azure = new AzureOpenAI({
        apiKey: "test",
        endpoint: server.url,
        apiVersion: "2024-10-21",
        deployment: "my-gpt",
        maxRetries: 0,
      });
      const client = withCompaction(azure, { session: "azure", strategy: null, diagnosticsChannel: false });
      expect(client).toBe(azure);
      const completion = await client.chat.completions.create({
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: "hi" }],
      });
      expect(completion.object).toBe("chat.completion");
      expect(server.requests[0]?.path).toBe("/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21");
      expect((await sessionReport(client)).calls).toBe(1);
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_VERSION = saved;
    }
  });

  it("2. keeps Anthropic's 'streaming is required' guard: a long non-streaming call is refused as unwrapped", async () => {
    const server = await startServer();
    const raw = new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 });
    const long = { model: "claude-opus-4-1", max_tokens: 64_000, messages };
    const rawError = await Promise.resolve()
      .then(() => raw.messages.create(long))
      .catch((error: unknown) => error);
    const client = withCompaction(new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 }), {
      session: "guard",
      diagnosticsChannel: false,
    });
    const error = await Promise.resolve()
      .then(() => client.messages.create(long))
      .catch((caught: unknown) => caught);
    expect(rawError).toBeInstanceOf(Anthropic.AnthropicError);
    expect((rawError as Error).message).toMatch(/Streaming is required/);
    expect(error).toBeInstanceOf(Anthropic.AnthropicError);
    expect((error as Error).message).toBe((rawError as Error).message);
    expect(server.requests).toHaveLength(0);
  });

  it("4. sees spies on the original, rotated keys, subclasses with their own constructor, no second construction", async () => {
    const server = await startServer();
    let constructed = 0;
    class TeamClient extends Anthropic {
      readonly team: string;
      constructor(team: string) {
        super({ apiKey: "key-1", baseURL: server.anthropicBaseURL, maxRetries: 0 });
        this.team = team;
        constructed++;
      }
    }
    const original = new TeamClient("platform");
    const spy = vi.spyOn(original.messages, "create");
    const client = withCompaction(original, { session: "spied", strategy: null, diagnosticsChannel: false });
    expect(constructed).toBe(1);
    expect(client).toBe(original);
    expect(client.team).toBe("platform");
    await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 32, messages });
    expect(spy).toHaveBeenCalledTimes(1);
    original.apiKey = "key-2";
    await client.messages.create({ model: "claude-sonnet-4-6", max_tokens: 32, messages });
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(["Bearer key-1", "Bearer key-2"]);
    expect((await sessionReport(client)).calls).toBe(2);
    expect(constructed).toBe(1);
  });

  it("5. records and settles asResponse(), withResponse() and streams never read; budgets release them", async () => {
    const server = await startServer();
    const events: CompactorEvent[] = [];
    const client = withCompaction(new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0 }), {
      session: "raw-responses",
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
      // About three calls' reservations (1,000 output tokens each at Sonnet prices) fit at once; each call
      // really costs a small fraction of one.
      budget: { session: { maxUsd: 0.05 } },
    });
    const params = { model: "claude-sonnet-4-6", max_tokens: 1_000, messages };
    for (let index = 0; index < 3; index++) {
      const response = await client.messages.create(params).asResponse();
      expect(response.status).toBe(200);
      const { data } = await client.messages.create(params).withResponse();
      expect(data.type).toBe("message");
      await client.messages.create({ ...params, stream: true }); // never read
    }
    const report = await sessionReport(client);
    expect(report.calls).toBe(9);
    expect(server.requests).toHaveLength(9);
    expect(events.filter((event) => event.type === "call")).toHaveLength(9);
    expect(events.filter((event) => event.type === "budget" && event.action === "refuse")).toHaveLength(0);
    const serverCost = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    expect(report.promptTokens).toBe(serverCost);
  });

  it("covers clients made with withOptions() and reports them through the original", async () => {
    const server = await startServer();
    const client = withCompaction(new OpenAI({ apiKey: "test", baseURL: server.openaiBaseURL, maxRetries: 0 }), {
      session: "derived",
      strategy: null,
      diagnosticsChannel: false,
    });
    const derived = client.withOptions({ timeout: 5_000 });
    await derived.chat.completions.create({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "hi" }] });
    await derived.responses.create({ model: "gpt-4.1-mini", input: "hi" });
    expect((await sessionReport(client)).calls).toBe(2);
    expect((await sessionReport(derived)).calls).toBe(2);
  });

  it("forwards requests it does not handle untouched (count_tokens, models)", async () => {
    const server = await startServer();
    const fetch = vi.fn(globalThis.fetch);
    const client = withCompaction(
      new Anthropic({ apiKey: "test", baseURL: server.anthropicBaseURL, maxRetries: 0, fetch }),
      { session: "passthrough", diagnosticsChannel: false },
    );
    await client.messages.countTokens({ model: "claude-sonnet-4-6", messages }).catch(() => undefined);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(String(fetch.mock.calls[0]?.[0])).toContain("/v1/messages/count_tokens");
    expect((await sessionReport(client)).calls).toBe(0);
  });
});
