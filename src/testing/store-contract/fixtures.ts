/**
 * Session data the contract kit saves: a meta with every optional field filled (checkpoints, calibration,
 * recall exchanges, the last reply...), messages of every block kind with Unicode, and ledger entries with their
 * optional fields and an unpriced call, so that a store that drops or reshapes any field shows.
 *
 * @module
 */
import type { Checkpoint, LedgerEntry, SessionMeta, SessionTotals } from "../../store/types.js";
import type { Message } from "../../transcript/types.js";

/** Totals after `calls` calls. */
export function totalsAfter(calls: number): SessionTotals {
  return {
    calls,
    promptTokens: calls * 12_000,
    outputTokens: calls * 350,
    cacheReadTokens: calls * 9_000,
    cacheWriteTokens: calls * 1_200,
    costUsd: calls * 0.0123,
    uncompactedCostUsd: calls * 0.0311,
    summarizerCostUsd: calls > 2 ? 0.004 : 0,
    unpricedCalls: calls > 1 ? 1 : 0,
    compactions: calls > 2 ? 1 : 0,
  };
}

/** The `index`-th message: user text, assistant thinking + tool call, tool result with an image, summary... */
export function message(index: number, label = "m"): Message {
  switch (index % 4) {
    case 0:
      return {
        role: "user",
        content: [
          { type: "text", text: `${label}${index}: run the tests — ünïcödé ✓ 🚀 "quoted" \\ back\nslash` },
          { type: "text", text: "cached", cacheControl: { type: "ephemeral", ttl: "1h" } },
        ],
      };
    case 1:
      return {
        role: "assistant",
        content: [
          { type: "thinking", text: `thinking ${index}`, signature: `sig-${label}${index}` },
          {
            type: "tool_call",
            id: `call_${label}${index}`,
            name: "bash",
            input: { command: `ls ${index}`, flags: ["-l", "-a"], depth: 2, dry: false, note: null },
            rawArguments: `{"command":"ls ${index}"}`,
          },
        ],
        extra: { stop_reason: "tool_use" },
      };
    case 2:
      return {
        role: "tool",
        content: [
          {
            type: "tool_result",
            callId: `call_${label}${index - 1}`,
            name: "bash",
            isError: index % 8 === 2,
            content: [
              { type: "text", text: `${label}${index}\n${"output line\n".repeat((index % 5) + 1)}` },
              { type: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } },
            ],
            wire: { content: "string" },
          },
        ],
      };
    default:
      return {
        role: "assistant",
        content: [
          { type: "text", text: `${label}${index}: done` },
          {
            type: "opaque",
            format: "openai-responses",
            value: { type: "reasoning", id: `rs_${index}`, summary: [] },
          },
        ],
        pinned: index % 7 === 3,
        wire: { role: "assistant", item: true },
      };
  }
}

/** Messages `[from, to)`. */
export function messages(from: number, to: number, label = "m"): Message[] {
  return Array.from({ length: to - from }, (_, offset) => message(from + offset, label));
}

/** Hashes of messages `[from, to)`. */
export function hashes(from: number, to: number, label = "m"): string[] {
  return Array.from({ length: to - from }, (_, offset) => `hash-${label}${from + offset}`);
}

/** The ledger entry of call `callIndex`: the third is unpriced, later ones went through a checkpoint. */
export function ledgerEntry(callIndex: number): LedgerEntry {
  return {
    callIndex,
    time: 1_700_000_000_000 + callIndex * 1000,
    model: "claude-sonnet-4-5",
    usage: {
      inputTokens: 100 + callIndex,
      cacheReadTokens: callIndex * 900,
      cacheWrite5mTokens: 120,
      cacheWrite1hTokens: 7,
      outputTokens: 40,
      reasoningTokens: 3,
    },
    promptTokens: 1000 + callIndex,
    costUsd: callIndex === 2 ? null : 0.001 * callIndex + 0.0000001,
    uncompactedPromptTokens: 1500 + callIndex,
    uncompactedCostUsd: callIndex === 2 ? null : 0.0017 * callIndex,
    ...(callIndex >= 3 ? { checkpointId: "cp-2", summarizerCostUsd: 0.0042 } : {}),
  };
}

function checkpoint(id: string, covered: number): Checkpoint {
  return {
    id,
    covered,
    prefixHash: `prefix-${id}`,
    replacement: [
      {
        role: "user",
        content: [
          { type: "summary", text: `Summary ${id} — ✓`, replacedMessages: covered, checkpointId: id },
        ],
      },
    ],
    strategy: "summarize",
    createdAtCall: covered,
    tokensBefore: covered * 1000,
    tokensAfter: 400,
  };
}

/** Meta of session `id` after `calls` calls, every optional field filled. */
export function fullMeta(id: string, calls: number): SessionMeta {
  const { replacement: _, ...past } = checkpoint("cp-1", 2);
  return {
    id,
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000 + calls * 1000,
    lastCallAt: 1_700_000_000_000 + calls * 1000 - 5,
    calls,
    checkpoint: checkpoint("cp-2", 4),
    alternateCheckpoints: [checkpoint("cp-alt", 3)],
    pastCheckpoints: [past],
    calibration: { ratio: 1.0375, samples: [0.98, 1.02, 1.11], byModel: { "claude-sonnet-4-5": { n: 3 } } },
    shadowCache: { entries: [{ hash: "abc", tokens: 12_000, writtenAt: 1_700_000_000_000, ttlMs: 300_000 }] },
    lastUsage: {
      inputTokens: 12,
      cacheReadTokens: 11_000,
      cacheWrite5mTokens: 800,
      cacheWrite1hTokens: 0,
      outputTokens: 350,
      reasoningTokens: 0,
    },
    lastResponse: { role: "assistant", content: [{ type: "text", text: `answer ${calls}` }] },
    recall: { turns: 2, answered: 3, unanswered: 1, dropped: 0, costUsd: 0.0021 },
    recallExchanges: [
      {
        anchor: "fp-1",
        entries: [{ type: "function_call", call_id: "r1" }, { type: "function_call_output" }],
        checkpointId: "cp-2",
      },
    ],
    totals: totalsAfter(calls),
  };
}

/** A meta with only the required fields (what a brand-new session saves). */
export function bareMeta(id: string, calls: number): SessionMeta {
  return {
    id,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000 + calls * 1000,
    calls,
    pastCheckpoints: [],
    totals: totalsAfter(calls),
  };
}
