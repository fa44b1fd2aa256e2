/**
 * `compactor report [files or folders] [--daily|--monthly] [--since d] [--until d] [--json] [--strict]`.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import { defaultLogFolders } from "../report/default-folders.js";
import { buildReport, type ReportTotals, type SessionReport } from "../report/report.js";
import { filterByDate, type PeriodReport, parseDay, reportByPeriod } from "../report/views.js";
import { describeSkipped, plural, readSessions } from "./read-sessions.js";
import { type Column, formatInt, formatPercent, formatUsd, renderTable } from "./table.js";

/** Usage text of `compactor report`. */
export const reportUsage = `Usage: compactor report [files|folders] [options]

What recorded agent sessions (or a compactor event log) cost: tokens by cache class, cache hit rate, peak
context, dollars at list prices and without caching. With no paths, reads the session logs of Claude Code
($CLAUDE_CONFIG_DIR, ~/.config/claude/projects, ~/.claude/projects), Codex CLI ($CODEX_HOME/sessions,
~/.codex/sessions) and pi ($PI_CODING_AGENT_DIR/sessions, ~/.pi/agent/sessions).

Options:
  --daily                one row per day (each call on the day of its timestamp)
  --monthly              one row per month
  --since YYYY-MM-DD     only calls on or after this day (YYYYMMDD works too)
  --until YYYY-MM-DD     only calls on or before this day
  --timezone zone        the IANA time zone days are counted in (default: the system's)
  --json                 print one JSON object instead of tables
  --strict               exit 1 when any file was skipped (default: only when nothing could be read)
  -h, --help             this text

Files that cannot be read (missing, malformed, of no known format) are listed on stderr with the reason and
the place in the file; the rest are reported. Exit codes: 0 success, 1 nothing read (or --strict and a file
skipped, or a bad option), 2 bad usage.
`;

/** Options of {@link runReport}. */
export interface ReportCommandOptions {
  /** Files or folders; empty for the agents' own log folders ({@link defaultLogFolders}). */
  paths: string[];
  json: boolean;
  write: (text: string) => void;
  /** Where the list of skipped files goes. @default stderr */
  warn?: (text: string) => void;
  /** Rows per session (default), per day or per month. */
  view?: "session" | "daily" | "monthly";
  /** Only calls on or after this day (`YYYY-MM-DD` or `YYYYMMDD`). */
  since?: string | undefined;
  /** Only calls on or before this day. */
  until?: string | undefined;
  /** IANA time zone for days. @default the process's */
  timeZone?: string | undefined;
  /** Exit 1 when any file was skipped. @default false */
  strict?: boolean;
  /** Environment and home folder the default log folders are found from. @default process.env, os.homedir() */
  env?: NodeJS.ProcessEnv;
  home?: string;
}

type SessionRow = SessionReport & { label: string };

const day = (iso: string | null) => (iso === null ? "-" : iso.slice(0, 10));

const sessionColumns: Array<Column<SessionRow>> = [
  { heading: "session", cell: (row) => row.label, align: "left" },
  { heading: "project", cell: (row) => row.project ?? "-", align: "left" },
  { heading: "last call", cell: (row) => day(row.lastCallAt), align: "left" },
  { heading: "model", cell: (row) => row.model ?? "-", align: "left" },
  { heading: "calls", cell: (row) => formatInt(row.calls) },
  { heading: "prompt", cell: (row) => formatInt(row.promptTokens) },
  { heading: "uncached", cell: (row) => formatInt(row.uncachedTokens) },
  { heading: "cache write", cell: (row) => formatInt(row.cacheWriteTokens) },
  { heading: "cache read", cell: (row) => formatInt(row.cacheReadTokens) },
  { heading: "output", cell: (row) => formatInt(row.outputTokens) },
  { heading: "hit rate", cell: (row) => formatPercent(row.cacheHitRate) },
  { heading: "peak ctx", cell: (row) => formatInt(row.peakContextTokens) },
  { heading: "cost", cell: (row) => (row.calls === 0 ? "no usage" : formatUsd(row.costUsd)) },
  { heading: "no-cache cost", cell: (row) => (row.calls === 0 ? "-" : formatUsd(row.uncachedCostUsd)) },
];

function periodColumns(heading: string): Array<Column<PeriodReport>> {
  return [
    { heading, cell: (row) => row.period, align: "left" },
    { heading: "sessions", cell: (row) => formatInt(row.sessions) },
    { heading: "models", cell: (row) => row.models.join(", ") || "-", align: "left" },
    { heading: "calls", cell: (row) => formatInt(row.calls) },
    { heading: "uncached", cell: (row) => formatInt(row.uncachedTokens) },
    { heading: "cache write", cell: (row) => formatInt(row.cacheWriteTokens) },
    { heading: "cache read", cell: (row) => formatInt(row.cacheReadTokens) },
    { heading: "output", cell: (row) => formatInt(row.outputTokens) },
    { heading: "hit rate", cell: (row) => formatPercent(row.cacheHitRate) },
    { heading: "peak ctx", cell: (row) => formatInt(row.peakContextTokens) },
    { heading: "cost", cell: (row) => (row.calls === 0 ? "no usage" : formatUsd(row.costUsd)) },
    { heading: "no-cache cost", cell: (row) => (row.calls === 0 ? "-" : formatUsd(row.uncachedCostUsd)) },
  ];
}

