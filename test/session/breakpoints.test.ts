/**
 * The breakpoint at the end of a checkpoint's replacement (`src/session/breakpoints.ts`): the marked copy of the
 * replacement's last message is made once per message and TTL, so every call of a session sends the very same
 * object (which the proxy serialises once), with the same content as a fresh copy.
 */
import { describe, expect, it } from "vitest";
import { placeBreakpoints, withBreakpoint } from "../../src/session/breakpoints.js";

const replacementEnd = { role: "user", content: [{ type: "text", text: "Summary of the earlier work." }] };
const tail = (hour: boolean) => [
  { role: "assistant", content: [{ type: "text", text: "ok" }] },
  { role: "user", content: [{ type: "text", text: "Next.", ...(hour ? { cache_control: { type: "ephemeral", ttl: "1h" } } : {}) }] },
];

describe("the replacement's breakpoint", () => {
  it("is the same object on every call, equal to a fresh copy, per TTL", () => {
    const first = placeBreakpoints({ model: "m" }, [replacementEnd, ...tail(false)], 1, false);
    const second = placeBreakpoints({ model: "m" }, [replacementEnd, ...tail(false)], 1, false);
    const marked = (first.messages as unknown[])[0];
    expect((second.messages as unknown[])[0]).toBe(marked);
    expect(marked).toEqual(withBreakpoint(replacementEnd));
    expect(marked).toEqual({ role: "user", content: [{ type: "text", text: "Summary of the earlier work.", cache_control: { type: "ephemeral" } }] });
    // A 1-hour breakpoint later in the prompt makes it a 1-hour entry: another copy, memoised on its own.
    const hour = placeBreakpoints({ model: "m" }, [replacementEnd, ...tail(true)], 1, false);
    const hourMarked = (hour.messages as unknown[])[0];
    expect(hourMarked).toEqual(withBreakpoint(replacementEnd, "1h"));
    expect((placeBreakpoints({ model: "m" }, [replacementEnd, ...tail(true)], 1, false).messages as unknown[])[0]).toBe(hourMarked);
    expect((placeBreakpoints({ model: "m" }, [replacementEnd, ...tail(false)], 1, false).messages as unknown[])[0]).toBe(marked);
    // The message itself is never changed.
    expect(replacementEnd).toEqual({ role: "user", content: [{ type: "text", text: "Summary of the earlier work." }] });
  });
});
