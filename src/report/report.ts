/**
 * What a recorded session actually cost: tokens by cache class, cache hit rate, peak context, dollars from the
 * recorded usage at list prices, and the dollars the same calls would have cost with no caching.
 *
 * @module
 */
import { costOfCall, uncachedCostOfCall } from "../pricing/index.js";
import type { Transcript, Usage } from "../transcript/types.js";

/** Cost summary of one session (or of a subagent inside it). */
export interface SessionReport {
  file: string;
  id: string;
  format: string;
  model: string | null;
  /**
   * The project the session belongs to: the working folder the log records, else the folder Claude Code or pi
   * filed the log under (`~/.claude/projects/<project>/`); `null` when unknown.
   */
  project: string | null;
  /** Time of the first and last call that has a timestamp (ISO 8601), or `null` when the log has none. */
  firstCallAt: string | null;
  lastCallAt: string | null;
  /** Billed calls: calls with recorded usage. */
  calls: number;
  /** Calls in the log without usage (not priced). */
  callsWithoutUsage: number;
  promptTokens: number;
  uncachedTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Cache reads over prompt tokens. */
  cacheHitRate: number;
  /** Largest prompt of any call. */
  peakContextTokens: number;
  /** Dollars at list prices; `null` when some billed call's model has no known price. */
  costUsd: number | null;
  /** The same calls with every prompt token at the input price; `null` when unknown. */
  uncachedCostUsd: number | null;
  /** Dollars the provider itself reported (OpenRouter `usage.cost`), when the log has them. */
  reportedCostUsd: number | null;
  /** Models of billed calls whose price is unknown. */
  unpricedModels: string[];
  /** Subagent sessions, each also included in this session's figures. */
  subagents?: SessionReport[];
}

/** Totals over sessions; dollar totals leave out sessions whose price is unknown. */
export interface ReportTotals {
  sessions: number;
  calls: number;
  promptTokens: number;
  uncachedTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheHitRate: number;
  peakContextTokens: number;
  costUsd: number;
  uncachedCostUsd: number;
  reportedCostUsd: number | null;
  /** Sessions left out of the dollar totals because a price is unknown. */
  unpricedSessions: number;
}

/** The whole report. */
export interface Report {
  sessions: SessionReport[];
  total: ReportTotals;
}

/** Counters summed alike for sessions, subagents and totals. */
const summedFields = [
  "calls",
  "promptTokens",
  "uncachedTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "outputTokens",
  "reasoningTokens",
] as const;
type Counts = Record<(typeof summedFields)[number], number>;

function zeroCounts(): Counts {
  return Object.fromEntries(summedFields.map((field) => [field, 0])) as Counts;
}

function addCounts(target: Counts, part: Counts): void {
  for (const field of summedFields) target[field] += part[field];
}

/**
 * The project of a session: `metadata.cwd` (or `metadata.project`) when the log records it, else the folder
 * the file sits in, unless that folder is a date (`2025/06/01`, as Codex files its rollouts).
 */
export function projectOf(transcript: Pick<Transcript, "file" | "metadata">): string | null {
  for (const key of ["cwd", "project"]) {
    const value = transcript.metadata?.[key];
    if (typeof value === "string" && value !== "") return value;
  }
  const parts = transcript.file.split(/[\\/]/);
  const projects = parts.lastIndexOf("projects");
  if (projects >= 0 && projects < parts.length - 2) return parts[projects + 1] ?? null;
  const folder = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  return folder === undefined || folder === "" || /^\d+$/.test(folder) || folder === "." ? null : folder;
}

function emptySession(transcript: Transcript): SessionReport {
  return {
    file: transcript.file,
    id: transcript.id,
    format: transcript.format,
    model: transcript.model ?? null,
    project: projectOf(transcript),
    firstCallAt: null,
    lastCallAt: null,
    ...zeroCounts(),
    callsWithoutUsage: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheHitRate: 0,
    peakContextTokens: 0,
    costUsd: 0,
    uncachedCostUsd: 0,
    reportedCostUsd: null,
    unpricedModels: [],
  };
}

