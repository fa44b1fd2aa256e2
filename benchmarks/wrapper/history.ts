/**
 * A long Anthropic agent history for the wrapper benchmark: turns of an assistant tool call and its (large)
 * tool result, grown to a target size once and then shared, as the raw message objects an agent keeps.
 *
 * @module
 */
import type Anthropic from "@anthropic-ai/sdk";

/** Characters per token of the test server's default counter (`JSON.stringify(part).length / 4`). */
const charactersPerToken = 4;

function toolResultText(turn: number, lines: number): string {
  const out: string[] = [];
  for (let line = 0; line < lines; line++) {
    out.push(
      `src/pkg_${turn % 97}/mod_${line}.py:${line * 3 + 1}: value_${turn}_${line} = compute(request, retries=${line % 7})`,
    );
  }
  return out.join("\n");
}

/** One turn: the assistant's tool call and the user's tool result (about 1,500 tokens). */
export function turn(index: number): Anthropic.MessageParam[] {
  const id = `toolu_bench_${index}`;
  return [
    {
      role: "assistant",
      content: [
        { type: "text", text: `Step ${index}: looking at the next module.` },
        { type: "tool_use", id, name: "bash", input: { command: `grep -rn value_${index} src` } },
      ],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: toolResultText(index, 60) }] },
  ];
}

/** A history of about `tokens` tokens: the task, then whole turns (ends with a tool result). */
export function buildHistory(tokens: number): Anthropic.MessageParam[] {
  const history: Anthropic.MessageParam[] = [{ role: "user", content: "Fix the failing handler in src/." }];
  let characters = 0;
  for (let index = 0; characters / charactersPerToken < tokens; index++) {
    const next = turn(index);
    history.push(...next);
    characters += JSON.stringify(next).length;
  }
  return history;
}
