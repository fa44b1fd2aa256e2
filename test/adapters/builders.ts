/** Terse builders of neutral messages for invariant tests. */
import type { Block, Conversation, Message, ProviderFormat } from "../../src/transcript/types.js";

export const text = (value: string): Block => ({ type: "text", text: value });
export const call = (id: string, name = "bash"): Block => ({
  type: "tool_call",
  id,
  name,
  input: { command: id },
});
export const result = (id: string, output = `output of ${id}`): Block => ({
  type: "tool_result",
  callId: id,
  content: [{ type: "text", text: output }],
});
export const thinking = (value: string): Block => ({
  type: "thinking",
  text: value,
  signature: `sig-${value}`,
});
export const summary = (value: string): Block => ({ type: "summary", text: value });

export const user = (...content: Block[]): Message => ({ role: "user", content });
export const assistant = (...content: Block[]): Message => ({ role: "assistant", content });
export const tool = (...content: Block[]): Message => ({ role: "tool", content });
export const system = (...content: Block[]): Message => ({ role: "system", content });

export function conversation(
  format: ProviderFormat,
  messages: Message[],
  extra: Partial<Conversation> = {},
): Conversation {
  return { format, messages, ...extra };
}
