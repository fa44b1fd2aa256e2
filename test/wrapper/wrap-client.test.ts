import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { CompactorError, InvalidOptionError } from "../../src/errors.js";
import { UnsupportedClientError, wrapAnthropic, wrapClient, wrapOpenAI } from "../../src/wrapper/index.js";
import { installedHandler } from "../../src/wrapper/internal/wrap.js";
import { recordingHandler } from "./recording-handler.js";

const secret = "sk-this-must-never-be-printed";

describe("wrapClient", () => {
  it("recognises an Anthropic client by messages.create", () => {
    const client = new Anthropic({ apiKey: "test", baseURL: "http://127.0.0.1:9" });
    const copy = wrapClient(client, recordingHandler(), "s");
    expect(copy).toBe(client);
    expect(installedHandler(client)).toBeDefined();
  });

  it("recognises an OpenAI client by chat.completions.create and installs on the client itself", () => {
    const client = new OpenAI({ apiKey: "test", baseURL: "http://127.0.0.1:9" });
    const handler = recordingHandler();
    const copy = wrapClient(client, handler, "s");
    expect(copy).toBe(client);
    expect(installedHandler(client)).toBe(handler);
    expect(installedHandler(client.withOptions({ timeout: 1000 }))).toBe(handler);
    expect(Object.hasOwn(client.chat.completions, "create")).toBe(false);
  });

  it("rejects anything else with an UnsupportedClientError naming `client`", () => {
    for (const value of [undefined, 42, {}, { messages: {} }, { chat: { completions: 1 } }]) {
      const error = (() => {
        try {
          wrapClient(value, recordingHandler(), "s");
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(UnsupportedClientError);
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(CompactorError.isInstance(error)).toBe(true);
      expect((error as InvalidOptionError).field).toBe("client");
      expect((error as InvalidOptionError).received).toBe(value);
      expect((error as Error).message).toMatch(
        /^Expected `client` to be an Anthropic client .* or an OpenAI client/,
      );
    }
  });

  it("describes a rejected client by class and keys, never by its values", () => {
    class FakeClient {
      apiKey = secret;
      models = {};
    }
    const error = (() => {
      try {
        wrapClient(new FakeClient(), recordingHandler(), "s");
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toContain("an object of class FakeClient with keys [apiKey, models]");
    expect(error?.message).not.toContain(secret);
  });

  it("lets wrapAnthropic reject an OpenAI client and wrapOpenAI an Anthropic one", () => {
    const anthropic = new Anthropic({ apiKey: secret });
    const openai = new OpenAI({ apiKey: secret });
    expect(() => wrapAnthropic(openai, recordingHandler(), "s")).toThrow(/`messages\.create`/);
    expect(() => wrapOpenAI(anthropic, recordingHandler(), "s")).toThrow(/`chat\.completions\.create`/);
    expect(() => wrapOpenAI(anthropic, recordingHandler(), "s")).not.toThrow(new RegExp(secret));
  });

  it("checks the handler and the session", () => {
    const client = new OpenAI({ apiKey: "test" });
    expect(() => wrapClient(client, {} as never, "s")).toThrow(
      "Expected `handler` to be an object with a `prepare(request)` method",
    );
    expect(() => wrapClient(client, recordingHandler(), "")).toThrow(
      "Expected `session` to be a non-empty string",
    );
  });
});
