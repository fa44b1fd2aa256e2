import Anthropic from "@anthropic-ai/sdk";
import { APIPromise as AnthropicAPIPromise } from "@anthropic-ai/sdk/core/api-promise";
import OpenAI from "openai";
import { APIPromise as OpenAIAPIPromise } from "openai/core/api-promise";
import { describe, expect, it, vi } from "vitest";
import { apiPromiseSupport } from "../../src/wrapper/internal/api-promise.js";
import { wrapWith } from "../../src/wrapper/internal/wrap.js";
import { recordingHandler } from "./recording-handler.js";

describe("apiPromiseSupport", () => {
  it("finds the APIPromise class of the client's own SDK copy without sending a request", () => {
    const fetch = vi.fn();
    const anthropic = new Anthropic({ apiKey: "test", baseURL: "http://127.0.0.1:9", fetch });
    const openai = new OpenAI({ apiKey: "test", baseURL: "http://127.0.0.1:9", fetch });
    expect(apiPromiseSupport(anthropic, "@anthropic-ai/sdk")?.ApiPromise).toBe(AnthropicAPIPromise);
    expect(apiPromiseSupport(openai, "openai")?.ApiPromise).toBe(OpenAIAPIPromise);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("falls back to the SDK package resolvable from compactor when the client cannot be probed", () => {
    class Unprobeable {}
    const support = apiPromiseSupport(new Unprobeable(), "openai");
    expect(typeof support?.ApiPromise.prototype.withResponse).toBe("function");
  });

  it("is undefined when no APIPromise can be found", () => {
    class Unknown {}
    expect(apiPromiseSupport(new Unknown(), "no-such-sdk-package")).toBeUndefined();
  });
});

describe("wrapWith on an SDK whose internals are unknown", () => {
  it("returns the client itself, unpatched, with a one-time warning", () => {
    const warning = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const create = () => "sent as is";
    const client = { messages: { create }, withOptions: () => ({ messages: { create } }) };
    const sdk = {
      packageName: "no-such-sdk-package",
      clientDescription: "a test client",
      requiredPath: ["messages"],
      points: [{ path: ["messages"], format: "anthropic" as const }],
    };
    expect(wrapWith(client, recordingHandler(), "s", sdk)).toBe(client);
    expect(wrapWith(client, recordingHandler(), "s", sdk)).toBe(client);
    expect(client.messages.create).toBe(create);
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0]?.[1]).toBe("CompactorWarning");
    warning.mockRestore();
  });
});
