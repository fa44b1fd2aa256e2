/**
 * The contract kit fails stores that break a rule, naming the rule, what was expected, what the store did and
 * why it matters; and passes the same store without the flaw (so each failure below is the flaw's doing).
 */
import { describe, expect, it } from "vitest";
import { CompactorError, InvalidOptionError } from "../../src/errors.js";
import {
  assertSessionStore,
  checkSessionStore,
  type SessionStoreContractOptions,
  StoreContractError,
  sessionStoreContract,
} from "../../src/testing/index.js";
import { type Flaw, flawedStore } from "./flawed-stores.js";

/** The ids of the rules the store breaks, and the failure messages by id. */
async function broken(flaws: Flaw[], options: SessionStoreContractOptions = {}) {
  const report = await checkSessionStore(() => flawedStore(...flaws), options);
  const messages = Object.fromEntries(report.failures.map((failure) => [failure.id, failure.message ?? ""]));
  return { ids: report.failures.map((failure) => failure.id), messages, report };
}

describe("the contract kit on flawed stores", () => {
  it("passes the flawed-store harness without a flaw", async () => {
    expect((await broken(["none"])).ids).toEqual([]);
  });

  it("fails a store that ignores ifVersion: stale saves applied, races with several winners", async () => {
    const { ids, messages } = await broken(["ignores-if-version"]);
    expect(ids).toEqual(expect.arrayContaining(["cas-stale", "cas-fresh", "cas-race"]));
    expect(messages["cas-stale"]).toMatch(
      /expected the save to reject with StoreVersionConflictError .* but it resolved .*the store ignores `ifVersion`/,
    );
    expect(messages["cas-race"]).toBe("8 saves with ifVersion 1 at once: expected exactly 1 applied, got 8");
  });

  it("fails a compare-and-set that is not atomic (check, wait, write)", async () => {
    const { ids, messages } = await broken(["non-atomic-cas"]);
    expect(ids).toEqual(["cas-race"]);
    expect(messages["cas-race"]).toMatch(/expected exactly 1 applied, got [2-8]/);
  });

  it("fails a store that drops a field, naming its path", async () => {
    const { ids, messages } = await broken(["drops-calibration"]);
    expect(ids).toContain("round-trip");
    expect(messages["round-trip"]).toBe(
      'meta.calibration: expected {"ratio":1.0375,"samples":[0.98,1.02,1.11],"byModel":{"claude-sonnet-4-5":{"n":3}}}, got nothing (dropped)',
    );
  });

  it("fails a store that keeps the caller's meta and adds totals into it", async () => {
    const { ids, messages } = await broken(["keeps-caller-meta"]);
    expect(ids).toContain("copies-on-save");
    expect(messages["copies-on-save"]).toMatch(
      /^the change passed to save #2 \(after the save\)\.meta\.totals\.\w+: expected \d+, got \d+$/,
    );
  });

  it("fails a store that reads, waits and writes back everything: concurrent saves are lost", async () => {
    const { ids, messages } = await broken(["read-modify-write"]);
    expect(ids).toEqual(expect.arrayContaining(["concurrent-sessions", "concurrent-saves"]));
    expect(messages["concurrent-sessions"]).toMatch(
      /^list\(\) after 12 concurrent first saves: expected 12 items, got \d+$|^list\(\) after 12 concurrent first saves\[0\]/,
    );
  });

  it("fails a store that takes meta.totals instead of adding totalsDelta", async () => {
    const { ids, messages } = await broken(["takes-meta-totals"]);
    expect(ids).toEqual(expect.arrayContaining(["totals", "concurrent-saves"]));
    expect(messages.totals).toBe(
      "totals after adding a delta of one call to one call.calls: expected 2, got 5",
    );
  });

  it("fails a store that appends a history starting past its end (as the memory store did)", async () => {
    const { ids, messages } = await broken(["appends-past-end"]);
    expect(ids).toEqual(["history-past-end"]);
    expect(messages["history-past-end"]).toMatch(
      /expected the save to reject with StoreConflictError \(its history starts at message 5, the store holds 2\), but it resolved/,
    );
  });

  it("fails a store that merges metas instead of replacing them", async () => {
    const { ids, messages } = await broken(["merges-meta"]);
    expect(ids).toContain("append");
    expect(messages.append).toMatch(/^session after three saves\.meta\.\w+: expected nothing, got /);
  });

  it("fails a store without version(), saying what is lost and how to opt out; skips the version rules with versions: false", async () => {
    const { ids, messages } = await broken(["no-version"]);
    expect(ids).toEqual(["interface"]);
    expect(
      (await broken(["no-version"])).report.results.find((result) => result.id === "cas-race")?.message,
    ).toMatch(/no version\(\) \(see the interface rule\)/);
    expect(messages.interface).toMatch(
      /no version\(sessionId\) method.*overwrite each other.*pass `versions: false`/,
    );
    const optedOut = await broken(["no-version"], { versions: false });
    expect(optedOut.ids).toEqual([]);
    const skipped = optedOut.report.results
      .filter((result) => result.status === "skipped")
      .map((result) => result.id);
    expect(skipped).toEqual(expect.arrayContaining(["versions", "cas-stale", "cas-fresh", "cas-race"]));
    expect((await broken(["none"], { versions: false })).messages.interface).toMatch(
      /drop `versions: false`/,
    );
  });

  it("fails a version that moves by 2 per save", async () => {
    const { ids, messages } = await broken(["version-steps-2"]);
    expect(ids).toContain("versions");
    expect(messages.versions).toBe("the answer of save #1.version: expected 1, got 2");
  });

  it("fails a conflict error from another copy of compactor, saying why", async () => {
    const { ids, messages } = await broken(["foreign-conflict-error"]);
    expect(ids).toEqual(expect.arrayContaining(["cas-stale", "cas-fresh", "cas-race"]));
    expect(messages["cas-stale"]).toMatch(/from another copy of compactor/);
  });

  it("fails a refused save that wrote part of itself, even when load hands out the store's live record", async () => {
    for (const flaws of [["writes-before-cas"], ["writes-before-cas", "shared-load"]] as Flaw[][]) {
      const { ids, messages } = await broken(flaws);
      expect(ids, flaws.join("+")).toContain("cas-stale");
      expect(messages["cas-stale"]).toBe(
        "the session after two refused saves.ledger: expected 1 items, got 3",
      );
    }
  });

  it("accepts a load that hands out the store's live record (the runtime copies what it loads)", async () => {
    expect((await broken(["shared-load"])).ids).toEqual([]);
  });

  it("fails a delete that leaves ledger rows behind, a null for an unknown session, a list that hangs", async () => {
    const deleted = await broken(["delete-keeps-ledger"]);
    expect(deleted.ids).toEqual(["delete"]);
    expect(deleted.messages.delete).toMatch(
      /^a session saved again after its delete\.ledger: expected 0 items, got 2$/,
    );
    const nulled = await broken(["null-for-unknown"]);
    expect(nulled.ids).toContain("load-unknown");
    expect(nulled.messages["load-unknown"]).toBe('load("never-saved"): expected undefined, got null');
    const started = performance.now();
    const hung = await broken(["hangs-on-list"], { timeoutMs: 100 });
    expect(hung.ids).toEqual(expect.arrayContaining(["load-unknown", "list", "delete"]));
    expect(hung.messages.list).toMatch(/^did not finish within 100 ms/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("throws one StoreContractError listing every broken rule with why it matters", async () => {
    const error = await assertSessionStore(() =>
      flawedStore("ignores-if-version", "drops-calibration"),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreContractError);
    expect(CompactorError.isInstance(error)).toBe(true);
    const contract = error as StoreContractError;
    expect(contract.store).toBe("flawed:ignores-if-version+drops-calibration");
    expect(contract.failures.map((failure) => failure.id)).toEqual(
      expect.arrayContaining(["round-trip", "cas-stale", "cas-fresh", "cas-race"]),
    );
    expect(contract.message).toMatch(
      /^Session store "flawed:ignores-if-version\+drops-calibration" breaks \d+ rules of the SessionStore contract:\n/,
    );
    expect(contract.message).toContain(
      "  ✗ cas-stale: a save whose ifVersion is not the stored version is refused",
    );
    expect(contract.message).toContain("Why it matters: two processes serving one session");
  });

  it("rejects bad options with InvalidOptionError", async () => {
    await expect(checkSessionStore(() => flawedStore("none"), { timeoutMs: 0 })).rejects.toThrow(
      InvalidOptionError,
    );
    await expect(checkSessionStore("store" as never)).rejects.toThrow(/Expected `open` to be a function/);
    expect(() => sessionStoreContract(() => flawedStore("none"), {} as never)).toThrow(InvalidOptionError);
  });
});

describe("sessionStoreContract registers one test per rule", () => {
  it("and each registered test throws the rule's failure", async () => {
    const tests = new Map<string, () => Promise<void>>();
    const skipped: string[] = [];
    const it = Object.assign((name: string, body: () => Promise<void>) => void tests.set(name, body), {
      skip: (name: string) => void skipped.push(name),
    });
    sessionStoreContract(() => flawedStore("ignores-if-version"), { it });
    expect(skipped).toEqual([
      expect.stringMatching(/^peer-sees-writes: .* \(skipped: needs a second instance on the same data/),
      expect.stringMatching(/^peer-cas: /),
    ]);
    const outcomes = new Map<string, string>();
    for (const [name, body] of tests) {
      outcomes.set(
        name.split(":")[0] as string,
        await body().then(
          () => "passed",
          (error: Error) => error.message,
        ),
      );
    }
    expect(outcomes.get("round-trip")).toBe("passed");
    expect(outcomes.get("cas-stale")).toMatch(
      /^Session store "flawed:ignores-if-version" breaks 1 rule of the SessionStore contract:\n {2}✗ cas-stale/,
    );
  });
});
