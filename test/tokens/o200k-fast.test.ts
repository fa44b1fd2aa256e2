import fc from "fast-check";
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import { describe, expect, it } from "vitest";
import { countO200kTokens, maxPieceLength } from "../../src/tokens/index.js";

// countO200kTokens does its own byte-pair merging (and an ASCII-only pre-tokenising pattern) for speed; these
// properties hold it to js-tiktoken's encoder, the reference, on text without over-long pieces.
const reference = new Tiktoken(o200k);
const referenceCount = (text: string) => reference.encode(text, [], []).length;
const longRun = new RegExp(`\\S{${maxPieceLength},}|\\s{${maxPieceLength},}`, "u");

const fragments = [
  "a",
  "Z",
  "the",
  " The",
  "don't",
  "WE'LL",
  " ",
  "  ",
  "\n",
  "\r\n",
  "\t",
  "=",
  "==",
  "/",
  "./src/",
  "_",
  "-",
  ".",
  "()",
  "{}",
  '"',
  "'",
  "1",
  "123",
  "4567",
  "é",
  "naïve",
  "東京",
  "🚀",
  "Ünïcödé",
  "ß",
  "\u00a0",
  "x_y",
  "fooBar",
];
const text = fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((parts) => parts.join(""));

describe("countO200kTokens agrees with js-tiktoken", () => {
  it("on ASCII and Unicode mixes of code-like fragments", () => {
    fc.assert(
      fc.property(text, (sample) => {
        fc.pre(!longRun.test(sample));
        expect(countO200kTokens(sample)).toBe(referenceCount(sample));
      }),
      { numRuns: 1000 },
    );
  });

  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 80 }), (sample) => {
        fc.pre(!longRun.test(sample));
        expect(countO200kTokens(sample)).toBe(referenceCount(sample));
      }),
      { numRuns: 1000 },
    );
  });

  it("gives the same count the second time (the piece memo)", () => {
    const sample = "def parse_config(path):\n    return load(path)  # 2024-11-28 東京\n";
    expect(countO200kTokens(sample)).toBe(countO200kTokens(sample));
    expect(countO200kTokens(sample)).toBe(referenceCount(sample));
  });
});
