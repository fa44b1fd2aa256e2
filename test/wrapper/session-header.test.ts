import { describe, expect, it } from "vitest";
import { takeSessionHeader } from "../../src/wrapper/internal/session-header.js";

describe("takeSessionHeader", () => {
  it("returns the options object itself when there is no header", () => {
    const options = { timeout: 5, headers: { "x-other": "1" } };
    expect(takeSessionHeader(options)).toEqual({ sessionId: undefined, requestOptions: options });
    expect(takeSessionHeader(options).requestOptions).toBe(options);
    expect(takeSessionHeader(undefined)).toEqual({ sessionId: undefined, requestOptions: undefined });
  });

  it("takes it from a plain object, any case, without touching the user's object", () => {
    const headers = { "X-Compactor-Session": "a", "x-other": "1" };
    const options = { headers, timeout: 5 };
    const result = takeSessionHeader(options);
    expect(result).toEqual({ sessionId: "a", requestOptions: { headers: { "x-other": "1" }, timeout: 5 } });
    expect(headers).toEqual({ "X-Compactor-Session": "a", "x-other": "1" });
  });

  it("takes it from a Headers object, a list of pairs and an array value", () => {
    const fromHeaders = takeSessionHeader({
      headers: new Headers({ "x-compactor-session": "b", "x-other": "1" }),
    });
    expect(fromHeaders.sessionId).toBe("b");
    const sent = (fromHeaders.requestOptions as { headers: Headers }).headers;
    expect([...sent.entries()]).toEqual([["x-other", "1"]]);

    const fromPairs = takeSessionHeader({
      headers: [
        ["x-other", "1"],
        ["x-compactor-session", "c"],
      ],
    });
    expect(fromPairs).toEqual({ sessionId: "c", requestOptions: { headers: [["x-other", "1"]] } });

    expect(takeSessionHeader({ headers: { "x-compactor-session": ["d", "e"] } }).sessionId).toBe("e");
  });

  it("takes it from the SDKs' nullable headers", () => {
    const brand = Symbol("brand");
    const headers = {
      [brand]: true,
      values: new Headers({ "x-compactor-session": "f" }),
      nulls: new Set(["x-gone"]),
    };
    const result = takeSessionHeader({ headers });
    expect(result.sessionId).toBe("f");
    const sent = (result.requestOptions as { headers: typeof headers }).headers;
    expect(sent[brand]).toBe(true);
    expect(sent.values.has("x-compactor-session")).toBe(false);
    expect([...sent.nulls]).toEqual(["x-gone"]);
  });

  it("removes an empty or cleared header but keeps the default session", () => {
    expect(takeSessionHeader({ headers: { "x-compactor-session": "  " } })).toEqual({
      sessionId: undefined,
      requestOptions: { headers: {} },
    });
    expect(takeSessionHeader({ headers: { "x-compactor-session": null } }).sessionId).toBeUndefined();
  });
});
