import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromRequest, toRequest } from "../../src/adapters/index.js";
import { hashMessage } from "../../src/transcript/hash.js";
import type { ProviderFormat } from "../../src/transcript/types.js";
import { validateConversation } from "../../src/transcript/validate.js";
import { propertyParameters, requestArbitrary } from "../support/arbitraries.js";
import { firstDifference } from "./difference.js";

const formats: ProviderFormat[] = ["anthropic", "openai-chat", "openai-responses"];
const runs = propertyParameters(300);

describe.each(formats)("the %s adapter", (format) => {
  it("writes every generated request back deep-equal to itself", () => {
    fc.assert(
      fc.property(requestArbitrary(format), (request) => {
        const back = toRequest(fromRequest(format, request as never));
        expect(firstDifference(back, request)).toBeUndefined();
      }),
      runs,
    );
  });

  it("reads what it wrote into the same neutral conversation, with the same message hashes", () => {
    fc.assert(
      fc.property(requestArbitrary(format), (request) => {
        const conversation = fromRequest(format, request as never);
        const again = fromRequest(format, toRequest(conversation) as never);
        expect(firstDifference(again, conversation)).toBeUndefined();
        expect(again.messages.map(hashMessage)).toEqual(conversation.messages.map(hashMessage));
      }),
      runs,
    );
  });

  it("generates only requests the provider would accept", () => {
    fc.assert(
      fc.property(requestArbitrary(format), (request) => {
        expect(validateConversation(fromRequest(format, request as never))).toEqual([]);
      }),
      runs,
    );
  });

  it("leaves the request it reads untouched", () => {
    fc.assert(
      fc.property(requestArbitrary(format), (request) => {
        const before = JSON.stringify(request);
        toRequest(fromRequest(format, request as never));
        expect(JSON.stringify(request)).toBe(before);
      }),
      runs,
    );
  });
});
