/**
 * The contract test kit for session stores: runs every rule the compactor runtime relies on against a
 * {@link SessionStore} of your own (Postgres, DynamoDB, a file...) and says, rule by rule, which ones it breaks,
 * what was expected, what the store did and why it matters. No test framework is needed at run time:
 * {@link assertSessionStore} throws a {@link StoreContractError} listing the broken rules, and
 * {@link sessionStoreContract} registers one test per rule with the `it`/`describe` of vitest, jest or node:test.
 *
 * @example
 * ```ts
 * import { assertSessionStore } from "compactor/testing";
 * it("my store keeps the session store contract", () => assertSessionStore(() => myStore()));
 * ```
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { CompactorError, InvalidOptionError } from "../../errors.js";
import type { SessionStore } from "../../store/types.js";
import type { CheckNeed, ContractCheck } from "./check.js";
import { dataChecks } from "./checks-data.js";
import { interfaceCheck, versionChecks } from "./checks-versions.js";
import { ContractViolation, show } from "./compare.js";

/**
 * Opens a store on the data space `space`. Each rule is checked on a space of its own, never used before (the
 * kit makes the names: letters, digits and `-`), so the store must start empty there: use it as a key prefix,
 * a table or file name... With `shared: true`, opening the same space again must give another instance on the
 * same data, as another process would.
 */
export type OpenStore = (space: string) => SessionStore | Promise<SessionStore>;

/** Options of {@link checkSessionStore}, {@link assertSessionStore} and {@link sessionStoreContract}. */
export interface SessionStoreContractOptions {
  /**
   * The store counts versions (`version()`, `ifVersion`): required for sessions that several processes serve.
   * Pass `false` for a store only one process uses; the version rules are then skipped.
   * @default true
   */
  versions?: boolean;
  /**
   * The store links OpenAI Responses reply ids to sessions (`linkResponse`, `responseSession`). Pass `false`
   * when no process behind it serves Responses chains across processes.
   * @default true
   */
  responseLinks?: boolean;
  /**
   * Opening the same space twice gives two instances on the same data (a shared store: Redis, a database):
   * the rules about several processes then run across two instances.
   * @default false
   */
  shared?: boolean;
  /**
   * How long one rule may take, store calls and `dispose()` included, before it fails as stalled. The default
   * stays under the 5 s test timeout of vitest and jest, so that a stalled rule fails with the kit's message.
   * @default 4000
   */
  timeoutMs?: number;
}

/** How one rule went. */
export interface StoreContractResult {
  /** Stable id of the rule: `round-trip`, `cas-stale`, `cas-race`... */
  id: string;
  /** The rule, as a sentence. */
  title: string;
  /** What breaks in compactor when a store does not keep it. */
  why: string;
  /** `passed`; `failed` (the store broke the rule); `skipped` (the options rule it out, or the store lacks what it needs). */
  status: "passed" | "failed" | "skipped";
  /** What was expected and what the store did (failed), or why the rule was not checked (skipped). */
  message?: string;
  /** Milliseconds the check took. */
  durationMs: number;
}

/** What {@link checkSessionStore} found. */
export interface StoreContractReport {
  /** The store's `name`. */
  store: string;
  /** Every rule, in the order checked. */
  results: StoreContractResult[];
  /** The broken rules (empty when the store keeps the contract). */
  failures: StoreContractResult[];
}

/** The rules of the contract, for documentation: id, sentence, why it matters, what it needs to run. */
export interface StoreContractRule {
  /** Stable id: `round-trip`, `cas-stale`, ... */
  id: string;
  /** The rule, as a sentence. */
  title: string;
  /** What breaks in compactor when a store does not keep it. */
  why: string;
  /** `versions`, `responseLinks`, `shared`: the option it needs; without it the rule is skipped. */
  needs: Array<"versions" | "responseLinks" | "shared">;
}

/** A store broke rules of the session store contract: the message lists each one; `failures` holds them. */
export class StoreContractError extends CompactorError {
  override name = "StoreContractError";
  /** The store's `name`. */
  readonly store: string;
  /** The broken rules. */
  readonly failures: StoreContractResult[];

