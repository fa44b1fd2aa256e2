/**
 * The cache markers compactor reads off an Anthropic request without serialising it (`scanCacheMarkers`): the
 * cache lifetime a request asks for and where it caches (the counterfactual's layout) come from them.
 */
import { describe, expect, it } from "vitest";
import { scanCacheMarkers } from "../../src/session/breakpoints.js";
import { requestCacheTtlMs } from "../../src/session/compaction.js";

const hour = 60 * 60_000;
const marked = (ttl?: "5m" | "1h") => ({
  type: "text",
  text: "x",
  cache_control: { type: "ephemeral", ...(ttl ? { ttl } : {}) },
});

describe("scanCacheMarkers", () => {
  it("finds markers on system blocks, tool definitions, messages and a tool result's own blocks", () => {
    expect(scanCacheMarkers([marked()])).toEqual({ any: true, hour: false, fiveMinutes: false });
    expect(
      scanCacheMarkers([{ name: "bash", input_schema: {}, cache_control: { type: "ephemeral", ttl: "1h" } }])
        .hour,
    ).toBe(true);
    const nested = {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "t", content: [marked("5m")] }],
    };
    expect(scanCacheMarkers(nested)).toEqual({ any: true, hour: false, fiveMinutes: true });
    expect(scanCacheMarkers({ cache_control: { type: "ephemeral", ttl: "1h" } }).hour).toBe(true);
  });

  it("finds none in plain strings, unmarked blocks, a null marker, or a tool's input that mentions one", () => {
    const toolUse = {
      role: "assistant",
      content: [
        {
          type: "tool_use",
          id: "t",
          name: "set",
          input: { cache_control: { type: "ephemeral", ttl: "1h" } },
        },
      ],
    };
    expect(
      scanCacheMarkers("You are a coding agent.", [{ type: "text", text: '"cache_control"' }], toolUse),
    ).toEqual({
      any: false,
      hour: false,
      fiveMinutes: false,
    });
    expect(scanCacheMarkers({ cache_control: null }).any).toBe(false);
    expect(scanCacheMarkers({ cache_control: undefined }, undefined, null).any).toBe(false);
  });

  it("gives requestCacheTtlMs the request's lifetime from the tail only, whatever a tool input says", () => {
    const messages = [{ role: "user", content: [marked("1h")] }];
    for (let index = 0; index < 4; index++)
      messages.push({ role: "user", content: [{ type: "text", text: "x" }] } as never);
    // The 1-hour marker is five messages back: breakpoints are looked for on the last four only.
    expect(requestCacheTtlMs("anthropic", { messages })).toBeUndefined();
    messages.push({ role: "user", content: [marked("1h")] });
    expect(requestCacheTtlMs("anthropic", { messages })).toBe(hour);
    const toolInput = [
      { role: "assistant", content: [{ type: "tool_use", id: "t", name: "cfg", input: { ttl: "1h" } }] },
    ];
    expect(requestCacheTtlMs("anthropic", { messages: toolInput })).toBeUndefined();
  });
});
