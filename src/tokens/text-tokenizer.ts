/**
 * Counting the tokens of plain text with OpenAI's `o200k_base` encoding (js-tiktoken). The rank file (about
 * 2 MB of JavaScript, ~1 s to parse) is loaded once, the first time a count is asked for, never at import.
 *
 * js-tiktoken's byte-pair merge is cubic in the length of one pre-tokenised piece: 10,000 spaces in a row
 * take about 20 s. Tool outputs do hold such pieces (padding, long `=====` rules, runs of one letter), so
 * text with a run of {@link maxPieceLength} or more non-space (or space) characters is split at the encoding's
 * own piece boundaries into segments that encode exactly, and only a piece longer than
 * {@link maxPieceLength} is encoded in slices of that length. Counts are exact unless a single piece is that
 * long, and then within about a token per slice.
 *
 * @module
 */
import { createRequire } from "node:module";
import type { Tiktoken, TiktokenBPE } from "js-tiktoken/lite";

/** Counts the tokens of a string. Any tokenizer can stand in for the default o200k one. */
export interface TextTokenizer {
  /** Tokens of `text`; special-token spellings such as `<|endoftext|>` count as ordinary text. */
  countTokens(text: string): number;
}

/** Pre-tokenised pieces longer than this are encoded in slices of this many characters. */
export const maxPieceLength = 64;

/** A piece longer than {@link maxPieceLength} needs a run this long of non-space or space characters. */
const longRunPattern = new RegExp(`\\S{${maxPieceLength},}|\\s{${maxPieceLength},}`, "u");

interface LoadedEncoding {
  encoder: Tiktoken;
  /** The encoding's pre-tokenisation pattern (global, unicode), as js-tiktoken uses it. */
  piecePattern: RegExp;
}

let loaded: LoadedEncoding | undefined;

/** Loads js-tiktoken and the o200k rank file on first use (synchronously, so counting stays synchronous). */
function loadEncoding(): LoadedEncoding {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    const { Tiktoken: TiktokenClass } = require("js-tiktoken/lite") as { Tiktoken: typeof Tiktoken };
    const ranks = require("js-tiktoken/ranks/o200k_base") as TiktokenBPE;
    loaded = { encoder: new TiktokenClass(ranks), piecePattern: new RegExp(ranks.pat_str, "gu") };
  }
  return loaded;
}

/** Exact o200k count of text whose pieces are all short. */
function encodeLength(text: string): number {
  return text.length === 0 ? 0 : loadEncoding().encoder.encode(text, [], []).length;
}

/** Counts one over-long piece slice by slice; identical slices (a run of one character) are encoded once. */
function countLongPiece(piece: string): number {
  const sliceCounts = new Map<string, number>();
  let total = 0;
  for (let start = 0; start < piece.length; start += maxPieceLength) {
    const slice = piece.slice(start, start + maxPieceLength);
    let count = sliceCounts.get(slice);
    if (count === undefined) {
      count = encodeLength(slice);
      sliceCounts.set(slice, count);
    }
    total += count;
  }
  return total;
}

/** Splits text at piece boundaries: runs of short pieces are encoded whole, long pieces slice by slice. */
function countWithLongPieces(text: string): number {
  const { piecePattern } = loadEncoding();
  let total = 0;
  let segmentStart = 0;
  for (const match of text.matchAll(piecePattern)) {
    if (match[0].length <= maxPieceLength) continue;
    total += encodeLength(text.slice(segmentStart, match.index)) + countLongPiece(match[0]);
    segmentStart = match.index + match[0].length;
  }
  return total + encodeLength(text.slice(segmentStart));
}

/**
 * o200k tokens of `text`: exact unless one pre-tokenised piece is longer than {@link maxPieceLength}
 * characters, and guarded against js-tiktoken's slow path on such pieces.
 */
export function countO200kTokens(text: string): number {
  if (text.length < maxPieceLength || !longRunPattern.test(text)) return encodeLength(text);
  return countWithLongPieces(text);
}

/** The default tokenizer: o200k_base through js-tiktoken, loaded lazily (see {@link countO200kTokens}). */
export const o200kTokenizer: TextTokenizer = { countTokens: countO200kTokens };

/** True once the o200k rank file has been loaded (it is loaded by the first count). */
export function isO200kLoaded(): boolean {
  return loaded !== undefined;
}