  constructor(store: string, failures: StoreContractResult[]) {
    const lines = failures.map(
      (failure) =>
        `  ✗ ${failure.id}: ${failure.title}\n      ${failure.message}\n      Why it matters: ${failure.why}.`,
    );
    super(
      `Session store "${store}" breaks ${failures.length} rule${failures.length === 1 ? "" : "s"} of the SessionStore contract:\n${lines.join("\n")}`,
    );
    this.store = store;
    this.failures = failures;
  }
}

/** The checks in the order they run, for the given options. */
function checksFor(settings: Settings): ContractCheck[] {
  return [interfaceCheck(settings), ...dataChecks, ...versionChecks];
}

interface Settings {
  versions: boolean;
  responseLinks: boolean;
  shared: boolean;
  timeoutMs: number;
}

function settingsOf(open: unknown, options: SessionStoreContractOptions): Settings {
  if (typeof open !== "function")
    throw new InvalidOptionError("open", "a function (space) => SessionStore", open);
  const timeoutMs = options.timeoutMs ?? 4000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new InvalidOptionError("timeoutMs", "a positive integer of milliseconds", timeoutMs);
  }
  for (const flag of ["versions", "responseLinks", "shared"] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== "boolean") {
      throw new InvalidOptionError(flag, "a boolean", options[flag]);
    }
  }
  return {
    versions: options.versions ?? true,
    responseLinks: options.responseLinks ?? true,
    shared: options.shared ?? false,
    timeoutMs,
  };
}

const needOption: Record<CheckNeed, "versions" | "responseLinks" | "shared"> = {
  versions: "versions",
  responseLinks: "responseLinks",
  peer: "shared",
};

function skipReason(check: ContractCheck, settings: Settings): string | undefined {
  for (const need of check.needs ?? []) {
    const option = needOption[need];
    if (!settings[option]) {
      return option === "shared"
        ? "needs a second instance on the same data: pass `shared: true` if opening a space twice gives one"
        : `\`${option}: false\``;
    }
  }
  return undefined;
}

