import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One billed call of a synthetic Claude Code session. */
export interface FixtureCall {
  time: string;
  input: number;
  output: number;
  read?: number;
  write?: number;
  model?: string;
}

/** A small Claude Code session log (JSONL) with one user turn and one assistant response per call. */
export function claudeCodeSession(calls: readonly FixtureCall[], sessionId = "fixture"): string {
  const lines: unknown[] = [];
  calls.forEach((call, index) => {
    lines.push({
      type: "user",
      uuid: `u${index}`,
      sessionId,
      timestamp: call.time,
      message: { role: "user", content: `question ${index}` },
    });
    lines.push({
      type: "assistant",
      uuid: `a${index}`,
      sessionId,
      timestamp: call.time,
      message: {
        id: `msg_${sessionId}_${index}`,
        role: "assistant",
        model: call.model ?? "claude-sonnet-4-5",
        content: [{ type: "text", text: `answer ${index}` }],
        usage: {
          input_tokens: call.input,
          output_tokens: call.output,
          cache_read_input_tokens: call.read ?? 0,
          cache_creation_input_tokens: call.write ?? 0,
        },
      },
    });
  });
  return `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`;
}

/** A fresh temporary folder. */
export function tempFolder(name = "compactor-cli-"): string {
  return mkdtempSync(join(tmpdir(), name));
}
