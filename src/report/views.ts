/**
 * Report views over time: calls filtered to a date range, and figures per day or per month (like ccusage's
 * `daily` and `monthly`), each call placed by its own timestamp in the chosen time zone.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import type { Transcript } from "../transcript/types.js";
import { mergeInto, reportSession, type SessionReport } from "./report.js";

/** Days or months. */
export type ReportPeriod = "day" | "month";

/** Figures of one day or month: every call made in it, subagents' included. */
export interface PeriodReport extends Omit<SessionReport, "file" | "id" | "format" | "model" | "project" | "subagents"> {
  /** `2026-01-31` for a day, `2026-01` for a month; `unknown` for calls without a timestamp. */
  period: string;
  /** Sessions with at least one call in the period. */
  sessions: number;
  /** Models of the period's calls. */
  models: string[];
  /** Projects of the period's sessions (see {@link SessionReport.project}). */
  projects: string[];
}

/** Options of the date views. */
export interface DateOptions {
  /** IANA time zone the days are counted in. @default the process's local time zone */
  timeZone?: string | undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of a time in the given time zone. */
export function dayOf(time: number, timeZone?: string): string {
  const key = timeZone ?? "";
  let format = formatters.get(key);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat("en-CA", {
        ...(timeZone === undefined ? {} : { timeZone }),
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
      });
    } catch (error) {
      if (error instanceof RangeError)
        throw new InvalidOptionError("--timezone", "an IANA time zone such as Europe/Paris or UTC", timeZone);
      throw error;
    }
    formatters.set(key, format);
  }
  const parts = Object.fromEntries(format.formatToParts(time).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * Reads a `--since`/`--until` date, `YYYY-MM-DD` or `YYYYMMDD` (ccusage's spelling); returns `YYYY-MM-DD`.
 * @throws InvalidOptionError naming the option for anything else, or for a day that does not exist.
 */
export function parseDay(option: string, text: string): string {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim());
  const day = match ? `${match[1]}-${match[2]}-${match[3]}` : "";
  const time = new Date(`${day}T00:00:00Z`);
  const valid = match !== null && !Number.isNaN(time.getTime()) && time.toISOString().startsWith(day);
  if (!valid) throw new InvalidOptionError(option, "a date as YYYY-MM-DD or YYYYMMDD", text);
  return day;
}

/** Result of {@link filterByDate}. */
export interface DateFilterResult {
  transcripts: Transcript[];
  /** Calls left out because the log gives them no timestamp. */
  undatedCalls: number;
}

/**
 * Keeps only the calls made between `since` and `until` (inclusive days, `YYYY-MM-DD`, in `timeZone`), in
 * sessions and their subagents; sessions left without calls are dropped. Calls without a timestamp cannot be
 * placed and are left out (and counted).
 */
export function filterByDate(
  transcripts: readonly Transcript[],
  range: { since?: string | undefined; until?: string | undefined } & DateOptions,
): DateFilterResult {
  let undatedCalls = 0;
  const keep = (transcript: Transcript): Transcript | undefined => {
    const calls = transcript.calls.filter((call) => {
      if (call.timestamp === undefined || !Number.isFinite(call.timestamp)) {
        undatedCalls++;
        return false;
      }
      const day = dayOf(call.timestamp, range.timeZone);
      return (range.since === undefined || day >= range.since) && (range.until === undefined || day <= range.until);
    });
    const subsessions = (transcript.subsessions ?? []).flatMap((sub) => keep(sub) ?? []);
    if (calls.length === 0 && subsessions.length === 0) return undefined;
    const { subsessions: _dropped, ...rest } = transcript;
    return { ...rest, calls, ...(subsessions.length > 0 ? { subsessions } : {}) };
  };
  const kept = transcripts.flatMap((transcript) => keep(transcript) ?? []);
  return { transcripts: kept, undatedCalls };
}

/**
 * Figures per day or month, in period order. Each call counts in the period of its own timestamp, so a
 * session that spans midnight is split across two days; a subagent's calls count like its session's.
 */
export function reportByPeriod(
  transcripts: readonly Transcript[],
  period: ReportPeriod,
  options: DateOptions = {},
): PeriodReport[] {
  const rows = new Map<string, { figures: SessionReport; sessions: Set<string>; models: Set<string>; projects: Set<string> }>();
  const visit = (transcript: Transcript, root: Transcript) => {
    const groups = new Map<string, Transcript["calls"]>();
    for (const call of transcript.calls) {
      const day =
        call.timestamp === undefined || !Number.isFinite(call.timestamp)
          ? "unknown"
          : dayOf(call.timestamp, options.timeZone);
      const key = period === "month" && day !== "unknown" ? day.slice(0, 7) : day;
      groups.set(key, [...(groups.get(key) ?? []), call]);
    }
    for (const [key, calls] of groups) {
      const { subsessions: _subsessions, ...rest } = transcript;
      const figures = reportSession({ ...rest, calls });
      let row = rows.get(key);
      if (row === undefined) {
        row = { figures, sessions: new Set(), models: new Set(), projects: new Set() };
        rows.set(key, row);
      } else mergeInto(row.figures, figures);
      row.sessions.add(`${root.file}\u0000${root.id}`);
      for (const call of calls) {
        const model = call.model ?? transcript.model;
        if (model !== undefined) row.models.add(model);
      }
      if (figures.project !== null) row.projects.add(figures.project);
    }
    for (const sub of transcript.subsessions ?? []) visit(sub, root);
  };
  for (const transcript of transcripts) visit(transcript, transcript);
  return [...rows.entries()]
    .sort(([left], [right]) => (left === "unknown" ? 1 : right === "unknown" ? -1 : left < right ? -1 : 1))
    .map(([key, row]) => {
      const { file: _f, id: _i, format: _t, model: _m, project: _p, subagents: _s, ...figures } = row.figures;
      return {
        period: key,
        ...figures,
        cacheHitRate: figures.promptTokens > 0 ? figures.cacheReadTokens / figures.promptTokens : 0,
        sessions: row.sessions.size,
        models: [...row.models].sort(),
        projects: [...row.projects].sort(),
      };
    });
}
