/**
 * Reads the per-request session override ({@link SESSION_HEADER}) from an SDK call's request options and removes
 * it, so that it never reaches the provider. Headers may be a plain object, a `Headers`, an array of pairs, or
 * the SDKs' own "nullable headers" (`{ values: Headers, nulls: Set }`). The user's objects are never mutated.
 *
 * @module
 */

import { SESSION_HEADER } from "../contract.js";

/** The session override found, and the request options to send instead. */
export interface SessionHeaderResult {
  /** The header's value; undefined when absent, empty or cleared (`null`). */
  sessionId: string | undefined;
  /** The request options without the header: the user's object itself when it had none. */
  requestOptions: unknown;
}

interface HeadersLike {
  get(name: string): string | null;
  has(name: string): boolean;
  forEach(callback: (value: string, name: string) => void): void;
}

interface Found {
  sessionId: string | undefined;
  headers: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isHeadersLike(value: unknown): value is HeadersLike {
  if (!isRecord(value)) return false;
  return (
    typeof value.get === "function" && typeof value.has === "function" && typeof value.forEach === "function"
  );
}

function sessionFrom(value: unknown): string | undefined {
  if (Array.isArray(value)) return sessionFrom(value.findLast((item) => typeof item === "string"));
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function fromHeaders(headers: HeadersLike): Found | undefined {
  if (!headers.has(SESSION_HEADER)) return undefined;
  const copy = new Headers();
  headers.forEach((value, name) => {
    if (name.toLowerCase() !== SESSION_HEADER) copy.append(name, value);
  });
  return { sessionId: sessionFrom(headers.get(SESSION_HEADER)), headers: copy };
}

function fromPairs(headers: readonly unknown[]): Found | undefined {
  let sessionId: string | undefined;
  const kept = headers.filter((row) => {
    const name = Array.isArray(row) ? row[0] : undefined;
    if (typeof name !== "string" || name.toLowerCase() !== SESSION_HEADER) return true;
    sessionId = sessionFrom((row as unknown[])[1]) ?? sessionId;
    return false;
  });
  return kept.length === headers.length ? undefined : { sessionId, headers: kept };
}

function fromNullable(
  headers: Record<string, unknown>,
  values: HeadersLike,
  nulls: Set<unknown>,
): Found | undefined {
  const found = fromHeaders(values);
  if (found === undefined && !nulls.has(SESSION_HEADER)) return undefined;
  const keptNulls = new Set([...nulls].filter((name) => name !== SESSION_HEADER));
  return {
    sessionId: found?.sessionId,
    headers: { ...headers, values: found?.headers ?? values, nulls: keptNulls },
  };
}

function fromRecord(headers: Record<string, unknown>): Found | undefined {
  let sessionId: string | undefined;
  let matched = false;
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === SESSION_HEADER) {
      matched = true;
      sessionId = sessionFrom(value) ?? sessionId;
    } else {
      kept[name] = value;
    }
  }
  return matched ? { sessionId, headers: kept } : undefined;
}

function withoutSessionHeader(headers: unknown): Found | undefined {
  if (Array.isArray(headers)) return fromPairs(headers);
  if (isHeadersLike(headers)) return fromHeaders(headers);
  if (!isRecord(headers)) return undefined;
  const { values, nulls } = headers;
  if (isHeadersLike(values) && nulls instanceof Set) return fromNullable(headers, values, nulls);
  return fromRecord(headers);
}

/** Takes the {@link SESSION_HEADER} out of `requestOptions` (the second argument of an SDK method). */
export function takeSessionHeader(requestOptions: unknown): SessionHeaderResult {
  if (!isRecord(requestOptions) || requestOptions.headers == null)
    return { sessionId: undefined, requestOptions };
  const found = withoutSessionHeader(requestOptions.headers);
  if (found === undefined) return { sessionId: undefined, requestOptions };
  return { sessionId: found.sessionId, requestOptions: { ...requestOptions, headers: found.headers } };
}
