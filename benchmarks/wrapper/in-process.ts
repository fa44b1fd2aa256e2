/**
 * compactor's own CPU time per call, without network or server: the session runtime behind `withCompaction`
 * (memory store, strategy, trigger) prepares each request and settles it with a synthetic response whose usage
 * is the size of what was sent. CPU time (`process.cpuUsage`) rather than wall time, so that other processes on
 * the machine do not count.
 *
 * @module
 */
import type Anthropic from "@anthropic-ai/sdk";
import { createRuntime as sourceRuntime } from "../../src/session/runtime.js";
import { memoryStore as sourceStore } from "../../src/store/memory.js";
import type { Strategy, Trigger } from "../../strategies/types.js";
import { buildHistory } from "./history.js";

/** CPU milliseconds per call (prepare + settle), after `skip` warm-up calls, and of the first call. */
export interface InProcessResult {
  perCallMs: number[];
  firstCallMs: number;
  compactions: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Tokens of what was sent, as the test server counts them (JSON length / 4): the synthetic usage. */
function sentTokens(messages: unknown): number {
  return Math.ceil(JSON.stringify(messages).length / 4);
}

/** The runtime's constructors: this tree's sources by default, or another build's (a baseline). */
export interface RuntimeModules {
  createRuntime: typeof sourceRuntime;
  memoryStore: typeof sourceStore;
}

/** Runs `calls` (+ `skip` warm-up) calls on a history of `size` tokens, each appending a reply and a user turn. */
export async function measureInProcess(
  size: number,
  options: { calls: number; skip: number; strategy: Strategy; trigger: Trigger; modules?: RuntimeModules },
): Promise<InProcessResult> {
  let compactions = 0;
  const { createRuntime, memoryStore } = options.modules ?? { createRuntime: sourceRuntime, memoryStore: sourceStore };
  const runtime = createRuntime({
    store: memoryStore(),
    strategy: options.strategy,
    trigger: options.trigger,
    emit: (event) => {
      if (event.type === "compaction") compactions++;
    },
    defaultSession: "bench",
  });
  const history: Anthropic.MessageParam[] = buildHistory(size);
  const system = [
    { type: "text" as const, text: "You are a coding agent.", cache_control: { type: "ephemeral" as const } },
  ];
  const perCallMs: number[] = [];
  let firstCallMs = 0;
  for (let index = 0; index < options.calls + options.skip + 1; index++) {
    const params = { model: "claude-sonnet-4-6", max_tokens: 256, system, messages: history };
    const preparing = process.cpuUsage();
    const prepared = await runtime.prepare({
      format: "anthropic",
      sessionId: "bench",
      params,
      stream: false,
    });
    const prepareMs = cpuMs(preparing);
    const prompt = sentTokens(prepared.params.messages);
    const response = {
      id: `msg_${index}`,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [{ type: "text", text: "Next." }],
      stop_reason: "end_turn",
      usage: {
        input_tokens: 20,
        cache_read_input_tokens: prompt,
        cache_creation_input_tokens: 0,
        output_tokens: 3,
      },
    };
    const settling = process.cpuUsage();
    await prepared.settle({ kind: "response", response, durationMs: 1 });
    const total = prepareMs + cpuMs(settling);
    if (index === 0) firstCallMs = total;
    else if (index > options.skip) perCallMs.push(total);
    history.push(
      { role: "assistant", content: [{ type: "text", text: "Next." }] },
      { role: "user", content: `Continue with step ${index}.` },
    );
  }
  return { perCallMs, firstCallMs, compactions };
}
