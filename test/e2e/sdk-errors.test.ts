import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { reply } from "../../src/testing/index.js";
import { useServers } from "./helpers.js";

const server = useServers();

function options(events: CompactorEvent[]) {
  return {
    session: "errors",
    strategy: truncate({ targetRatio: 0.5, keepTurns: 2 }),
    trigger: tokenThreshold(1_000_000),
    onEvent: (event: CompactorEvent) => events.push(event),
    diagnosticsChannel: false,
    summarizer: false as const,
  };
}

const model = "claude-sonnet-4-6";

describe("SDK errors through the wrapped Anthropic client", () => {
  it.each([{ stream: false }, { stream: true }])(
    "a 429 with retry-after reaches the caller as Anthropic.RateLimitError (stream: $stream); the history is kept",
    async ({ stream }) => {
      const target = await server({
        script: ["First answer.", reply.error(429, { retryAfter: 7 }), "After the retry."],
      });
      const events: CompactorEvent[] = [];
      const client = withCompaction(
        new Anthropic({ baseURL: target.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
        options(events),
      );
      const send = (messages: Anthropic.MessageParam[]) =>
        stream
          ? client.messages.stream({ model, max_tokens: 100, messages }).finalMessage()
          : client.messages.create({ model, max_tokens: 100, messages });

      const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Hello." }];
      const first = await send(messages);
      messages.push({ role: "assistant", content: first.content }, { role: "user", content: "And now?" });

      const failure = await send(messages).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
      const rateLimited = failure as InstanceType<typeof Anthropic.RateLimitError>;
      expect(rateLimited.status).toBe(429);
      expect(rateLimited.headers?.get("retry-after")).toBe("7");
      expect(rateLimited.requestID).toBe("req_test_0002");

      // The failed call was not billed, but what the agent sent is in the session.
      let report = await sessionReport(client);
      expect(report.calls).toBe(1);
      expect(report.historyMessages).toBe(3);

      const retried = await send(messages);
      expect(retried.content).toEqual([{ type: "text", text: "After the retry." }]);
      report = await sessionReport(client);
      expect(report.calls).toBe(2);
      expect(report.historyMessages).toBe(3);
      expect(events.filter((event) => event.type === "call")).toHaveLength(2);
      expect(events.filter((event) => event.type === "error")).toEqual([]);
      expect(target.requests.map((request) => request.status)).toEqual([200, 429, 200]);
    },
  );
});

describe("SDK errors through the wrapped OpenAI client", () => {
  it.each([
    { status: 500, errorClass: OpenAI.InternalServerError, api: "chat" as const },
    { status: 429, errorClass: OpenAI.RateLimitError, api: "chat" as const },
    { status: 500, errorClass: OpenAI.InternalServerError, api: "responses" as const },
    { status: 429, errorClass: OpenAI.RateLimitError, api: "responses" as const },
  ])(
    "a $status on $api reaches the caller as the SDK's own error class; the history is kept",
    async ({ status, errorClass, api }) => {
      const target = await server({
        script: ["First answer.", reply.error(status, { retryAfter: 2 }), "Recovered."],
      });
      const events: CompactorEvent[] = [];
      const client = withCompaction(
        new OpenAI({ baseURL: target.openaiBaseURL, apiKey: "test", maxRetries: 0 }),
        options(events),
      );
      const history: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hello." }];
      const send = async (): Promise<string> => {
        if (api === "chat")
          return (
            (await client.chat.completions.create({ model: "gpt-5", messages: history })).choices[0]?.message
              .content ?? ""
          );
        const input = history.map((message) => ({
          role: message.role as "user" | "assistant",
          content: String(message.content),
        }));
        return (await client.responses.create({ model: "gpt-5", input })).output_text;
      };
      history.push({ role: "assistant", content: await send() }, { role: "user", content: "Go on." });

      const failure = await send().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(errorClass);
      expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("2");
      expect((await sessionReport(client)).historyMessages).toBe(3);

      expect(await send()).toBe("Recovered.");
      const report = await sessionReport(client);
      expect(report.calls).toBe(2);
      expect(report.historyMessages).toBe(3);
      expect(events.filter((event) => event.type === "error")).toEqual([]);
    },
  );
});
