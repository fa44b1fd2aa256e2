import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type MessageReply,
  type ReplyPart,
  reply,
  startTestServer,
  type TestServer,
} from "../../src/testing/index.js";

// Real recorded tau-bench sessions (gpt-4o, native tool calls), read from ../shared, never copied here.
const repositoryRoot = path.resolve(import.meta.dirname, "../..");
const transcripts = path.resolve(repositoryRoot, "../shared/transcripts");
const tauBench = path.join(transcripts, "tau-bench");
const files = existsSync(tauBench) ? readdirSync(tauBench).filter((name) => name.endsWith(".json")) : [];

type ChatMessage = OpenAI.ChatCompletionMessageParam & {
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> | null;
};

function readSession(file: string): ChatMessage[] {
  return (JSON.parse(readFileSync(path.join(tauBench, file), "utf8")) as { traj: ChatMessage[] }).traj;
}

/** The recorded assistant message as a scripted reply. */
function replyFor(message: ChatMessage): MessageReply {
  const parts: ReplyPart[] = [];
  if (typeof message.content === "string" && message.content !== "") {
    parts.push({ type: "text", text: message.content });
  }
  for (const call of message.tool_calls ?? []) {
    parts.push({
      type: "tool_call",
      id: call.id,
      name: call.function.name,
      input: JSON.parse(call.function.arguments),
    });
  }
  return reply.message(parts);
}

/** OpenAI's reported cached tokens for a fully cached prefix of `tokens`. */
const cachedFor = (tokens: number) => (tokens < 1024 ? 0 : 1024 + Math.floor((tokens - 1024) / 128) * 128);

let server: TestServer;
let client: OpenAI;
beforeEach(async () => {
  server = await startTestServer();
  client = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 });
});
afterEach(() => server.close());

describe.skipIf(files.length === 0)(`replaying real tau-bench sessions (needs ${tauBench})`, () => {
  it.each(files)(
    "replays %s call by call: every request valid, every repeated prefix cached",
    async (file) => {
      const session = readSession(file);
      const calls = session.flatMap((message, index) => (message.role === "assistant" ? [index] : []));
      for (const index of calls) {
        const recorded = session[index] as ChatMessage;
        server.enqueue(replyFor(recorded));
        const completion = await client.chat.completions.create({
          model: "gpt-4o",
          messages: session.slice(0, index),
        });
        const answer = completion.choices[0]?.message;
        expect(answer?.content ?? null).toBe(recorded.content || null);
        expect(
          answer?.tool_calls?.map((call) => call.type === "function" && [call.id, call.function.name]),
        ).toEqual(recorded.tool_calls?.map((call) => [call.id, call.function.name]));
      }
      expect(server.requests.every((request) => request.status === 200)).toBe(true);
      const usages = server.requests.map((request) => request.usage);
      for (const [position, usage] of usages.entries()) {
        const previousPrompt = position === 0 ? 0 : (usages[position - 1]?.promptTokens ?? 0);
        expect(usage?.cacheReadTokens).toBe(cachedFor(previousPrompt));
      }
    },
  );

  it("rejects the session once a tool message is dropped", async () => {
    const session = readSession(files[0] as string);
    const toolIndex = session.findIndex((message) => message.role === "tool");
    const broken = [...session.slice(0, toolIndex), ...session.slice(toolIndex + 1)];
    const error = await client.chat.completions
      .create({ model: "gpt-4o", messages: broken })
      .catch((caught) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe(`messages.[${toolIndex - 1}].role`);
  });
});
