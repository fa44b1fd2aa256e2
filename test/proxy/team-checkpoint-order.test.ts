/**
 * A checkpoint reaches a shared store before the answer of the call that made it (issue 12): an agent's calls go
 * to two runtimes in turn (each a `compactorFetch` with its own Redis store, as two processes would be), and every
 * save to Redis is slowed by 150 ms. The call that compacts hands its answer on only once its checkpoint is
 * stored, so the next call, served by the other runtime, continues from that checkpoint: one compacted view, not
 * a second compaction of the full history (which a stale copy sends). Plain and streamed, Anthropic Messages.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, compactorFetch, redisStore, type SessionStore } from "../../src/index.js";
import { reply, startTestServer } from "../../src/testing/index.js";
import type { FetchFunction } from "../../src/wrapper/index.js";
import { observationMasking } from "../../strategies/index.js";
import type { Trigger } from "../../strategies/types.js";
import { redisSkipReason, useRedisServer } from "../support/redis.js";

const redisUrl = useRedisServer();
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const steps = 10;
const compactAt = 4;
const saveDelayMs = 150;

/** The store, with every save held back `saveDelayMs` (a slow or distant Redis). */
function slowSaves(store: SessionStore): SessionStore {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key === "save") {
        return async (...args: Parameters<SessionStore["save"]>) => {
          await new Promise((resolve) => setTimeout(resolve, saveDelayMs));
          return target.save(...args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const output = (step: number) => `file_${step}.txt\n${`line ${step}: ${"x".repeat(60)}\n`.repeat(60)}`;

function messagesOf(body: unknown): string[] {
  const messages = (body as { messages?: unknown[] }).messages ?? [];
  return messages.map((message) =>
    JSON.stringify(message, (key, value) => (key === "cache_control" ? undefined : value)),
  );
}

describe.skipIf(redisSkipReason !== undefined)(
  `a checkpoint is stored before its answer${redisSkipReason ? ` (${redisSkipReason})` : ""}`,
  () => {
    for (const stream of [false, true]) {
      it(`${stream ? "streamed" : "plain"}: the other runtime continues from it, with saves slowed by ${saveDelayMs} ms`, async () => {
        let step = 0;
        const server = await startTestServer({
          script: () => {
            const current = step++;
            return current >= steps - 1
              ? reply.text("Done.")
              : reply.toolCall("bash", { command: `cat file_${current}.txt` }, { text: `Step ${current}.` });
          },
        });
        cleanup.push(() => server.close());
        const prefix = `checkpoint-order-${stream}-${Date.now()}:`;
        const events: CompactorEvent[] = [];
        const trigger: Trigger = {
          name: "once",
          shouldCompact: (context) => context.callIndex === compactAt,
        };
        const runtimes = [0, 1].map((): FetchFunction => {
          const store = redisStore({ url: redisUrl(), prefix });
          cleanup.push(async () => store.dispose?.());
          return compactorFetch({
            session: "checkpoint-order",
            store: slowSaves(store),
            strategy: observationMasking({ keepLast: 1, minTokens: 20 }),
            trigger,
            diagnosticsChannel: false,
            onEvent: (event) => events.push(event),
          });
        });
        let call = 0;
        const fetch: FetchFunction = (input, init) => {
          const url = new URL(input instanceof Request ? input.url : String(input));
          const target = `${server.anthropicBaseURL}${url.pathname}${url.search}`;
          return (runtimes[call % 2] as FetchFunction)(
            input instanceof Request ? new Request(target, input) : target,
            init,
          );
        };
        const client = new Anthropic({
          apiKey: "k",
          baseURL: "http://upstream.invalid",
          maxRetries: 0,
          fetch,
        });
        const tools: Anthropic.Tool[] = [
          {
            name: "bash",
            description: "Runs a command",
            input_schema: { type: "object", properties: { command: { type: "string" } } },
          },
        ];
        const messages: Anthropic.MessageParam[] = [{ role: "user", content: "Read the files one by one." }];
        for (; call < steps; call++) {
          const params = { model: "claude-sonnet-4-6", max_tokens: 256, tools, messages };
          const message = stream
            ? await client.messages.stream(params).finalMessage()
            : await client.messages.create(params);
          messages.push({ role: "assistant", content: message.content });
          const ids = message.content.flatMap((block) => (block.type === "tool_use" ? [block.id] : []));
          if (ids.length === 0) break;
          messages.push({
            role: "user",
            content: ids.map((id) => ({
              type: "tool_result" as const,
              tool_use_id: id,
              content: output(call),
            })),
          });
        }

        expect(server.requests).toHaveLength(steps);
        for (const request of server.requests) expect(request.validationError).toBeUndefined();
        expect(events.filter((event) => event.type === "compaction")).toHaveLength(1);
        expect(events.filter((event) => event.type === "error")).toEqual([]);
        // One compacted view: every later request extends the one before it (the other runtime found the checkpoint).
        let views = 0;
        for (let index = 1; index < steps; index++) {
          const previous = messagesOf(server.requests[index - 1]?.body);
          const current = messagesOf(server.requests[index]?.body);
          if (!previous.every((message, at) => current[at] === message)) views++;
        }
        expect(views).toBe(1);
        expect(JSON.stringify(server.requests.at(-1)?.body)).not.toContain(output(0).split("\n")[1]);
      });
    }
  },
);