/** Runs one check on a fresh space, within the time limit, and disposes of what it opened. */
async function runCheck(
  check: ContractCheck,
  open: OpenStore,
  settings: Settings,
): Promise<StoreContractResult> {
  const started = performance.now();
  const result = (status: StoreContractResult["status"], message?: string): StoreContractResult => ({
    id: check.id,
    title: check.title,
    why: check.why,
    status,
    ...(message !== undefined ? { message } : {}),
    durationMs: performance.now() - started,
  });
  const skipped = skipReason(check, settings);
  if (skipped !== undefined) return result("skipped", skipped);
  const space = `${check.id}-${randomUUID().slice(0, 8)}`;
  const opened: SessionStore[] = [];
  const openOne = async () => {
    const store = await open(space);
    if (typeof store !== "object" || store === null) {
      throw new ContractViolation(`open("${space}"): expected a SessionStore, got ${show(store)}`);
    }
    opened.push(store);
    return store;
  };
  let unversioned = false;
  const work = (async () => {
    let message: string | undefined;
    try {
      const store = await openOne();
      // A store without version() fails the interface rule once; the version rules then have nothing to check.
      const versions = settings.versions && typeof store.version === "function";
      unversioned = settings.versions && !versions && (check.needs ?? []).includes("versions");
      if (!unversioned)
        await check.run({ store, versions, peer: async () => (settings.shared ? openOne() : undefined) });
    } catch (error) {
      message = error instanceof ContractViolation ? error.message : `the store threw ${show(error)}`;
    }
    for (const store of opened) {
      try {
        await store.dispose?.();
      } catch (error) {
        message ??= `dispose() rejected: ${show(error)}`;
      }
    }
    return message;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          `did not finish within ${settings.timeoutMs} ms: a store call that never settles holds up every later save of the session`,
        ),
      settings.timeoutMs,
    );
    timer.unref?.();
  });
  let finished = false;
  void work.then(() => {
    finished = true;
  });
  try {
    const message = await Promise.race([work, timeout]);
    if (!finished) {
      // Stalled: release what the check opened, without waiting for it.
      for (const store of opened) void Promise.resolve(store.dispose?.()).catch(() => {});
    }
    if (message !== undefined) return result("failed", message);
    return unversioned
      ? result("skipped", "the store has no version() (see the interface rule)")
      : result("passed");
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks every rule of the session store contract against the stores `open` makes (one fresh space per rule)
 * and reports each rule's outcome. Never throws for a broken rule; throws `InvalidOptionError` for bad options.
 */
export async function checkSessionStore(
  open: OpenStore,
  options: SessionStoreContractOptions = {},
): Promise<StoreContractReport> {
  const settings = settingsOf(open, options);
  const results: StoreContractResult[] = [];
  let name = "unnamed";
  for (const check of checksFor(settings)) {
    if (check.id === "interface") name = await storeName(open);
    results.push(await runCheck(check, open, settings));
  }
  return { store: name, results, failures: results.filter((each) => each.status === "failed") };
}

/** The store's name, from a store opened for that alone. */
async function storeName(open: OpenStore): Promise<string> {
  try {
    const store = await open(`name-${randomUUID().slice(0, 8)}`);
    const name = typeof store?.name === "string" && store.name.length > 0 ? store.name : "unnamed";
    await store?.dispose?.();
    return name;
  } catch {
    return "unnamed";
  }
}

/**
 * Like {@link checkSessionStore}, but throws a {@link StoreContractError} listing every broken rule. Use it as
 * the body of one test, in any test framework.
 */
export async function assertSessionStore(
  open: OpenStore,
  options: SessionStoreContractOptions = {},
): Promise<StoreContractReport> {
  const report = await checkSessionStore(open, options);
  if (report.failures.length > 0) throw new StoreContractError(report.store, report.failures);
  return report;
}

/** A test body; `context` is whatever the framework passes (unused). */
export type ContractTestBody = (context?: unknown) => Promise<void>;

/** The `it` (or `test`) of vitest, jest or node:test. */
export type ContractTestFunction = ((name: string, body: ContractTestBody) => unknown) & {
  skip?: (name: string, body: ContractTestBody) => unknown;
};

/** What {@link sessionStoreContract} registers its tests with. */
export interface ContractTestApi {
  /** Registers a test: vitest's or jest's `it`/`test`, or node:test's `it`. */
  it: ContractTestFunction;
  /** When given, the tests are grouped under `describe("session store contract (<name>)")`. */
  describe?: (name: string, body: () => void) => unknown;
}

/**
 * Registers one test per rule of the session store contract with your test framework's `it` (and `describe`).
 * A rule the options rule out is registered with `it.skip` (when the framework has it), its name saying why.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest"; // or node:test, or jest's globals
 * sessionStoreContract((space) => postgresStore({ schema: space }), { describe, it }, { shared: true });
 * ```
 */
export function sessionStoreContract(
  open: OpenStore,
  api: ContractTestApi,
  options: SessionStoreContractOptions = {},
): void {
  const settings = settingsOf(open, options);
  if (typeof api?.it !== "function")
    throw new InvalidOptionError("it", "your test framework's it() function", api?.it);
  const register = () => {
    for (const check of checksFor(settings)) {
      const name = `${check.id}: ${check.title}`;
      const skipped = skipReason(check, settings);
      if (skipped !== undefined) {
        api.it.skip?.(`${name} (skipped: ${skipped})`, async () => {});
        continue;
      }
      api.it(name, async () => {
        const result = await runCheck(check, open, settings);
        if (result.status === "failed") throw new StoreContractError(await storeName(open), [result]);
      });
    }
  };
  if (api.describe) api.describe("session store contract", register);
  else register();
}

/** Every rule of the contract, in the order checked (with the default options). */
export const sessionStoreRules: readonly StoreContractRule[] = checksFor({
  versions: true,
  responseLinks: true,
  shared: true,
  timeoutMs: 1,
}).map((check) => ({
  id: check.id,
  title: check.title,
  why: check.why,
  needs: (check.needs ?? []).map((need) => needOption[need]),
}));
