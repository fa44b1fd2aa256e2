/**
 * Counting the tokens of plain text with OpenAI's `o200k_base` encoding (the rank file js-tiktoken ships). The
 * rank file (about 2 MB of JavaScript) is loaded once, the first time a count is asked for, never at import.
 *
 * Counting does not go through js-tiktoken's encoder, which keys ranks by comma-joined byte lists and
 * re-encodes every piece: text is pre-tokenised with the encoding's own pattern, each piece is byte-pair
 * merged against the same ranks (the same merges, so the same counts), and each distinct piece's count is
 * remembered. On agent transcripts that is about 5× faster cold and 15× faster once the vocabulary is seen.
 *
 * Byte-pair merging is quadratic or worse in the length of one piece (js-tiktoken takes about 20 s on 10,000
 * spaces). Tool outputs do hold such pieces (padding, long `=====` rules, runs of one letter), so in text with
 * a run of {@link maxPieceLength} or more non-space (or space) characters, a piece longer than
 * {@link maxPieceLength} is counted in slices of that length. Counts are exact unless a single piece is that
 * long, and then within about a token per slice. Texts longer than {@link sampledAbove} characters are counted
 * from evenly spaced samples (see `countSampled`), so that a multi-megabyte tool output does not block the event
 * loop.
 *
 * @module
 */
import { createRequire } from "node:module";
import type { TiktokenBPE } from "js-tiktoken/lite";

/** Counts the tokens of a string. Any tokenizer can stand in for the default o200k one. */
export interface TextTokenizer {
  /** Tokens of `text`; special-token spellings such as `<|endoftext|>` count as ordinary text. */
  countTokens(text: string): number;
}

/** Pre-tokenised pieces longer than this are encoded in slices of this many characters. */
export const maxPieceLength = 64;

/** A piece longer than {@link maxPieceLength} needs a run this long of non-space or space characters. */
const longRunPattern = new RegExp(`\\S{${maxPieceLength},}|\\s{${maxPieceLength},}`, "u");

/** Most distinct pieces whose counts are remembered; the memo is emptied when it grows past this. */
const pieceMemoLimit = 200_000;

interface LoadedEncoding {
  /** Rank of each token, keyed by its bytes as a binary (latin1) string. */
  ranks: Map<string, number>;
  /** The encoding's pre-tokenisation pattern (global, unicode), as js-tiktoken uses it. */
  piecePattern: RegExp;
  /** The same pattern for pure-ASCII text, with its Unicode classes spelled out in ASCII (about 2× faster). */
  asciiPattern: RegExp | undefined;
  /** Token count of each piece seen so far. */
  pieces: Map<string, number>;
}

let loaded: LoadedEncoding | undefined;

/**
 * Loads the o200k rank file on first use (synchronously, so counting stays synchronous). js-tiktoken's own
 * encoder keys its ranks by comma-joined byte lists and re-encodes every piece; counting only needs the
 * ranks, keyed here by byte strings, and remembers each piece's count, which is what makes re-counting the
 * same vocabulary (code, paths, logs) cheap.
 */
function loadEncoding(): LoadedEncoding {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    const file = require("js-tiktoken/ranks/o200k_base") as TiktokenBPE;
    const ranks = new Map<string, number>();
    for (const line of file.bpe_ranks.split("\n")) {
      if (line === "") continue;
      const fields = line.split(" ");
      const offset = Number.parseInt(fields[1] ?? "", 10);
      for (let index = 2; index < fields.length; index++) {
        ranks.set(Buffer.from(fields[index] as string, "base64").toString("latin1"), offset + index - 2);
      }
    }
    loaded = {
      ranks,
      piecePattern: new RegExp(file.pat_str, "gu"),
      asciiPattern: asciiPatternOf(file.pat_str),
      pieces: new Map(),
    };
  }
  return loaded;
}

