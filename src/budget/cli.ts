/**
 * `compactor budget --url redis://... [--session <id>] [--team <name>] [--json]`: spend against limits, read
 * from the shared Redis ledger. Without `--session` or `--team` it shows every stored limit.
 *
 * @module
 */
import { type Column, formatInt, formatUsd, renderTable } from "../cli/table.js";
import { InvalidOptionError } from "../errors.js";
import { redisBudgetLedger } from "./redis.js";
import { type BudgetStatus, sessionLimitId, teamLimitId } from "./types.js";

/** Options of {@link runBudgetCommand}. */
export interface BudgetCommandOptions {
  /** The store, as a `redis://` or `rediss://` URL. */
  url: string;
  /** Show the limit of this session (`session:<id>`). */
  session?: string | undefined;
  /** Show the limit of this team (`team:<name>`). */
  team?: string | undefined;
  /** Print JSON instead of a table. */
  json: boolean;
  /** Where output goes. */
  write: (text: string) => void;
  /**
   * Key prefix of the ledger, as the processes that spend were configured.
   * @default "compactor:"
   */
  prefix?: string | undefined;
}

const columns: Array<Column<BudgetStatus>> = [
  { heading: "limit", cell: (row) => row.limitId, align: "left" },
  { heading: "window", cell: (row) => describeWindow(row), align: "left" },
  { heading: "spent", cell: (row) => formatUsd(row.spentUsd) },
  { heading: "reserved", cell: (row) => formatUsd(row.reservedUsd) },
  { heading: "max", cell: (row) => (row.limitUsd === null ? "-" : formatUsd(row.limitUsd)) },
  { heading: "left", cell: (row) => (row.remainingUsd === null ? "-" : formatUsd(row.remainingUsd)) },
  {
    heading: "used",
    cell: (row) => (row.limitUsd ? `${((100 * row.spentUsd) / row.limitUsd).toFixed(1)}%` : "-"),
  },
  { heading: "tokens", cell: (row) => formatInt(row.spentTokens) },
  { heading: "max tokens", cell: (row) => (row.limitTokens === null ? "-" : formatInt(row.limitTokens)) },
];

/** Usage text of `compactor budget`. */
export const budgetUsage = `Usage: compactor budget --url redis://host:6379 [options]

Spend against budget limits, read from the Redis ledger that wrapped clients share (budgets: redisBudgetLedger).
With no --session or --team, shows every stored limit.

Options:
  --url redis://...      the shared store (redis:// or rediss://; a password in it is never printed)
  --session id           the limit of this session (session:<id>)
  --team name            the limit of this team (team:<name>)
  --prefix compactor:    key prefix the spending processes were configured with (default compactor:)
  --json                 print the raw statuses as JSON
  -h, --help             this text
`;

/** The URL with its password (and a lone user token) replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    else if (parsed.username !== "") parsed.username = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}

/** Prints the spend of the chosen limits (a table, or JSON) and returns their statuses. */
export async function runBudgetCommand(options: BudgetCommandOptions): Promise<BudgetStatus[]> {
  if (typeof options.url !== "string" || !/^rediss?:\/\//.test(options.url)) {
    throw new InvalidOptionError(
      "url",
      'a "redis://" or "rediss://" URL of the shared store',
      typeof options.url === "string" ? redactUrl(options.url) : options.url,
    );
  }
  const ledger = redisBudgetLedger({
    url: options.url,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
  try {
    const ids: string[] = [];
    if (options.session !== undefined) ids.push(sessionLimitId(options.session));
    if (options.team !== undefined) ids.push(teamLimitId(options.team));
    if (ids.length === 0) for (const limit of await ledger.listLimits()) ids.push(limit.id);
    const statuses: BudgetStatus[] = [];
    for (const id of ids) statuses.push(await ledger.status(id));
    if (options.json) {
      options.write(`${JSON.stringify(statuses, null, 2)}\n`);
    } else if (statuses.length === 0) {
      options.write("No budget limits are stored yet.\n");
    } else {
      options.write(`${renderTable(statuses, columns)}\n`);
      for (const status of statuses) {
        if (status.limit === undefined)
          options.write(`${status.limitId}: no stored limit; showing all-time spend.\n`);
        else if (status.remainingUsd !== null && status.remainingUsd < 0) {
          options.write(`${status.limitId}: over its limit by ${formatUsd(-status.remainingUsd)}.\n`);
        }
      }
    }
    return statuses;
  } finally {
    await ledger.dispose?.();
  }
}

function describeWindow(status: BudgetStatus): string {
  if (status.windowStart === null || status.windowEnd === null) return "all time";
  const start = new Date(status.windowStart).toISOString().replace(".000Z", "Z");
  return `${start} +${formatDuration(status.windowEnd - status.windowStart)}`;
}

function formatDuration(milliseconds: number): string {
  const units: Array<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  for (const [unit, size] of units) if (milliseconds % size === 0) return `${milliseconds / size}${unit}`;
  return `${milliseconds}ms`;
}
