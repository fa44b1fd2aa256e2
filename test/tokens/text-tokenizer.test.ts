import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";
import { describe, expect, it } from "vitest";
import { countO200kTokens, isO200kLoaded, maxPieceLength } from "../../src/tokens/index.js";

const reference = new Tiktoken(o200k);
const referenceCount = (text: string) => reference.encode(text, [], []).length;

describe("countO200kTokens", () => {
  it("matches js-tiktoken o200k_base exactly on known strings", () => {
    const samples = [
      "",
      "hello world",
      "Hello, world! How are you today?",
      "def add(a, b):\n    return a + b\n",
      '{"command":"grep -rn TimeSeries astropy/timeseries","timeout":30}',
      "naïve café — 東京 🚀 Ünïcödé",
      "line one\r\n\tline two\n\n\n    indented",
      "<|endoftext|> and <|im_start|> are plain text here",
    ];
    for (const text of samples) expect(countO200kTokens(text), text).toBe(referenceCount(text));
  });

  it("knows the o200k counts of a few strings", () => {
    expect(countO200kTokens("hello world")).toBe(2);
    expect(countO200kTokens("")).toBe(0);
  });

  it("stays exact on text with long non-space runs made of short pieces", () => {
    const path = `/usr/lib/python3/site-packages/${"module_name/".repeat(12)}file.py`;
    const minified = JSON.stringify({
      items: Array.from({ length: 40 }, (_, index) => ({ id: index, ok: true })),
    });
    for (const text of [path, minified, `see ${path} and ${minified}`]) {
      expect(text.length).toBeGreaterThan(maxPieceLength);
      expect(countO200kTokens(text)).toBe(referenceCount(text));
    }
  });

  it("counts a long single piece slice by slice, close to the exact count", () => {
    const text = `before ${"=".repeat(5 * maxPieceLength)} after`;
    const exact = referenceCount(text);
    expect(Math.abs(countO200kTokens(text) - exact)).toBeLessThanOrEqual(5);
  });

  it("counts 100,000 spaces quickly (js-tiktoken alone takes minutes)", () => {
    const started = performance.now();
    const tokens = countO200kTokens(" ".repeat(100_000));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(tokens).toBeGreaterThan(0);
    expect(tokens).toBeLessThan(2000);
  });

  it("reports the rank file as loaded once a count was made", () => {
    countO200kTokens("load");
    expect(isO200kLoaded()).toBe(true);
  });
});
