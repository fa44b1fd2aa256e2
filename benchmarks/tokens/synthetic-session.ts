/**
 * A deterministic synthetic agent session for the scaling benchmark: turns of an assistant tool call and a
 * tool result of varied, code-like text, about {@link tokensPerTurn} o200k tokens a turn.
 *
 * @module
 */
import type { Message } from "../../src/transcript/types.js";

/** Approximate o200k tokens of one generated turn (assistant call + tool result). */
export const tokensPerTurn = 1000;

const vocabulary = [
  "def",
  "return",
  "self",
  "import",
  "value",
  "config",
  "request",
  "response",
  "error",
  "handler",
  "session",
  "token",
  "cache",
  "result",
  "index",
  "buffer",
  "stream",
  "parse",
  "render",
  "update",
  "(",
  ")",
  ":",
  "=",
  "==",
  "+=",
  "{",
  "}",
  "[",
  "]",
  ",",
  ".",
  "->",
  "#",
  "\n",
  "\n    ",
  "\n        ",
];

/** A small linear congruential generator, so every run builds the same session. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Builds turns on demand; turn `n` is always the same text. */
export function createTurnGenerator(seed = 42): (turn: number) => Message[] {
  const random = createRandom(seed);
  const words = (count: number): string => {
    const parts: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const word = vocabulary[Math.floor(random() * vocabulary.length)] as string;
      parts.push(random() < 0.1 ? `${word}${Math.floor(random() * 1000)}` : word);
    }
    return parts.join(" ");
  };
  return (turn) => {
    const callId = `call_${turn}`;
    return [
      {
        role: "assistant",
        content: [
          { type: "text", text: words(60) },
          { type: "tool_call", id: callId, name: "bash", input: { command: `grep -rn ${words(3)} src/` } },
        ],
      },
      {
        role: "tool",
        content: [
          { type: "tool_result", callId, name: "bash", content: [{ type: "text", text: words(800) }] },
        ],
      },
    ];
  };
}
