/**
 * Small session fixtures for the store tests: meta, messages (text, tool call, tool result, Unicode) and ledger
 * entries that differ per index, so that a misplaced or duplicated item shows.
 *
 * @module
 */
import type { LedgerEntry, SessionMeta } from "../../src/store/types.js";
import type { Message } from "../../src/transcript/types.js";

/** Meta of session `id` after `calls` calls. */
export function meta(id: string, calls: number): SessionMeta {
  return {
    id,
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000 + calls * 1000,
    calls,
    pastCheckpoints: [],
    totals: {
      calls,
      promptTokens: calls * 1000,
      outputTokens: calls * 50,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: calls * 0.0123,
      uncompactedCostUsd: calls * 0.0123,
      summarizerCostUsd: 0,
      unpricedCalls: 0,
      compactions: 0,
    },
  };
}

/** The `index`-th message of a session: cycles through user text, assistant tool call and tool result. */
export function message(index: number, label = "m"): Message {
  switch (index % 3) {
    case 0:
      return {
        role: "user",
        content: [{ type: "text", text: `${label}${index}: run the tests — ünïcödé ✓ 🚀` }],
      };
    case 1:
      return {
        role: "assistant",
        content: [
          { type: "tool_call", id: `call_${label}${index}`, name: "bash", input: { command: `ls ${index}` } },
        ],
      };
    default:
      return {
        role: "tool",
        content: [
          {
            type: "tool_result",
            callId: `call_${label}${index - 1}`,
            content: [{ type: "text", text: `${label}${index}\n${"output line\n".repeat(index % 7)}` }],
          },
        ],
      };
  }
}

/** Messages `[from, to)` of a session. */
export function messages(from: number, to: number, label = "m"): Message[] {
  return Array.from({ length: to - from }, (_, offset) => message(from + offset, label));
}

/** Hashes of messages `[from, to)`. */
export function hashes(from: number, to: number, label = "m"): string[] {
  return Array.from({ length: to - from }, (_, offset) => `hash-${label}${from + offset}`);
}

/** The ledger entry of call `callIndex`. */
export function ledgerEntry(callIndex: number): LedgerEntry {
  return {
    callIndex,
    time: 1_700_000_000_000 + callIndex * 1000,
    model: "claude-sonnet-4-5",
    usage: {
      inputTokens: 100 + callIndex,
      cacheReadTokens: callIndex * 900,
      cacheWrite5mTokens: 120,
      cacheWrite1hTokens: 0,
      outputTokens: 40,
      reasoningTokens: 0,
    },
    promptTokens: 1000 + callIndex,
    costUsd: callIndex === 2 ? null : 0.001 * callIndex,
    uncompactedPromptTokens: 1000 + callIndex,
    uncompactedCostUsd: 0.001 * callIndex,
  };
}
