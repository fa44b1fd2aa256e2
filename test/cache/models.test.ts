import { describe, expect, it } from "vitest";
import {
  anthropicMinimumCacheableTokens,
  openAIHasExplicitBreakpoints,
  parseClaudeModel,
} from "../../src/cache/index.js";

describe("model rules", () => {
  it.each([
    ["claude-sonnet-4-5", 1024],
    ["claude-sonnet-4-20250514", 1024],
    ["claude-opus-4-1-20250805", 1024],
    ["claude-opus-4-5-20251101", 4096],
    ["claude-opus-4-6", 4096],
    ["claude-opus-4-7", 2048],
    ["claude-haiku-4-5-20251001", 4096],
    ["claude-3-5-haiku-20241022", 2048],
    ["anthropic/claude-opus-4.6", 4096],
    ["claude-sonnet-5", 512],
    ["some-other-model", 1024],
  ])("gives %s a minimum cacheable prefix of %i tokens", (model, minimum) => {
    expect(anthropicMinimumCacheableTokens(model)).toBe(minimum);
  });

  it("reads dated and legacy Claude names", () => {
    expect(parseClaudeModel("claude-3-7-sonnet-20250219")).toEqual({ family: "sonnet", major: 3, minor: 7 });
    expect(parseClaudeModel("claude-sonnet-4-20250514")).toEqual({ family: "sonnet", major: 4, minor: 0 });
  });

  it.each([
    ["gpt-5.6", true],
    ["gpt-6", true],
    ["gpt-5.1", false],
    ["gpt-5-2025-08-07", false],
    ["gpt-4o", false],
  ])("knows whether %s takes explicit breakpoints (%s)", (model, explicit) => {
    expect(openAIHasExplicitBreakpoints(model)).toBe(explicit);
  });
});
