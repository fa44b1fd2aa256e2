/**
 * What each part of a request costs in tokens, before any memoisation: the rules the estimator applies to
 * blocks, messages, tool definitions and the system prompt. Framing follows OpenAI's published recipe (about
 * 3 tokens a message, 3 to prime the reply); other providers' framing differs by a few tokens a message,
 * which per-session calibration absorbs.
 *
 * @module
 */
import type { Block, Message, ToolDefinition } from "../transcript/types.js";
import type { TextTokenizer } from "./text-tokenizer.js";

/** The fixed costs the rules add on top of the text they encode. */
export interface CountingRules {
  /** Tokenizer for every piece of text. */
  tokenizer: TextTokenizer;
  /** Tokens assumed for any image. */
  imageTokens: number;
  /** Framing tokens per message (role marker, separators). */
  messageOverhead: number;
  /** Framing tokens per tool definition. */
  toolDefinitionOverhead: number;
}

/** Framing tokens around one tool call or tool result block (ids, delimiters), on top of its text. */
export const toolBlockOverhead = 3;

/**
 * Characters per token assumed for opaque data the model does not read as text (redacted thinking,
 * encrypted reasoning): such data is sent back and billed, but its token count is not knowable from the bytes.
 */
export const opaqueCharactersPerToken = 4;

/** JSON text of a value for counting; `undefined` (no arguments, no schema) counts as nothing. */
function jsonText(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}

/** Tokens of one block, framing included for tool calls and results. */
export function countBlockTokens(block: Block, rules: CountingRules): number {
  const { tokenizer } = rules;
  switch (block.type) {
    case "text":
    case "summary":
      return tokenizer.countTokens(block.text);
    case "image":
      return rules.imageTokens;
    case "tool_call":
      return (
        toolBlockOverhead +
        tokenizer.countTokens(block.name) +
        tokenizer.countTokens(block.rawArguments ?? jsonText(block.input))
      );
    case "tool_result": {
      let total = toolBlockOverhead;
      for (const part of block.content) total += countBlockTokens(part, rules);
      return total;
    }
    case "thinking": {
      const opaque = (block.redactedData?.length ?? 0) + (block.encryptedContent?.length ?? 0);
      return tokenizer.countTokens(block.text) + Math.ceil(opaque / opaqueCharactersPerToken);
    }
    case "opaque":
      return tokenizer.countTokens(jsonText(block.value));
  }
}

/** Tokens of a list of blocks (a system prompt, a message's content), without message framing. */
export function countBlocksTokens(blocks: readonly Block[], rules: CountingRules): number {
  let total = 0;
  for (const block of blocks) total += countBlockTokens(block, rules);
  return total;
}

/** Tokens of one message: its blocks plus {@link CountingRules.messageOverhead}. */
export function countMessageTokens(message: Message, rules: CountingRules): number {
  return rules.messageOverhead + countBlocksTokens(message.content, rules);
}

/** Tokens of one tool definition: name, description and JSON schema, plus its framing. */
export function countToolTokens(tool: ToolDefinition, rules: CountingRules): number {
  const { tokenizer } = rules;
  return (
    rules.toolDefinitionOverhead +
    tokenizer.countTokens(tool.name) +
    tokenizer.countTokens(tool.description ?? "") +
    tokenizer.countTokens(jsonText(tool.parameters))
  );
}
