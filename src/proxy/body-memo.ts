/**
 * Incremental parsing of a session's request bodies. An agent re-sends its whole conversation on every call, and
 * a proxy receives it as text: parsing 400 kB of JSON and hashing every message again on each call is what made
 * the proxy slow. Here the body's top level is scanned (string contents are skipped with `indexOf`, not read
 * character by character) into the text spans of its fields and of the conversation's items; a span whose text
 * is identical to the same span of the session's previous body keeps the previous body's parsed object, and only
 * the rest is parsed. The result equals `JSON.parse(text)` (same keys, order and values), and unchanged messages
 * are the very objects of the previous call, so the runtime recognises them by identity: no re-hashing, no
 * re-counting, no conversion.
 *
 * Anything the scanner does not take (not an object, a `__proto__` key, malformed text) is handed to
 * `JSON.parse` as a whole, which decides.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { ProviderFormat } from "../transcript/types.js";

/** The field holding a format's conversation. */
const itemsKey: Record<ProviderFormat, string> = {
  anthropic: "messages",
  "openai-chat": "messages",
  "openai-responses": "input",
};

interface Layout {
  /** Top-level keys (raw text of the key, quotes included) and value spans, in order. */
  keys: string[];
  starts: number[];
  ends: number[];
  /** Spans of the conversation array's items, when that field is an array. */
  itemStarts: number[];
  itemEnds: number[];
  itemsField: number;
}

interface Parsed {
  text: string;
  layout: Layout;
  values: unknown[];
  items: unknown[];
}

const space = (code: number) => code === 32 || code === 10 || code === 13 || code === 9;

function skipSpace(text: string, index: number): number {
  let at = index;
  while (at < text.length && space(text.charCodeAt(at))) at++;
  return at;
}

/** Index after the string starting at `index` (a `"`), or -1. */
function skipString(text: string, index: number): number {
  let from = index + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Index after the value starting at `index`, or -1. Nested contents are not validated (JSON.parse does it). */
function skipValue(text: string, index: number): number {
  const first = text.charCodeAt(index);
  if (first === 34) return skipString(text, index);
  if (first === 123 || first === 91) {
    let depth = 0;
    let at = index;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === 34) {
        at = skipString(text, at);
        if (at < 0) return -1;
        continue;
      }
      if (code === 123 || code === 91) depth++;
      else if (code === 125 || code === 93) {
        depth--;
        if (depth === 0) return at + 1;
      }
      at++;
    }
    return -1;
  }
  let at = index;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === 44 || code === 125 || code === 93 || space(code)) break;
    at++;
  }
  return at > index ? at : -1;
}

/** The top-level layout of an object body, or undefined when it is not one the scanner takes. */
function scan(text: string, items: string): Layout | undefined {
  const layout: Layout = { keys: [], starts: [], ends: [], itemStarts: [], itemEnds: [], itemsField: -1 };
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== 123) return undefined;
  at = skipSpace(text, at + 1);
  if (text.charCodeAt(at) === 125) return skipSpace(text, at + 1) === text.length ? layout : undefined;
  const itemsKeyText = `"${items}"`;
  for (;;) {
    if (text.charCodeAt(at) !== 34) return undefined;
    const keyEnd = skipString(text, at);
    if (keyEnd < 0) return undefined;
    const key = text.slice(at, keyEnd);
    if (key.includes("\\") || key === '"__proto__"') return undefined;
    at = skipSpace(text, keyEnd);
    if (text.charCodeAt(at) !== 58) return undefined;
    at = skipSpace(text, at + 1);
    const start = at;
    if (key === itemsKeyText && text.charCodeAt(at) === 91 && layout.itemsField < 0) {
      layout.itemsField = layout.keys.length;
      at = skipSpace(text, at + 1);
      if (text.charCodeAt(at) !== 93) {
        for (;;) {
          const end = skipValue(text, at);
          if (end < 0) return undefined;
          layout.itemStarts.push(at);
          layout.itemEnds.push(end);
          at = skipSpace(text, end);
          const next = text.charCodeAt(at);
          if (next === 93) break;
          if (next !== 44) return undefined;
          at = skipSpace(text, at + 1);
        }
      }
      at += 1;
    } else {
      at = skipValue(text, at);
      if (at < 0) return undefined;
    }
    layout.keys.push(key);
    layout.starts.push(start);
    layout.ends.push(at);
    at = skipSpace(text, at);
    const next = text.charCodeAt(at);
    if (next === 125) return skipSpace(text, at + 1) === text.length ? layout : undefined;
    if (next !== 44) return undefined;
    at = skipSpace(text, at + 1);
  }
}