/**
 * The o200k pattern restricted to ASCII text: on such text `\p{Lu}` is `[A-Z]`, `\p{Ll}` is `[a-z]`, `\p{N}` is
 * `[0-9]`, and the other letter and mark classes match nothing, so the pieces are the same. Undefined when the
 * pattern holds a class this translation does not know (then the Unicode pattern is always used).
 */
function asciiPatternOf(pattern: string): RegExp | undefined {
  const ascii = pattern
    .replaceAll("[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]", "[A-Z]")
    .replaceAll("[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]", "[a-z]")
    .replaceAll("[^\\r\\n\\p{L}\\p{N}]", "[^\\r\\nA-Za-z0-9]")
    .replaceAll("[^\\s\\p{L}\\p{N}]", "[^\\sA-Za-z0-9]")
    .replaceAll("\\p{N}", "[0-9]");
  return ascii.includes("\\p{") ? undefined : new RegExp(ascii, "g");
}

/** True for text of ASCII characters only (code points below 128). */
function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 127) return false;
  return true;
}

/**
 * Tokens of one pre-tokenised piece: byte-pair merging exactly as tiktoken does it (repeatedly merge the
 * adjacent pair whose joined bytes have the lowest rank, the leftmost on ties), counting the parts left.
 */
function bytePairCount(piece: string, ranks: Map<string, number>): number {
  const bytes = Buffer.from(piece, "utf8").toString("latin1");
  if (bytes.length <= 1 || ranks.has(bytes)) return 1;
  // boundaries[i] is where part i starts; the last entry is the end of the piece.
  const boundaries: number[] = [];
  for (let index = 0; index <= bytes.length; index++) boundaries.push(index);
  const pairRank = (part: number): number => {
    const end = boundaries[part + 2];
    return end === undefined
      ? Number.POSITIVE_INFINITY
      : (ranks.get(bytes.slice(boundaries[part], end)) ?? Number.POSITIVE_INFINITY);
  };
  const pairRanks: number[] = [];
  for (let part = 0; part < boundaries.length - 2; part++) pairRanks.push(pairRank(part));
  while (pairRanks.length > 0) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let part = 0; part < pairRanks.length; part++) {
      const rank = pairRanks[part] as number;
      if (rank < bestRank) {
        bestRank = rank;
        best = part;
      }
    }
    if (best < 0) break;
    boundaries.splice(best + 1, 1);
    pairRanks.splice(best, 1);
    if (best < pairRanks.length) pairRanks[best] = pairRank(best);
    if (best > 0) pairRanks[best - 1] = pairRank(best - 1);
  }
  return boundaries.length - 1;
}

/** Tokens of a piece no longer than {@link maxPieceLength} (or of any piece when exact counts are wanted). */
function pieceCount(piece: string, encoding: LoadedEncoding): number {
  let count = encoding.pieces.get(piece);
  if (count === undefined) {
    count = bytePairCount(piece, encoding.ranks);
    if (encoding.pieces.size >= pieceMemoLimit) encoding.pieces.clear();
    encoding.pieces.set(piece, count);
  }
  return count;
}

/** Counts one over-long piece slice by slice (each slice pre-tokenised on its own). */
function countLongPiece(piece: string, encoding: LoadedEncoding): number {
  let total = 0;
  for (let start = 0; start < piece.length; start += maxPieceLength) {
    total += countPieces(piece.slice(start, start + maxPieceLength), encoding);
  }
  return total;
}

/**
 * Sum of the counts of the pieces of `text`. A piece longer than {@link maxPieceLength} is counted exactly
 * unless the text holds a run of that many non-space (or space) characters, where it is counted slice by slice.
 */
function countPieces(text: string, encoding: LoadedEncoding): number {
  const pattern = new RegExp(
    encoding.asciiPattern !== undefined && isAscii(text) ? encoding.asciiPattern : encoding.piecePattern,
  );
  let total = 0;
  let longRuns: boolean | undefined;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const piece = match[0];
    if (piece.length <= maxPieceLength) total += pieceCount(piece, encoding);
    else {
      longRuns ??= longRunPattern.test(text);
      total += longRuns ? countLongPiece(piece, encoding) : pieceCount(piece, encoding);
    }
  }
  return total;
}

