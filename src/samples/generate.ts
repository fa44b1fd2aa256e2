/**
 * Deterministic sample sessions, shaped like a coding agent's: a system prompt, a task, then turns of an
 * assistant calling tools (read a file, run tests, grep, edit) and ever longer tool outputs, with the assistant
 * referring back to identifiers it saw earlier. They are what `compactor bench` replays when given no files.
 *
 * @module
 */
import type { Message, RecordedCall, ToolDefinition, Transcript } from "../transcript/types.js";

/** Options of {@link generateSampleSession}. */
export interface SampleOptions {
  /** Seed of the pseudo-random generator; the same seed gives the same session. */
  seed: number;
  /** Number of API calls (assistant turns). */
  calls: number;
  /** Model recorded for the session. @default "claude-sonnet-4-5" */
  model?: string;
  /** Id of the session. @default `sample-<seed>-<calls>` */
  id?: string;
}

/** mulberry32: small, fast, good enough for shaping test data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const words = [
  "parse",
  "config",
  "token",
  "buffer",
  "session",
  "cache",
  "index",
  "render",
  "client",
  "queue",
  "retry",
  "stream",
  "schema",
  "ledger",
  "budget",
  "window",
];
const folders = ["src", "src/core", "src/util", "lib", "test", "src/api"];

const tools: ToolDefinition[] = [
  {
    name: "bash",
    description: "Run a shell command in the repository and return its output.",
    parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
  },
  {
    name: "read_file",
    description: "Read a file of the repository.",
    parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
  {
    name: "edit_file",
    description: "Replace text in a file.",
    parameters: {
      type: "object",
      properties: { path: { type: "string" }, old: { type: "string" }, new: { type: "string" } },
      required: ["path", "old", "new"],
    },
  },
];

/** Generates one sample session. */
export function generateSampleSession(options: SampleOptions): Transcript {
  const next = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const identifier = () =>
    `${pick(words)}${pick(words).replace(/^./, (letter) => letter.toUpperCase())}${Math.floor(next() * 90 + 10)}`;
  const path = () => `${pick(folders)}/${pick(words)}_${pick(words)}.py`;
  const model = options.model ?? "claude-sonnet-4-5";
  const seen: string[] = [];

  const codeLines = (count: number): string => {
    const lines: string[] = [];
    for (let line = 0; line < count; line++) {
      const name = identifier();
      if (next() < 0.3) seen.push(name);
      lines.push(
        next() < 0.2
          ? `def ${name}(${pick(words)}, ${pick(words)}=None):`
          : `    ${pick(words)} = ${name}(${pick(words)}.${pick(words)}, ${Math.floor(next() * 5000)})`,
      );
    }
    return lines.join("\n");
  };

  const system = [
    "You are a careful software engineer working in a repository through tools.",
    "Read before you edit, run the tests after every change, and explain what you found.",
    ...Array.from(
      { length: 60 },
      (_, index) =>
        `Rule ${index + 1}: ${pick(words)} the ${pick(words)} before you ${pick(words)} any ${pick(words)}; keep ${pick(words)} and ${pick(words)} consistent.`,
    ),
  ].join("\n");
  const messages: Message[] = [
    {
      role: "user",
      content: [
        {
          type: "text",
          text: `Fix the failing test in ${path()}: ${identifier()} returns the wrong ${pick(words)} when the ${pick(words)} is empty.`,
        },
      ],
    },
  ];
  const calls: RecordedCall[] = [];
  let time = Date.UTC(2026, 0, 5, 9, 0, 0) + options.seed * 1000;
  for (let call = 0; call < options.calls; call++) {
    calls.push({
      promptStart: 0,
      promptEnd: messages.length,
      responseIndex: messages.length,
      model,
      timestamp: time,
    });
    const last = call === options.calls - 1;
    const mention = seen.length > 0 ? ` I will look at ${pick(seen)} next.` : "";
    if (last) {
      messages.push({
        role: "assistant",
        content: [{ type: "text", text: `The fix is in place and the tests pass.${mention}` }],
      });
      break;
    }
    const kind = pick(["read", "test", "grep", "edit", "read", "test"] as const);
    const id = `toolu_${options.seed}_${call}`;
    const input =
      kind === "read"
        ? { path: path() }
        : kind === "edit"
          ? { path: path(), old: identifier(), new: identifier() }
          : { command: kind === "test" ? `pytest -x ${path()}` : `grep -rn ${identifier()} src` };
    messages.push({
      role: "assistant",
      content: [
        {
          type: "text",
          text: `Next I ${kind === "test" ? "run the tests" : kind === "edit" ? "edit the file" : kind === "grep" ? "search the code" : "read the file"}.${mention}`,
        },
        {
          type: "tool_call",
          id,
          name: kind === "read" ? "read_file" : kind === "edit" ? "edit_file" : "bash",
          input,
        },
      ],
    });
    // Tool outputs grow as the agent digs deeper: a few hundred tokens early, thousands later.
    const growth = 1 + (call / Math.max(1, options.calls)) * 3;
    const size = Math.floor(
      (kind === "read" ? 60 : kind === "test" ? 45 : kind === "grep" ? 20 : 4) * growth * (0.5 + next()),
    );
    const output =
      kind === "test"
        ? `${codeLines(size)}\nFAILED test_${pick(words)}.py::test_${identifier()} - AssertionError: ${Math.floor(next() * 900 + 100)} != ${Math.floor(next() * 900 + 100)}`
        : kind === "edit"
          ? `Edited ${path()}: ${size} lines changed.`
          : codeLines(size);
    messages.push({
      role: "user",
      content: [{ type: "tool_result", callId: id, content: [{ type: "text", text: output }] }],
    });
    // Seconds between calls; now and then the developer steps away longer than the cache lifetime.
    time += next() < 0.04 ? 7 * 60_000 : Math.floor(4_000 + next() * 30_000);
  }
  return {
    file: `sample:${options.seed}`,
    id: options.id ?? `sample-${options.seed}-${options.calls}`,
    format: "anthropic-messages",
    provider: "anthropic",
    model,
    system: [{ type: "text", text: system }],
    tools,
    messages,
    calls,
  };
}

/** The default sample set: coding-agent sessions, short and long, from fixed seeds. */
export function sampleSessions(): Transcript[] {
  return [
    generateSampleSession({ seed: 1, calls: 20 }),
    generateSampleSession({ seed: 2, calls: 45 }),
    generateSampleSession({ seed: 3, calls: 90 }),
    generateSampleSession({ seed: 4, calls: 160 }),
    generateSampleSession({ seed: 5, calls: 120, model: "gpt-5" }),
  ].map((session) =>
    session.model === "gpt-5"
      ? { ...session, provider: "openai-chat" as const, format: "openai-chat" as const }
      : session,
  );
}