function sameText(text: string, start: number, end: number, other: string, otherStart: number, otherEnd: number): boolean {
  return end - start === otherEnd - otherStart && text.slice(start, end) === other.slice(otherStart, otherEnd);
}

/** Bodies remembered per session, the most recently used kept. */
export class BodyMemo {
  readonly #bodies = new Map<string, Parsed>();
  readonly #limit: number;

  /** @param limit - sessions whose last body is kept (each holds its text and parsed objects) */
  constructor(limit = 256) {
    this.#limit = limit;
  }

  /** Sessions remembered. */
  get size(): number {
    return this.#bodies.size;
  }

  /**
   * The body as `JSON.parse` would give it, when it is a JSON object (else undefined). `session` names the
   * conversation when the headers do; otherwise its first item's text does.
   */
  parse(format: ProviderFormat, text: string, session: string | undefined): Record<string, unknown> | undefined {
    const layout = scan(text, itemsKey[format]);
    if (layout === undefined) return parseWhole(text);
    const key = session !== undefined ? `s:${session}` : firstItemKey(text, layout);
    const previous = key === undefined ? undefined : this.#bodies.get(key);
    const values: unknown[] = new Array(layout.keys.length);
    const items: unknown[] = new Array(layout.itemStarts.length);
    const body: Record<string, unknown> = {};
    try {
      for (let index = 0; index < layout.keys.length; index++) {
        if (index === layout.itemsField) {
          values[index] = items;
          continue;
        }
        const start = layout.starts[index] as number;
        const end = layout.ends[index] as number;
        const before = previous === undefined ? -1 : previous.layout.keys.indexOf(layout.keys[index] as string);
        values[index] =
          previous !== undefined &&
          before >= 0 &&
          before !== previous.layout.itemsField &&
          sameText(text, start, end, previous.text, previous.layout.starts[before] as number, previous.layout.ends[before] as number)
            ? previous.values[before]
            : JSON.parse(text.slice(start, end));
      }
      let same = 0;
      if (previous !== undefined) {
        const limit = Math.min(layout.itemStarts.length, previous.layout.itemStarts.length);
        while (
          same < limit &&
          sameText(
            text,
            layout.itemStarts[same] as number,
            layout.itemEnds[same] as number,
            previous.text,
            previous.layout.itemStarts[same] as number,
            previous.layout.itemEnds[same] as number,
          )
        ) {
          items[same] = previous.items[same];
          same++;
        }
      }
      for (let index = same; index < items.length; index++) {
        items[index] = JSON.parse(text.slice(layout.itemStarts[index], layout.itemEnds[index]));
      }
      for (let index = 0; index < layout.keys.length; index++) {
        body[JSON.parse(layout.keys[index] as string) as string] = values[index];
      }
    } catch {
      return parseWhole(text);
    }
    if (key !== undefined) {
      this.#bodies.delete(key);
      if (this.#bodies.size >= this.#limit) {
        const oldest = this.#bodies.keys().next().value;
        if (oldest !== undefined) this.#bodies.delete(oldest);
      }
      this.#bodies.set(key, { text, layout, values, items });
    }
    return body;
  }
}

/** A key for a conversation no header names: its first item (a digest when long). */
function firstItemKey(text: string, layout: Layout): string | undefined {
  if (layout.itemStarts.length === 0) return undefined;
  const first = text.slice(layout.itemStarts[0], layout.itemEnds[0]);
  return first.length <= 512 ? `f:${first}` : `h:${createHash("sha1").update(first).digest("base64url")}`;
}

function parseWhole(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