/**
 * o200k tokens of `text`: exact unless one pre-tokenised piece is longer than {@link maxPieceLength}
 * characters, and guarded against js-tiktoken's slow path on such pieces.
 */
export function countO200kTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length > sampledAbove) return countSampled(text, loadEncoding());
  return countPieces(text, loadEncoding());
}

/**
 * Texts longer than this many characters (a multi-megabyte tool output) are counted from samples: counting all
 * of 5 MB takes about half a second of CPU, during which the event loop is blocked.
 */
export const sampledAbove = 262_144;
/** Samples taken of a long text, and their length in characters. */
const sampleCount = 96;
const sampleLength = 2048;

/** ASCII letters of `text` between `start` and `end`; every other character is counted apart. */
function lettersIn(text: string, start: number, end: number): number {
  let letters = 0;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index) | 32;
    if (code >= 97 && code <= 122) letters++;
  }
  return letters;
}

/**
 * Tokens of a long text estimated from {@link sampleCount} windows (cut at whitespace), one in each of as many
 * equal strata at a fixed pseudo-random offset within it (so that windows do not land on the same spot of each
 * copy of a repeated text). The windows' tokens are fitted as `a × letters + b × other characters`, and the fit
 * is applied to the whole text's counts of both (one cheap pass): a table of numbers and a page of prose have
 * very different tokens per character, and the letter share tells them apart, so the estimate follows the mix
 * of the whole text rather than that of the windows. Within a few percent on logs, code, prose and Markdown with
 * large tables, at a fixed cost of about 200k characters counted.
 */
function countSampled(text: string, encoding: LoadedEncoding): number {
  const stride = Math.floor(text.length / sampleCount);
  const slack = Math.max(0, stride - sampleLength);
  let seed = 0x9e3779b9;
  // Sums for the least-squares fit tokens ≈ a·letters + b·others (no intercept).
  let ll = 0;
  let lo = 0;
  let oo = 0;
  let lt = 0;
  let ot = 0;
  let characters = 0;
  let tokens = 0;
  for (let index = 0; index < sampleCount; index++) {
    // xorshift32: the same offsets for the same length, so a count is reproducible.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    let start = index * stride + ((seed >>> 0) % (slack + 1));
    let end = Math.min(text.length, start + sampleLength);
    // Start and end at whitespace when one is near, so that no piece is cut in two.
    const space = text.slice(start, start + 64).search(/\s/);
    if (space > 0) start += space;
    const after = text.slice(end, end + 64).search(/\s/);
    if (after >= 0) end += after;
    const counted = countPieces(text.slice(start, end), encoding);
    const letters = lettersIn(text, start, end);
    const others = end - start - letters;
    ll += letters * letters;
    lo += letters * others;
    oo += others * others;
    lt += letters * counted;
    ot += others * counted;
    characters += end - start;
    tokens += counted;
  }
  if (characters === 0) return 0;
  const ratioEstimate = Math.ceil((tokens * text.length) / characters);
  const determinant = ll * oo - lo * lo;
  // Windows of one uniform kind (a log of like lines) leave the fit undetermined: scale by length instead.
  if (determinant <= 1e-9 * ll * oo) return ratioEstimate;
  const perLetter = (lt * oo - ot * lo) / determinant;
  const perOther = (ot * ll - lt * lo) / determinant;
  if (perLetter < 0 || perOther < 0) return ratioEstimate;
  const letters = lettersIn(text, 0, text.length);
  return Math.ceil(perLetter * letters + perOther * (text.length - letters));
}

/** The default tokenizer: o200k_base through js-tiktoken, loaded lazily (see {@link countO200kTokens}). */
export const o200kTokenizer: TextTokenizer = { countTokens: countO200kTokens };

/** True once the o200k rank file has been loaded (it is loaded by the first count). */
export function isO200kLoaded(): boolean {
  return loaded !== undefined;
}