function totalsLine(total: ReportTotals): string {
  return (
    `${plural(total.sessions, "session")}, ${plural(total.calls, "billed call")}, ` +
    `${plural(total.promptTokens, "prompt token")} (${formatPercent(total.cacheHitRate)} cache reads), ` +
    `${plural(total.outputTokens, "output token")}\n` +
    `cost ${formatUsd(total.costUsd)} at list prices; without caching ${formatUsd(total.uncachedCostUsd)}` +
    (total.reportedCostUsd !== null ? `; provider-reported ${formatUsd(total.reportedCostUsd)}` : "") +
    "\n"
  );
}

/** Reads the paths (or the agents' log folders), prints the report, and resolves to the exit code. */
export async function runReport(options: ReportCommandOptions): Promise<number> {
  const warn = options.warn ?? ((text: string) => process.stderr.write(text));
  const since = options.since === undefined ? undefined : parseDay("--since", options.since);
  const until = options.until === undefined ? undefined : parseDay("--until", options.until);
  if (since !== undefined && until !== undefined && since > until)
    throw new InvalidOptionError("--until", `a day on or after --since (${since})`, options.until);
  let paths = options.paths;
  if (paths.length === 0) {
    const folders = defaultLogFolders({
      ...(options.env ? { env: options.env } : {}),
      ...(options.home ? { home: options.home } : {}),
    });
    if (folders.length === 0) {
      const looked = defaultLogFolders({
        existing: false,
        ...(options.env ? { env: options.env } : {}),
        ...(options.home ? { home: options.home } : {}),
      });
      throw new InvalidOptionError(
        "paths",
        `files or folders to report on (no agent log folder found: looked in ${looked.map((folder) => folder.path).join(", ")})`,
        [],
      );
    }
    paths = folders.map((folder) => folder.path);
    if (!options.json) options.write(`reading ${paths.join(", ")}\n\n`);
  }

  const read = await readSessions(paths);
  const filtered =
    since !== undefined || until !== undefined
      ? filterByDate(read.transcripts, { since, until, timeZone: options.timeZone })
      : { transcripts: read.transcripts, undatedCalls: 0 };
  const report = buildReport(filtered.transcripts);
  const view = options.view ?? "session";
  const periods =
    view === "session"
      ? undefined
      : reportByPeriod(filtered.transcripts, view === "daily" ? "day" : "month", { timeZone: options.timeZone });

  if (options.json) {
    options.write(
      `${JSON.stringify(
        {
          ...(periods ? { view, periods, total: report.total } : report),
          skipped: read.skipped,
          ...(since !== undefined || until !== undefined ? { since: since ?? null, until: until ?? null } : {}),
          ...(filtered.undatedCalls > 0 ? { undatedCalls: filtered.undatedCalls } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } else if (read.transcripts.length > 0) {
    if (periods) {
      options.write(`${renderTable(periods, periodColumns(view === "daily" ? "day" : "month"))}\n\n`);
    } else {
      const rows: SessionRow[] = [];
      for (const session of report.sessions) {
        rows.push({ ...session, label: session.id });
        for (const subagent of session.subagents ?? []) rows.push({ ...subagent, label: `  └ ${subagent.id}` });
      }
      options.write(`${renderTable(rows, sessionColumns)}\n\n`);
    }
    options.write(totalsLine(report.total));
    const unpriced = report.sessions.filter((session) => session.costUsd === null);
    if (unpriced.length > 0) {
      const models = [...new Set(unpriced.flatMap((session) => session.unpricedModels))].join(", ");
      options.write(`${plural(unpriced.length, "session")} left out of dollar totals: no known price for ${models}\n`);
    }
    if (filtered.undatedCalls > 0)
      options.write(`${plural(filtered.undatedCalls, "call")} without a timestamp left out by --since/--until\n`);
  }
  if (read.skipped.length > 0) warn(describeSkipped(read.skipped));
  if (read.transcripts.length === 0) {
    warn(`compactor: nothing to report: no session could be read from ${paths.join(", ")}\n`);
    return 1;
  }
  if (options.strict && read.skipped.length > 0) {
    warn(`compactor: --strict: ${plural(read.skipped.length, "file")} skipped\n`);
    return 1;
  }
  return 0;
}