function addUsage(report: SessionReport, model: string | undefined, usage: Usage): void {
  const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
  report.calls++;
  report.promptTokens += prompt;
  report.uncachedTokens += usage.inputTokens;
  report.cacheReadTokens += usage.cacheReadTokens;
  report.cacheWrite5mTokens += usage.cacheWrite5mTokens;
  report.cacheWrite1hTokens += usage.cacheWrite1hTokens;
  report.cacheWriteTokens += usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
  report.outputTokens += usage.outputTokens;
  report.reasoningTokens += usage.reasoningTokens;
  report.peakContextTokens = Math.max(report.peakContextTokens, prompt);
  if (usage.reportedCostUsd !== undefined) report.reportedCostUsd = (report.reportedCostUsd ?? 0) + usage.reportedCostUsd;
  const cost = model ? costOfCall(model, usage) : undefined;
  const uncached = model ? uncachedCostOfCall(model, usage) : undefined;
  if (cost?.known && cost.costUsd !== null && uncached?.costUsd !== null && uncached?.costUsd !== undefined) {
    if (report.costUsd !== null) report.costUsd += cost.costUsd;
    if (report.uncachedCostUsd !== null) report.uncachedCostUsd += uncached.costUsd;
  } else {
    report.costUsd = null;
    report.uncachedCostUsd = null;
    const name = model ?? "(no model recorded)";
    if (!report.unpricedModels.includes(name)) report.unpricedModels.push(name);
  }
}

function widenTimes(target: SessionReport, first: string | null, last: string | null): void {
  if (first !== null && (target.firstCallAt === null || first < target.firstCallAt)) target.firstCallAt = first;
  if (last !== null && (target.lastCallAt === null || last > target.lastCallAt)) target.lastCallAt = last;
}

/** Adds `part`'s figures to `target` (counts summed, peak maximised, dollars `null` once either is unknown). */
export function mergeInto(target: SessionReport, part: SessionReport): void {
  addCounts(target, part);
  widenTimes(target, part.firstCallAt, part.lastCallAt);
  target.callsWithoutUsage += part.callsWithoutUsage;
  target.cacheWrite5mTokens += part.cacheWrite5mTokens;
  target.cacheWrite1hTokens += part.cacheWrite1hTokens;
  target.peakContextTokens = Math.max(target.peakContextTokens, part.peakContextTokens);
  target.costUsd = target.costUsd === null || part.costUsd === null ? null : target.costUsd + part.costUsd;
  target.uncachedCostUsd =
    target.uncachedCostUsd === null || part.uncachedCostUsd === null
      ? null
      : target.uncachedCostUsd + part.uncachedCostUsd;
  if (part.reportedCostUsd !== null) target.reportedCostUsd = (target.reportedCostUsd ?? 0) + part.reportedCostUsd;
  for (const model of part.unpricedModels) if (!target.unpricedModels.includes(model)) target.unpricedModels.push(model);
}

/** Reports one session, its subagents included in its figures and also listed on their own. */
export function reportSession(transcript: Transcript): SessionReport {
  const report = emptySession(transcript);
  for (const call of transcript.calls) {
    if (call.usage) addUsage(report, call.model ?? transcript.model, call.usage);
    else report.callsWithoutUsage++;
    if (call.timestamp !== undefined && Number.isFinite(call.timestamp)) {
      const time = new Date(call.timestamp).toISOString();
      widenTimes(report, time, time);
    }
  }
  if (transcript.subsessions && transcript.subsessions.length > 0) {
    report.subagents = transcript.subsessions.map(reportSession);
    for (const subagent of report.subagents) mergeInto(report, subagent);
  }
  report.cacheHitRate = report.promptTokens > 0 ? report.cacheReadTokens / report.promptTokens : 0;
  return report;
}

/** Reports every session and the totals. */
export function buildReport(transcripts: readonly Transcript[]): Report {
  const sessions = transcripts.map(reportSession);
  const total: ReportTotals = {
    sessions: sessions.length,
    ...zeroCounts(),
    cacheHitRate: 0,
    peakContextTokens: 0,
    costUsd: 0,
    uncachedCostUsd: 0,
    reportedCostUsd: null,
    unpricedSessions: 0,
  };
  for (const session of sessions) {
    addCounts(total, session);
    total.peakContextTokens = Math.max(total.peakContextTokens, session.peakContextTokens);
    if (session.costUsd === null || session.uncachedCostUsd === null) total.unpricedSessions++;
    else {
      total.costUsd += session.costUsd;
      total.uncachedCostUsd += session.uncachedCostUsd;
    }
    if (session.reportedCostUsd !== null) total.reportedCostUsd = (total.reportedCostUsd ?? 0) + session.reportedCostUsd;
  }
  total.cacheHitRate = total.promptTokens > 0 ? total.cacheReadTokens / total.promptTokens : 0;
  return { sessions, total };
}
