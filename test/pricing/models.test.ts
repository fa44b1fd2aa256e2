import { describe, expect, it } from "vitest";
import {
  cheaperSibling,
  contextWindowOf,
  createPriceTable,
  getModelPrice,
  listKnownModels,
  summarizerModelFor,
} from "../../src/pricing/index.js";

const at = { timestamp: new Date("2026-11-01T12:00:00Z") };

describe("lenient model names", () => {
  it.each([
    ["claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"],
    ["anthropic/claude-sonnet-4.5", "anthropic", "claude-sonnet-4-5"],
    ["litellm_proxy/anthropic/claude-sonnet-4-5-20250929", "anthropic", "claude-sonnet-4-5"],
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", "claude-sonnet-4-5"],
    ["claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-0"],
    ["Claude-Haiku-4-5@20251001", "anthropic", "claude-haiku-4-5"],
    ["openrouter/google/gemini-3-pro-preview", "google", "gemini-3-pro-preview"],
    ["google/gemini-3-pro-preview", "google", "gemini-3-pro-preview"],
    ["@google/gemini-3-pro-preview", "google", "gemini-3-pro-preview"],
    ["openai/gpt-5-2025-08-07", "openai", "gpt-5"],
    ["openrouter/openai/gpt-5:nitro", "openai", "gpt-5"],
  ])("%s is priced as %s:%s", (name, provider, model) => {
    expect(getModelPrice(name, at)).toMatchObject({ provider, model });
  });

  it("uses the provider asked for when it has its own price", () => {
    expect(getModelPrice("anthropic/claude-sonnet-4.5", { ...at, provider: "openrouter" })).toMatchObject({
      provider: "openrouter",
      model: "anthropic/claude-sonnet-4.5",
      contextWindow: 1_000_000,
    });
  });

  it("returns the same frozen record for repeated lookups", () => {
    const table = createPriceTable();
    const first = table.getModelPrice("claude-opus-4-6", at);
    expect(table.getModelPrice("claude-opus-4-6", at)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it("resolves time-of-day prices per call, not once per model", () => {
    const table = createPriceTable({ applyCorrections: false });
    const peak = table.getModelPrice("deepseek-chat", { timestamp: Date.parse("2025-06-02T10:00:00Z") });
    const offPeak = table.getModelPrice("deepseek-chat", { timestamp: Date.parse("2025-06-02T20:00:00Z") });
    expect([peak?.input, offPeak?.input]).toEqual([0.27, 0.135]);
  });

  it("rejects an invalid timestamp", () => {
    expect(() => getModelPrice("gpt-5", { timestamp: Number.NaN })).toThrow(/options\.timestamp/);
  });
});

describe("context windows", () => {
  it.each([
    ["claude-opus-4-6", 1_000_000],
    ["claude-haiku-4-5", 200_000],
    ["gpt-5", 400_000],
    ["google/gemini-3-pro-preview", 1_048_576],
    ["gpt-4.1-mini", 1_047_576],
  ])("%s has %i tokens", (model, tokens) => {
    expect(contextWindowOf(model, at)).toBe(tokens);
  });

  it("is unknown for an unknown model", () => {
    expect(contextWindowOf("acme-unreleased-9000")).toBeUndefined();
  });
});

describe("cheaper siblings", () => {
  it.each([
    ["claude-opus-4-6", "claude-sonnet-4-6", "claude-haiku-4-5"],
    ["claude-opus-4-5-20251101", "claude-sonnet-4-5", "claude-haiku-4-5"],
    ["anthropic/claude-opus-4.6", "anthropic/claude-sonnet-4.6", "anthropic/claude-haiku-4.5"],
    ["gpt-5", "gpt-5-mini", "gpt-5-nano"],
    ["gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano"],
    ["gemini-3-pro-preview", "gemini-3-flash-preview", "gemini-3.1-flash-lite"],
    [
      "openrouter/google/gemini-3-pro-preview",
      "openrouter/google/gemini-3-flash-preview",
      "openrouter/google/gemini-3.1-flash-lite",
    ],
  ])("%s → %s, summarized by %s", (model, sibling, summarizer) => {
    expect(cheaperSibling(model)).toBe(sibling);
    expect(summarizerModelFor(model)).toBe(summarizer);
  });

  it("goes one rung at a time", () => {
    expect(cheaperSibling("claude-sonnet-4-6")).toBe("claude-haiku-4-5");
    expect(cheaperSibling("gpt-5-mini")).toBe("gpt-5-nano");
  });

  it("has no sibling below the cheapest model or outside a family", () => {
    expect(cheaperSibling("gpt-5-nano")).toBeUndefined();
    expect(summarizerModelFor("claude-haiku-4-5")).toBeUndefined();
    expect(cheaperSibling("deepseek-chat")).toBeUndefined();
    expect(cheaperSibling("acme-unreleased-9000")).toBeUndefined();
  });

  it("names the family on the price record", () => {
    expect(getModelPrice("claude-opus-4-6")?.family).toBe("claude");
    expect(getModelPrice("gpt-5.4-nano")?.family).toBe("gpt");
    expect(getModelPrice("gemini-3-pro-preview")?.family).toBe("gemini");
  });
});

describe("listKnownModels", () => {
  it("lists the main providers' priced models, not deprecated ones, with overrides", () => {
    const table = createPriceTable({ overrides: { "my-model": { input: 1, output: 2 } } });
    const known = table.listKnownModels(at);
    const names = new Set(known.map((entry) => `${entry.provider}:${entry.model}`));
    for (const name of [
      "anthropic:claude-opus-4-6",
      "openai:gpt-5",
      "google:gemini-3-pro-preview",
      "custom:my-model",
    ]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain("google:gemini-2.5-flash-preview");
    expect(known.every((entry) => entry.price.input >= 0 && entry.price.output >= 0)).toBe(true);
  });

  it("lists only the providers asked for", () => {
    const providers = new Set(listKnownModels({ providers: ["deepseek"] }).map((entry) => entry.provider));
    expect([...providers]).toEqual(["deepseek"]);
  });
});
