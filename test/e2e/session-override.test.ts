import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type CompactorEvent, SESSION_HEADER, sessionReport, withCompaction } from "../../src/index.js";
import { useServers } from "./helpers.js";

const server = useServers();

describe("the per-request session header", () => {
  it("routes an Anthropic call to another session, and is not sent to the provider", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const client = withCompaction(
      new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "main",
        strategy: null,
        onEvent: (event) => events.push(event),
        diagnosticsChannel: false,
      },
    );
    const params = {
      model: "claude-sonnet-4-6",
      max_tokens: 50,
      messages: [{ role: "user" as const, content: "Hi." }],
    };
    await client.messages.create(params);
    await client.messages.create(params, { headers: { [SESSION_HEADER]: "side-task", "x-other": "kept" } });
    await client.messages
      .stream(
        { ...params, messages: [{ role: "user", content: "A longer question here." }] },
        { headers: { [SESSION_HEADER]: "side-task" } },
      )
      .finalMessage();

    expect((await sessionReport(client)).calls).toBe(1);
    const side = await sessionReport(client, "side-task");
    expect(side.calls).toBe(2);
    expect(side.session).toBe("side-task");
    expect(events.filter((event) => event.type === "call").map((event) => event.session)).toEqual([
      "main",
      "side-task",
      "side-task",
    ]);
    for (const request of target.requests) expect(request.headers[SESSION_HEADER]).toBeUndefined();
    expect(target.requests[1]?.headers["x-other"]).toBe("kept");
  });

  it("routes OpenAI chat and Responses calls too", async () => {
    const target = await server();
    const client = withCompaction(
      new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
      {
        session: "main",
        strategy: null,
        diagnosticsChannel: false,
      },
    );
    await client.chat.completions.create(
      { model: "gpt-5", messages: [{ role: "user", content: "Hi." }] },
      { headers: { [SESSION_HEADER]: "chat-side" } },
    );
    await client.responses.create(
      { model: "gpt-5", input: [{ role: "user", content: "Hi." }] },
      { headers: { [SESSION_HEADER]: "responses-side" } },
    );
    await client.chat.completions.create({ model: "gpt-5", messages: [{ role: "user", content: "Hi." }] });
    expect((await sessionReport(client)).calls).toBe(1);
    expect((await sessionReport(client, "chat-side")).calls).toBe(1);
    expect((await sessionReport(client, "responses-side")).calls).toBe(1);
    for (const request of target.requests) expect(request.headers[SESSION_HEADER]).toBeUndefined();
  });
});
