/**
 * Fault 15's fix counts texts over 256k characters from samples. How close that is to the exact count, on logs,
 * source code and prose: the exact count is the sum over pieces below the threshold, cut at line ends.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { countO200kTokens, sampledAbove } from "../../src/tokens/text-tokenizer.js";

function exact(text: string): number {
  let total = 0;
  const lines = text.split("\n");
  let chunk: string[] = [];
  let size = 0;
  for (const line of lines) {
    chunk.push(line);
    size += line.length + 1;
    if (size > sampledAbove / 2) {
      total += countO200kTokens(chunk.join("\n"));
      chunk = [];
      size = 0;
    }
  }
  return total + countO200kTokens(chunk.join("\n"));
}

function sourceCode(): string {
  const root = path.resolve(import.meta.dirname, "../../src");
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) files.push(readFileSync(full, "utf8"));
    }
  };
  walk(root);
  return files.join("\n");
}

describe("token counts of long texts from samples", () => {
  it("are within 3% of the exact count on a log, source code and prose", () => {
    const log = Array.from(
      { length: 20_000 },
      (_, index) =>
        `2026-12-04T19:${String(index % 60).padStart(2, "0")}:00Z INFO worker-${index % 17} item ${index} took ${(index * 7) % 1000} ms`,
    ).join("\n");
    const code = sourceCode();
    const prose = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8").repeat(6);
    for (const [name, text] of [
      ["log", log],
      ["code", code],
      ["prose", prose],
    ] as const) {
      expect(text.length).toBeGreaterThan(sampledAbove);
      const sampled = countO200kTokens(text);
      const counted = exact(text);
      console.info(
        `${name}: ${text.length} characters, sampled ${sampled}, exact ${counted} (${(((sampled - counted) / counted) * 100).toFixed(2)}%)`,
      );
      expect(Math.abs(sampled - counted) / counted).toBeLessThan(0.03);
    }
  });

  it("stay within 3% on a text repeated any number of times (evenly spaced windows aliased: 5.4% off)", () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
    for (const copies of [3, 4, 5, 7, 10, 13]) {
      const text = readme.repeat(Math.ceil((sampledAbove * copies) / 3 / readme.length));
      expect(text.length).toBeGreaterThan(sampledAbove);
      const counted = exact(text);
      expect(Math.abs(countO200kTokens(text) - counted) / counted).toBeLessThan(0.03);
    }
  });
});
