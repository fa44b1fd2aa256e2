/**
 * Budget actions on a wrapped Anthropic client (the real SDK) against the loopback test server, with an
 * in-memory ledger: warn, compact, downgrade and refuse, and settlement of streams that end or break.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  BudgetExceededError,
  type CompactorEvent,
  CompactorError,
  InvalidOptionError,
  memoryBudgetLedger,
  type Strategy,
  withCompaction,
} from "../../src/index.js";
import { reply, startTestServer, type TestServer } from "../../src/testing/index.js";
import { ask, modelOf, ofType, serverSpend, wrappedAnthropic } from "./support.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function server(): Promise<TestServer> {
  const started = await startTestServer();
  servers.push(started);
  return started;
}

describe("budget actions on a wrapped Anthropic client", () => {
  it("warns once when a call brings the session past 80% of its limit, and lets it through", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const ledger = memoryBudgetLedger();
    // ~$0.015 reserved for 1,000 output tokens on Sonnet: 86% of $0.0175.
    const client = wrappedAnthropic(
      target,
      { session: "warned", budget: { ledger, session: { maxUsd: 0.0175 } } },
      events,
    );
    await ask(client, "Hello");
    await ask(client, "Hello again", "claude-sonnet-4-6", 100);
    const warnings = ofType(events, "budget").filter((event) => event.action === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ session: "warned", budget: "session:warned", limitUsd: 0.0175 });
    expect(target.requests).toHaveLength(2);
    const status = await ledger.status("session:warned");
    expect(status.reservedUsd).toBe(0);
    expect(status.spentUsd).toBeCloseTo(serverSpend(target.requests), 9);
  });

  it("refuses a call that would pass the limit with BudgetExceededError, and sends nothing", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const client = wrappedAnthropic(
      target,
      { session: "refused", budget: { session: { maxUsd: 0.01 } } },
      events,
    );
    const error = await ask(client, "Hello").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(CompactorError.isInstance(error)).toBe(true);
    const refused = error as BudgetExceededError;
    expect(refused).toMatchObject({
      limitId: "session:refused",
      exceeded: "usd",
      spentUsd: 0,
      limitUsd: 0.01,
    });
    expect(refused.requestedUsd).toBeGreaterThan(0.015);
    expect(refused.message).toMatch(/session:refused/);
    expect(target.requests).toHaveLength(0);
    expect(ofType(events, "budget").map((event) => event.action)).toEqual(["refuse"]);
    expect(ofType(events, "call")).toHaveLength(0);
  });

  it("refuses below the limit at a refuse threshold, and counts nothing for the refused call", async () => {
    const target = await server();
    const ledger = memoryBudgetLedger();
    const budget = { ledger, session: { maxUsd: 0.02 }, actions: [{ at: 0.5, action: "refuse" as const }] };
    const client = wrappedAnthropic(target, { session: "early", budget });
    const error = await ask(client, "Hello").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).exceeded).toBe("threshold");
    expect((error as BudgetExceededError).share).toBeGreaterThan(0.75);
    expect(target.requests).toHaveLength(0);
    expect(await ledger.status("session:early")).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });

  it("downgrades Opus to Sonnet at the downgrade threshold: the server receives Sonnet, the events say so", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const ledger = memoryBudgetLedger();
    const budget = {
      ledger,
      session: { maxUsd: 0.03 },
      actions: [{ at: 0.5, action: "downgrade" as const }],
    };
    const client = wrappedAnthropic(target, { session: "cheaper", budget }, events);
    const message = await ask(client, "Hello", "claude-opus-4-6");
    expect(modelOf(target.requests[0] as never)).toBe("claude-sonnet-4-6");
    expect(message.model).toBe("claude-sonnet-4-6");
    const downgrades = ofType(events, "budget").filter((event) => event.action === "downgrade");
    expect(downgrades).toEqual([
      expect.objectContaining({
        budget: "session:cheaper",
        fromModel: "claude-opus-4-6",
        toModel: "claude-sonnet-4-6",
      }),
    ]);
    expect(ofType(events, "call")[0]?.model).toBe("claude-sonnet-4-6");
    expect((await ledger.status("session:cheaper")).spentUsd).toBeCloseTo(serverSpend(target.requests), 9);
  });

  it("downgrades a call that would not fit on Opus instead of refusing it, one rung per downgrade action", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const actions = [
      { at: 0.9, action: "downgrade" as const },
      { at: 0.95, action: "downgrade" as const },
    ];
    // Opus ~$0.025 and Sonnet ~$0.015 pass $0.012; Haiku ~$0.005 fits.
    const client = wrappedAnthropic(
      target,
      { session: "two-rungs", budget: { session: { maxUsd: 0.012 }, actions } },
      events,
    );
    await ask(client, "Hello", "claude-opus-4-6");
    expect(modelOf(target.requests[0] as never)).toBe("claude-haiku-4-5");
    expect(ofType(events, "budget").find((event) => event.action === "downgrade")).toMatchObject({
      fromModel: "claude-opus-4-6",
      toModel: "claude-haiku-4-5",
    });
  });

  it("passes compaction pressure to the strategy from the compact threshold on", async () => {
    const target = await server();
    const events: CompactorEvent[] = [];
    const pressures: Array<number | undefined> = [];
    const recording: Strategy = {
      name: "recording",
      compact: (_messages, context) => {
        pressures.push(context.pressure);
        return null;
      },
    };
    const budget = {
      session: { maxUsd: 1 },
      actions: [{ at: 0.01, action: "compact" as const, pressure: 0.7 }],
    };
    // An explicit trigger: without one, a strategy that does not weigh the cache is wrapped in cacheAware.
    const everyCall = { name: "every call", shouldCompact: () => true };
    const client = wrappedAnthropic(target, { session: "pressed", strategy: recording, trigger: everyCall, budget }, events);
    await ask(client, "Hello", "claude-sonnet-4-6", 10); // ~$0.0002: 0.02% of $1, no pressure
    await ask(client, "Hello", "claude-sonnet-4-6", 1000); // ~1.5% of $1
    expect(pressures).toEqual([undefined, 0.7]);
    expect(ofType(events, "budget").map((event) => event.action)).toEqual(["compact"]);
  });

  it("settles a stream when it ends and when it breaks, and frees the reservation of a failed call", async () => {
    const target = await server();
    const ledger = memoryBudgetLedger();
    const client = wrappedAnthropic(target, {
      session: "streams",
      budget: { ledger, session: { maxUsd: 1 } },
    });
    const params = {
      model: "claude-sonnet-4-6",
      max_tokens: 500,
      messages: [{ role: "user" as const, content: "Hi" }],
    };
    await client.messages.stream(params).finalMessage();
    const afterEnd = await ledger.status("session:streams");
    expect(afterEnd.reservedUsd).toBe(0);
    expect(afterEnd.spentUsd).toBeCloseTo(serverSpend(target.requests), 9);

    target.enqueue(reply.brokenStream(3, "This answer is cut off after a few events"));
    const stream = await client.messages.create({ ...params, stream: true });
    await expect(
      (async () => {
        for await (const _event of stream) {
          // drain until the connection breaks
        }
      })(),
    ).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const afterBreak = await ledger.status("session:streams");
    expect(afterBreak.reservedUsd).toBe(0);
    expect(afterBreak.spentUsd).toBeGreaterThan(afterEnd.spentUsd);

    target.enqueue(reply.error(500, { message: "overloaded" }));
    await expect(client.messages.create(params)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ledger.status("session:streams")).toMatchObject({
      reservedUsd: 0,
      spentUsd: afterBreak.spentUsd,
    });
  });

  it("rejects malformed budget options with InvalidOptionError naming the field", async () => {
    const target = await server();
    const make = (budget: unknown) => () =>
      wrappedAnthropic(target, { session: "bad", budget: budget as never });
    expect(make({ session: { maxUsd: -1 } })).toThrow(InvalidOptionError);
    expect(make({ session: { maxUsd: -1 } })).toThrow(/budget\.session\.maxUsd/);
    expect(make({ team: { maxUsd: 1 } })).toThrow(/budget\.team\.id/);
    expect(make({ actions: [{ at: 2, action: "warn" }] })).toThrow(/budget\.actions\[0\]\.at/);
    expect(make({ actions: [{ at: 0.5, action: "panic" }] })).toThrow(/budget\.actions\[0\]\.action/);
    expect(make({ failMode: "sometimes" })).toThrow(/budget\.failMode/);
    expect(make({ ledger: {} })).toThrow(/budget\.ledger/);
    expect(() => withCompaction({}, { session: "x", budget: 5 as never })).toThrow(/`budget`/);
  });
});
