/**
 * `--budget` of `compactor proxy` and `compactor wrap`: the library's `budget` option ({@link BudgetOption}) on
 * the command line. Each `--budget` flag sets one part; repeat the flag for several:
 *
 * - `session=2.50` — at most $2.50 per session (each agent conversation); `session=2.50/day` per UTC day;
 * - `team:NAME=100/day` — at most $100 a day over every session that goes through this proxy (and every other
 *   process counting against `team:NAME` on the same Redis);
 * - `session=500000tokens`, `team:NAME=20000000tokens/day` — token maxima (prompt + output), alone or beside
 *   dollars;
 * - `fail=open|closed` — when the ledger (Redis) is unreachable: keep calls going and reconcile later (open, the
 *   default), or refuse them (closed);
 * - `actions=warn@0.8,compact@0.9,downgrade@0.95` — what happens as spend nears a limit (a refusal at 100% is
 *   always there).
 *
 * Windows: `/hour`, `/day`, `/week`, or `/N` with a unit `s`, `m`, `h`, `d`, `w` (`/12h`); fixed windows aligned
 * to the Unix epoch (a day is a UTC day). With `--store redis://…` spend is counted in that Redis, shared by
 * every process pointed at it; otherwise in this process's memory.
 *
 * @module
 */
import type { BudgetAction, BudgetActionName } from "../budget/actions.js";
import type { BudgetOption, LimitMaxima } from "../budget/option.js";
import { redisBudgetLedger } from "../budget/redis.js";
import { InvalidOptionError } from "../errors.js";

/** Help text lines for the flag. */
export const budgetFlagHelp = `  --budget SPEC              a spending limit (repeatable): session=USD[/WINDOW], team:NAME=USD[/WINDOW],
                             session=Ntokens, fail=open|closed, actions=warn@0.8,compact@0.9,downgrade@0.95
                             (WINDOW: hour, day, week or e.g. 12h; shared through --store redis://...)
`;

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const named: Record<string, number> = {
  hour: 3_600_000,
  hourly: 3_600_000,
  day: 86_400_000,
  daily: 86_400_000,
  week: 604_800_000,
  weekly: 604_800_000,
};
const actionNames: readonly BudgetActionName[] = ["warn", "compact", "downgrade", "refuse"];

function bad(spec: string, expected: string): InvalidOptionError {
  return new InvalidOptionError("--budget", expected, spec);
}

function windowOf(spec: string, text: string): number {
  const word = named[text.toLowerCase()];
  if (word !== undefined) return word;
  const match = /^(\d+)\s*([smhdw])$/i.exec(text);
  const size = match ? Number(match[1]) * (units[(match[2] as string).toLowerCase()] as number) : Number.NaN;
  if (!(Number.isSafeInteger(size) && size > 0)) {
    throw bad(spec, "a window of hour, day, week, or a number with s, m, h, d or w (e.g. session=2/day, team:x=50/12h)");
  }
  return size;
}

/** Adds `AMOUNT[/WINDOW]` to `maxima`. */
function addAmount(spec: string, value: string, maxima: LimitMaxima): void {
  const [amount = "", window, extra] = value.split("/");
  if (extra !== undefined) throw bad(spec, "one amount and at most one window (AMOUNT/WINDOW)");
  const tokens = /^(\d+)\s*(?:tokens?|tok)$/i.exec(amount.trim());
  if (tokens) {
    const count = Number(tokens[1]);
    if (!Number.isSafeInteger(count)) throw bad(spec, "a whole number of tokens");
    maxima.maxTokens = count;
  } else {
    const text = amount.trim().replace(/^\$/, "");
    const usd = text === "" ? Number.NaN : Number(text);
    if (!(Number.isFinite(usd) && usd >= 0)) {
      throw bad(spec, "a non-negative amount of dollars (session=2.50) or of tokens (session=500000tokens)");
    }
    maxima.maxUsd = usd;
  }
  if (window !== undefined) {
    const size = windowOf(spec, window.trim());
    if (maxima.windowMs !== undefined && maxima.windowMs !== size) {
      throw bad(spec, "the same window for a scope's dollar and token limits");
    }
    maxima.windowMs = size;
  }
}

function actionsOf(spec: string, value: string): BudgetAction[] {
  return value.split(",").map((part) => {
    const [name = "", at] = part.trim().split("@");
    const share = at === undefined ? Number.NaN : Number(at.replace(/%$/, "")) / (at.endsWith("%") ? 100 : 1);
    if (!actionNames.includes(name as BudgetActionName) || !(share >= 0 && share <= 1)) {
      throw bad(spec, `actions as NAME@SHARE, NAME one of ${actionNames.join(", ")} and SHARE from 0 to 1 (warn@0.8,compact@0.9)`);
    }
    return { action: name as BudgetActionName, at: share };
  });
}

/**
 * The `budget` option of the proxy from the `--budget` flags, or undefined when there are none. `storeUrl`: the
 * `--store` Redis, where the ledger then lives too.
 */
export function budgetFromFlags(specs: readonly string[] | undefined, storeUrl: string | undefined): BudgetOption | undefined {
  if (specs === undefined || specs.length === 0) return undefined;
  let session: LimitMaxima | undefined;
  let team: (LimitMaxima & { id: string }) | undefined;
  let failMode: "open" | "closed" | undefined;
  let actions: BudgetAction[] | undefined;
  for (const spec of specs) {
    const equals = spec.indexOf("=");
    if (equals <= 0) throw bad(spec, "KEY=VALUE with KEY one of session, team:NAME, fail, actions");
    const key = spec.slice(0, equals).trim();
    const value = spec.slice(equals + 1).trim();
    if (key === "session") {
      session ??= {};
      addAmount(spec, value, session);
    } else if (key.startsWith("team:") || key === "team") {
      const id = key.slice("team:".length).trim();
      if (key === "team" || id.length === 0) throw bad(spec, "a team name: team:NAME=USD (e.g. team:platform=100/day)");
      if (team !== undefined && team.id !== id) throw bad(spec, `one team per proxy (already team:${team.id})`);
      team ??= { id };
      addAmount(spec, value, team);
    } else if (key === "fail") {
      if (value !== "open" && value !== "closed") throw bad(spec, "fail=open or fail=closed");
      failMode = value;
    } else if (key === "actions") {
      actions = actionsOf(spec, value);
    } else {
      throw bad(spec, "KEY=VALUE with KEY one of session, team:NAME, fail, actions");
    }
  }
  return {
    ...(storeUrl !== undefined ? { ledger: redisBudgetLedger({ url: storeUrl }) } : {}),
    ...(session ? { session } : {}),
    ...(team ? { team } : {}),
    ...(failMode ? { failMode } : {}),
    ...(actions ? { actions } : {}),
  };
}
