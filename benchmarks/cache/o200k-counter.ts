/**
 * A minimal o200k token counter for the cache benchmark, memoised per block object. It stands in for the
 * project's estimator (src/tokens/), which did not exist when this benchmark was written; any counter with
 * the same signature can replace it. Absolute counts do not matter much here: the benchmark rescales them per
 * session against the usage the provider recorded.
 *
 * @module
 */
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import type { SegmentPlace, SegmentTokenCounter } from "../../src/cache/index.js";
import type { Block, ToolDefinition } from "../../src/transcript/types.js";

/** Tokens assumed for an image whose size is unknown (about 1,100 x 1,100 pixels at Anthropic's 750 px/token). */
const imageTokens = 1600;
/** Framing tokens around each block (role markers, block delimiters). */
const blockOverhead = 3;

const encoder = new Tiktoken(o200k);
const memo = new WeakMap<object, number>();

/** o200k tokens of a string. */
export function countText(text: string): number {
  return text.length === 0 ? 0 : encoder.encode(text, "all").length;
}

function countBlock(block: Block | ToolDefinition): number {
  if (!("type" in block)) return countText(JSON.stringify(block));
  switch (block.type) {
    case "text":
    case "summary":
    case "thinking":
      return countText(block.text);
    case "image":
      return imageTokens;
    case "tool_call":
      return countText(block.name) + countText(block.rawArguments ?? JSON.stringify(block.input ?? {}));
    case "tool_result":
      return block.content.reduce((sum, part) => sum + countBlock(part), 0);
    default:
      return countText(JSON.stringify(block));
  }
}

/** Counts one block or tool definition, memoised per object. */
export const countO200k: SegmentTokenCounter = (item: Block | ToolDefinition, _place: SegmentPlace) => {
  let tokens = memo.get(item);
  if (tokens === undefined) {
    tokens = countBlock(item) + blockOverhead;
    memo.set(item, tokens);
  }
  return tokens;
};
