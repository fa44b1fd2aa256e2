/**
 * A text-only conversation driven through `stream: true` on each API, collecting every event the caller sees.
 * The agent appends the answer it knows the script gives, so the history does not depend on the stream.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import type { ScriptFunction } from "../../src/testing/index.js";
import { reply } from "../../src/testing/index.js";

/** Which streaming API a loop calls. */
export type StreamApi = "anthropic" | "openai-chat" | "openai-responses";

/** The script's answer at call `index`: a few hundred tokens. */
export function answerText(index: number): string {
  return `Answer ${index}: ${"the handler reads the request, validates it and retries on conflict. ".repeat(25)}`;
}

/** The user's message at call `index`: a few hundred tokens. */
export function questionText(index: number): string {
  return `Question ${index}: ${"please look again at the module and its failing tests. ".repeat(30)}`;
}

/** A script that answers {@link answerText} of the call index. */
export const answerScript: ScriptFunction = (_request, context) => reply.text(answerText(context.callIndex));

const system = `You are a helpful agent. ${"Be precise. ".repeat(50)}`;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Runs `calls` streamed calls; returns the events of each call, in order. */
export async function runStreamLoop(
  client: Anthropic | OpenAI,
  api: StreamApi,
  calls: number,
): Promise<unknown[][]> {
  const perCall: unknown[][] = [];
  const turns: Array<{ role: "user" | "assistant"; content: string }> = [];
  for (let index = 0; index < calls; index++) {
    turns.push({ role: "user", content: questionText(index) });
    if (api === "anthropic") {
      const anthropic = client as Anthropic;
      const stream = await anthropic.messages.create({
        model: "claude-sonnet-4-6",
        max_tokens: 1024,
        system: [{ type: "text", text: system, cache_control: { type: "ephemeral" } }],
        messages: turns.map((turn) => ({ ...turn })),
        stream: true,
      });
      perCall.push(await collect(stream));
    } else if (api === "openai-chat") {
      const openai = client as OpenAI;
      const stream = await openai.chat.completions.create({
        model: "gpt-5",
        messages: [{ role: "system", content: system }, ...turns],
        stream: true,
        stream_options: { include_usage: true },
      });
      perCall.push(await collect(stream));
    } else {
      const openai = client as OpenAI;
      const stream = await openai.responses.create({
        model: "gpt-5",
        instructions: system,
        input: turns.map((turn) => ({ ...turn })),
        stream: true,
      });
      perCall.push(await collect(stream));
    }
    turns.push({ role: "assistant", content: answerText(index) });
  }
  return perCall;
}

/** A deep copy without any `usage` field (compaction changes the counts, nothing else). */
export function withoutUsage(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUsage);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "usage")
      .map(([key, item]) => [key, withoutUsage(item)]),
  );
}
