/**
 * A tokenizer that counts with the real o200k tokenizer and records every text it was asked to encode, so
 * tests can assert what was (and was not) tokenised.
 */
import { countO200kTokens, type TextTokenizer } from "../../src/tokens/index.js";

/** The real tokenizer plus the list of texts it encoded. */
export interface SpyTokenizer extends TextTokenizer {
  readonly encoded: string[];
}

export function createSpyTokenizer(): SpyTokenizer {
  const encoded: string[] = [];
  return {
    encoded,
    countTokens(text) {
      encoded.push(text);
      return countO200kTokens(text);
    },
  };
}
