import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/errors.js";
import { createCalibration, priorRatioForModel } from "../../src/tokens/index.js";
import type { Usage } from "../../src/transcript/types.js";

/** A deterministic pseudo-random source. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * A synthetic session on a tokenizer that counts 1.25× what o200k counts, with a 3,000-token hidden prefix
 * and a little per-call noise (framing the estimate does not see).
 */
function syntheticCalls(calls: number, seed = 7): Array<{ estimate: number; actual: number }> {
  const random = createRandom(seed);
  let estimate = 1500;
  const result: Array<{ estimate: number; actual: number }> = [];
  for (let call = 0; call < calls; call += 1) {
    estimate += 200 + Math.floor(random() * 3000);
    const noise = Math.round((random() - 0.5) * 40);
    result.push({ estimate, actual: Math.round(1.25 * estimate) + 3000 + noise });
  }
  return result;
}

describe("createCalibration", () => {
  it("converges on a 1.25x tokenizer with a hidden 3,000-token prefix", () => {
    const calibration = createCalibration();
    const calls = syntheticCalls(40);
    const errors: number[] = [];
    for (const [index, call] of calls.entries()) {
      if (index >= 3)
        errors.push(Math.abs(calibration.calibrated(call.estimate) - call.actual) / call.actual);
      calibration.observe(call.estimate, call.actual);
    }
    expect(calibration.ratio).toBeGreaterThan(1.22);
    expect(calibration.ratio).toBeLessThan(1.28);
    expect(Math.abs(calibration.offset - 3000)).toBeLessThan(600);
    expect(Math.max(...errors.slice(-20))).toBeLessThan(0.01);
    const estimate = 100_000;
    expect(
      Math.abs(calibration.calibrated(estimate) - (1.25 * estimate + 3000)) / (1.25 * estimate + 3000),
    ).toBeLessThan(0.02);
  });

  it("is far off before calibration and close after three calls", () => {
    const calibration = createCalibration();
    const calls = syntheticCalls(4, 11);
    const last = calls[3] as { estimate: number; actual: number };
    const before = Math.abs(calibration.calibrated(last.estimate) - last.actual) / last.actual;
    for (const call of calls.slice(0, 3)) calibration.observe(call.estimate, call.actual);
    const after = Math.abs(calibration.calibrated(last.estimate) - last.actual) / last.actual;
    expect(before).toBeGreaterThan(0.2);
    expect(after).toBeLessThan(0.02);
  });

  it("takes the truth from usage as input + cache read + cache writes", () => {
    const usage: Usage = {
      inputTokens: 3,
      cacheReadTokens: 11_000,
      cacheWrite5mTokens: 2_000,
      cacheWrite1hTokens: 1_000,
      outputTokens: 500,
      reasoningTokens: 0,
    };
    const calibration = createCalibration();
    calibration.observe(10_000, usage);
    expect(calibration.calibrated(10_000)).toBe(14_003);
  });

  it("ignores steps whose ratio is implausible, such as a changed hidden prefix", () => {
    const calibration = createCalibration();
    calibration.observe(1000, 1250 + 3000);
    calibration.observe(2000, 2500 + 3000);
    expect(calibration.ratio).toBeCloseTo(1.25, 5);
    calibration.observe(2100, 2625 + 9000);
    expect(calibration.ratio).toBeCloseTo(1.25, 5);
  });

  it("uses the prior ratio until increments arrive", () => {
    expect(priorRatioForModel("claude-opus-4-6")).toBe(1.2);
    expect(priorRatioForModel("gpt-4o")).toBe(1);
    const calibration = createCalibration({ priorRatio: 1.2 });
    expect(calibration.calibrated(1000)).toBe(1200);
    expect(calibration.scale(100)).toBeCloseTo(120, 10);
  });

  it("serialises its state as plain JSON and resumes from it", () => {
    const original = createCalibration();
    const calls = syntheticCalls(12, 3);
    for (const call of calls.slice(0, 8)) original.observe(call.estimate, call.actual);
    const saved = JSON.parse(JSON.stringify(original.state()));
    const resumed = createCalibration({}, saved);
    expect(resumed.state()).toEqual(original.state());
    for (const call of calls.slice(8)) {
      expect(resumed.calibrated(call.estimate)).toBe(original.calibrated(call.estimate));
      original.observe(call.estimate, call.actual);
      resumed.observe(call.estimate, call.actual);
    }
    expect(resumed.state()).toEqual(original.state());
    expect(resumed.observations).toBe(12);
  });

  it("rejects a malformed saved state, naming the field", () => {
    const state = createCalibration().state();
    expect(() => createCalibration({}, { ...state, ratio: -1 })).toThrow(InvalidOptionError);
    expect(() => createCalibration({}, { ...state, ratio: Number.NaN })).toThrow(/`state\.ratio`/);
    expect(() => createCalibration({}, { ...state, version: 2 } as never)).toThrow(/`state\.version`/);
    expect(() => createCalibration({}, { ...state, last: { estimate: 1, actual: "x" } } as never)).toThrow(
      /`state\.last\.actual`/,
    );
  });

  it("rejects invalid options and observations", () => {
    expect(() => createCalibration({ ratioSmoothing: 0 })).toThrow(
      /`ratioSmoothing` to be a number in \(0, 1\]/,
    );
    expect(() => createCalibration({ ratioBounds: [2, 1] })).toThrow(/`ratioBounds`/);
    expect(() => createCalibration().observe(-5, 10)).toThrow(/`estimate`/);
    expect(() => createCalibration().observe(5, Number.NaN)).toThrow(/`actual`/);
  });
});
