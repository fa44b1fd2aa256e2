/**
 * Small recorded sessions for the bench's recall and forgetting tests: a fact (`handle_request_0`) only the first
 * tool output holds, used again by the last call.
 */
import type { Message, RecordedCall, Transcript } from "../../src/transcript/types.js";

export const filler = (turn: number) =>
  Array.from({ length: 60 }, (_, line) => `line ${line} of output ${turn}: nothing to see here`).join("\n");

/**
 * A text agent (mini-swe-agent style): commands in the assistant's text, their output back as user text. The
 * first output names `deep_module_0.py` and `handle_request_0`; the last call uses both again.
 */
export function textAgentSession(turns: number): Transcript {
  const messages: Message[] = [
    {
      role: "system",
      content: [{ type: "text", text: "You are a coding agent. Reply with one bash block." }],
    },
    { role: "user", content: [{ type: "text", text: "Fix the failing test." }] },
  ];
  const calls: RecordedCall[] = [];
  for (let turn = 0; turn < turns; turn++) {
    const last = turn === turns - 1;
    calls.push({ promptStart: 0, promptEnd: messages.length, responseIndex: messages.length });
    messages.push({
      role: "assistant",
      content: [
        {
          type: "text",
          text: last
            ? "The bug is in src/pkg/deep_module_0.py, in handle_request_0.\n```bash\necho done\n```"
            : `Step ${turn}.\n\`\`\`bash\ncat notes_${turn}.txt\n\`\`\``,
        },
      ],
    });
    if (last) break;
    messages.push({
      role: "user",
      content: [
        {
          type: "text",
          text: `src/pkg/deep_module_${turn}.py defines handle_request_${turn}\n${filler(turn)}`,
        },
      ],
    });
  }
  return {
    file: "text-agent.json",
    id: "text-agent",
    format: "openai-chat",
    provider: "openai-chat",
    model: "gpt-5",
    messages,
    calls,
  };
}

/**
 * A tool-calling agent whose first call reads `src/pkg/deep_module_0.py` by name; its output names
 * `handle_request_0`. The last call uses both: the path survives in the agent's own call (and in a masking
 * placeholder), the function name only in the output.
 */
export function toolAgentSession(turns: number): Transcript {
  const messages: Message[] = [{ role: "user", content: [{ type: "text", text: "Fix the failing test." }] }];
  const calls: RecordedCall[] = [];
  const start = Date.UTC(2026, 0, 5, 9);
  for (let turn = 0; turn < turns; turn++) {
    const id = `call_${turn}`;
    const last = turn === turns - 1;
    calls.push({
      promptStart: 0,
      promptEnd: messages.length,
      responseIndex: messages.length,
      timestamp: start + turn * 5_000,
    });
    messages.push({
      role: "assistant",
      content: [
        {
          type: "text",
          text: last ? "The fix belongs in handle_request_0 (src/pkg/deep_module_0.py)." : `Step ${turn}.`,
        },
        { type: "tool_call", id, name: "bash", input: { command: `cat src/pkg/deep_module_${turn}.py` } },
      ],
    });
    messages.push({
      role: "user",
      content: [
        {
          type: "tool_result",
          callId: id,
          content: [
            {
              type: "text",
              text: `# src/pkg/deep_module_${turn}.py\ndef handle_request_${turn}(request):\n${filler(turn)}`,
            },
          ],
        },
      ],
    });
  }
  return {
    file: "tool-agent.json",
    id: "tool-agent",
    format: "anthropic-messages",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    messages,
    calls,
  };
}
