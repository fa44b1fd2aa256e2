/**
 * Incremental parsing of a session's request bodies, on their bytes. An agent re-sends its whole conversation
 * on every call, and a proxy receives it as bytes: decoding 400 kB to a string, parsing it and hashing every
 * message again on each call is what made the proxy slow. Here:
 *
 * 1. prefix: the body's bytes are compared (`Buffer.compare`, a memcmp) with the session's previous body, span
 *    by span along the previous body's layout (its top-level fields and the conversation's items, in order),
 *    as long as they are identical. Agents append to their history, so this usually covers every earlier item;
 * 2. scan: from there on, the top level is scanned (string contents are skipped with `indexOf`, not read byte
 *    by byte; JSON's structural characters are ASCII, so UTF-8 needs no decoding) into the byte spans of its
 *    fields and of the conversation's items;
 * 3. parse: spans in the identical prefix keep the previous body's parsed objects, a later field whose bytes
 *    equal the same field of the previous body keeps its object too, and only the rest is decoded and parsed.
 *
 * The result equals `JSON.parse(bytes.toString("utf8"))` (same keys, order and values), and unchanged messages
 * are the very objects of the previous call, so the runtime recognises them by identity: no re-hashing, no
 * re-counting, no conversion. Nothing of the body is decoded but what is parsed.
 *
 * {@link MemoBody.serialize} goes the other way for a body compactor changed: the parts that are still the very
 * objects parsed from this body are written as the agent's own bytes, only the rest is serialised.
 *
 * Anything the scanner does not take (not an object, a `__proto__` key, an escaped key, malformed JSON) is
 * decoded and handed to `JSON.parse` as a whole, which decides.
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

/** Byte spans of an object body's top level (offsets into its bytes). */
interface Layout {
  /** Top-level keys (decoded), their value spans, in order. */
  keys: string[];
  starts: number[];
  ends: number[];
  /** Spans of the conversation array's items, when that field is an array. */
  itemStarts: number[];
  itemEnds: number[];
  /** Index in `keys` of the conversation array, or -1. */
  itemsField: number;
}

interface Parsed {
  bytes: Buffer;
  layout: Layout;
  values: unknown[];
  items: unknown[];
}

/** One body read by {@link BodyMemo.read}. */
export interface MemoBody {
  /** The body, exactly as `JSON.parse` gives it. */
  params: Record<string, unknown>;
  /**
   * `value` as JSON bytes (what `JSON.stringify` gives, up to insignificant whitespace): every top-level field and
   * conversation item that is still the very object parsed from this body goes out as the body's own bytes.
   * Objects are taken as unmodified since they were parsed (the runtime never mutates the caller's params).
   */
  serialize(value: Record<string, unknown>): Buffer;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

const space = (code: number | undefined) => code === 32 || code === 10 || code === 13 || code === 9;

function skipSpace(bytes: Buffer, index: number): number {
  let at = index;
  while (at < bytes.length && space(bytes[at])) at++;
  return at;
}

/** Index after the string starting at `index` (a `"`), or -1. */
function skipString(bytes: Buffer, index: number): number {
  let from = index + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Index after the value starting at `index`, or -1. Nested contents are not validated (JSON.parse does it). */
function skipValue(bytes: Buffer, index: number): number {
  const first = bytes[index];
  if (first === QUOTE) return skipString(bytes, index);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let at = index;
    while (at < bytes.length) {
      const code = bytes[at];
      if (code === QUOTE) {
        at = skipString(bytes, at);
        if (at < 0) return -1;
        continue;
      }
      if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
      else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return at + 1;
      }
      at++;
    }
    return -1;
  }
  let at = index;
  while (at < bytes.length) {
    const code = bytes[at];
    if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || space(code)) break;
    at++;
  }
  return at > index ? at : -1;
}

/** Where {@link scan} starts: after an identical prefix of the previous body (see `identicalPrefix`). */
interface Resume {
  /** Top-level fields whose whole span lies in the prefix (the conversation field counts once it is closed). */
  fields: number;
  /** Items of the conversation in the prefix (the scan resumes inside the array when it is still open). */
  items: number;
  /** True when the prefix ends inside the conversation array, after item `items - 1`. */
  inItems: boolean;
  /** Byte offset the prefix ends at. */
  at: number;
}

/**
 * The top-level layout of an object body, or undefined when it is not one the scanner takes. With `previous`
 * and `resume`, the layout of the identical prefix is the previous one's and the scan starts where it ends.
 */
function scan(bytes: Buffer, items: string, previous?: Layout, resume?: Resume): Layout | undefined {
  const layout: Layout = { keys: [], starts: [], ends: [], itemStarts: [], itemEnds: [], itemsField: -1 };
  let at: number;
  let inItems = false;
  if (previous !== undefined && resume !== undefined) {
    // Inside the conversation, its field's key and start are in the prefix too (its end is not).
    const opened = resume.inItems ? resume.fields + 1 : resume.fields;
    layout.keys = previous.keys.slice(0, opened);
    layout.starts = previous.starts.slice(0, opened);
    layout.ends = previous.ends.slice(0, resume.fields);
    if (previous.itemsField >= 0 && (resume.inItems || previous.itemsField < resume.fields)) {
      layout.itemsField = previous.itemsField;
      layout.itemStarts = previous.itemStarts.slice(0, resume.items);
      layout.itemEnds = previous.itemEnds.slice(0, resume.items);
    }
    at = resume.at;
    inItems = resume.inItems;
  } else {
    at = skipSpace(bytes, 0);
    if (bytes[at] !== OPEN_BRACE) return undefined;
    at = skipSpace(bytes, at + 1);
    if (bytes[at] === CLOSE_BRACE) return skipSpace(bytes, at + 1) === bytes.length ? layout : undefined;
  }
  let resumed = resume !== undefined;
  for (;;) {
    if (inItems) {
      // Inside the conversation array, after an item: more items, then the field's end.
      for (;;) {
        at = skipSpace(bytes, at);
        const next = bytes[at];
        if (next === CLOSE_BRACKET) break;
        if (next !== COMMA) return undefined;
        at = skipSpace(bytes, at + 1);
        const end = skipValue(bytes, at);
        if (end < 0) return undefined;
        layout.itemStarts.push(at);
        layout.itemEnds.push(end);
        at = end;
      }
      at += 1;
      layout.ends.push(at);
      inItems = false;
      resumed = true;
    }
    if (resumed) {
      // After a field's value: another field, or the body's end.
      at = skipSpace(bytes, at);
      const next = bytes[at];
      if (next === CLOSE_BRACE) return skipSpace(bytes, at + 1) === bytes.length ? layout : undefined;
      if (next !== COMMA) return undefined;
      at = skipSpace(bytes, at + 1);
    }
    resumed = true;
    if (bytes[at] !== QUOTE) return undefined;
    const keyEnd = skipString(bytes, at);
    if (keyEnd < 0) return undefined;
    const backslash = bytes.indexOf(BACKSLASH, at);
    if (backslash >= 0 && backslash < keyEnd) return undefined;
    let key: string;
    try {
      // JSON.parse decides what a key may hold (no raw control characters).
      key = JSON.parse(bytes.toString("utf8", at, keyEnd)) as string;
    } catch {
      return undefined;
    }
    if (key === "__proto__") return undefined;
    at = skipSpace(bytes, keyEnd);
    if (bytes[at] !== COLON) return undefined;
    at = skipSpace(bytes, at + 1);
    layout.keys.push(key);
    layout.starts.push(at);
    if (key === items && bytes[at] === OPEN_BRACKET && layout.itemsField < 0) {
      layout.itemsField = layout.keys.length - 1;
      at = skipSpace(bytes, at + 1);
      if (bytes[at] === CLOSE_BRACKET) {
        at += 1;
        layout.ends.push(at);
        continue;
      }
      const end = skipValue(bytes, at);
      if (end < 0) return undefined;
      layout.itemStarts.push(at);
      layout.itemEnds.push(end);
      at = end;
      inItems = true;
      continue;
    }
    at = skipValue(bytes, at);
    if (at < 0) return undefined;
    layout.ends.push(at);
  }
}

/**
 * The longest prefix of `bytes` identical to `previous`'s that ends at the end of one of its spans (a top-level
 * field's value or a conversation item), and where the scan resumes. Undefined when not even the first span's
 * bytes are identical.
 */
function identicalPrefix(bytes: Buffer, previous: Parsed): Resume | undefined {
  const { layout } = previous;
  const old = previous.bytes;
  const limit = Math.min(bytes.length, old.length);
  let checked = 0;
  let best: Resume | undefined;
  /** True when bytes [checked, end) are identical (and so the whole prefix up to `end`). */
  const same = (end: number) => {
    if (end > limit) return false;
    if (bytes.compare(old, checked, end, checked, end) !== 0) return false;
    checked = end;
    return true;
  };
  for (let field = 0; field < layout.keys.length; field++) {
    if (field === layout.itemsField) {
      const count = layout.itemEnds.length;
      // The usual case first: every earlier item unchanged, in one compare.
      if (count > 0 && same(layout.itemEnds[count - 1] as number)) {
        best = { fields: field, items: count, inItems: true, at: checked };
      } else {
        for (let item = 0; item < count; item++) {
          if (!same(layout.itemEnds[item] as number)) return best;
          best = { fields: field, items: item + 1, inItems: true, at: checked };
        }
      }
      if (!same(layout.ends[field] as number)) return best;
      best = { fields: field + 1, items: count, inItems: false, at: checked };
      continue;
    }
    if (!same(layout.ends[field] as number)) return best;
    best = { fields: field + 1, items: field > layout.itemsField ? layout.itemEnds.length : 0, inItems: false, at: checked };
  }
  return best;
}

function sameBytes(bytes: Buffer, start: number, end: number, other: Buffer, otherStart: number, otherEnd: number): boolean {
  return end - start === otherEnd - otherStart && bytes.compare(other, otherStart, otherEnd, start, end) === 0;
}

const parseSpan = (bytes: Buffer, start: number, end: number): unknown => JSON.parse(bytes.toString("utf8", start, end));

/**
 * Every conversation item (object) {@link build} ever parsed. A body's items are parsed there or are the very
 * items of the previous body of its session, so each is in this set: an object missing from it (one compactor
 * built, as a checkpoint's replacement) is none of any body's items, and {@link serialize} needs no look-up to
 * know it.
 */
const parsedItems = new WeakSet<object>();

/** Bodies remembered per session, the most recently used kept. */
export class BodyMemo {
  readonly #bodies = new Map<string, Parsed>();
  readonly #limit: number;

  /** @param limit - sessions whose last body is kept (each holds its bytes and parsed objects) */
  constructor(limit = 256) {
    this.#limit = limit;
  }

  /** Sessions remembered. */
  get size(): number {
    return this.#bodies.size;
  }

  /**
   * The body as `JSON.parse` would give it, when it is a JSON object (else undefined). `session` names the
   * conversation when the headers do; otherwise its first item's bytes do.
   */
  parse(format: ProviderFormat, body: string | Uint8Array, session: string | undefined): Record<string, unknown> | undefined {
    return this.read(format, body, session)?.params;
  }

  /** {@link BodyMemo.parse}, with a serialiser that reuses the body's bytes (see {@link MemoBody}). */
  read(format: ProviderFormat, body: string | Uint8Array, session: string | undefined): MemoBody | undefined {
    const bytes = typeof body === "string" ? Buffer.from(body) : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const items = itemsKey[format];
    const named = session !== undefined ? `s:${session}` : undefined;
    let previous = named === undefined ? undefined : this.#bodies.get(named);
    let resume = previous === undefined ? undefined : identicalPrefix(bytes, previous);
    let layout = scan(bytes, items, previous?.layout, resume);
    if (layout === undefined && resume !== undefined) {
      // The prefix ended inside a literal that goes on (`64` → `640`): scan the whole body.
      resume = undefined;
      layout = scan(bytes, items);
    }
    if (layout === undefined) return whole(bytes);
    let key = named;
    if (key === undefined) {
      key = firstItemKey(bytes, layout);
      previous = key === undefined ? undefined : this.#bodies.get(key);
    }
    const parsed = build(bytes, layout, previous, resume);
    if (parsed === undefined) return whole(bytes);
    if (key !== undefined) {
      this.#bodies.delete(key);
      if (this.#bodies.size >= this.#limit) {
        const oldest = this.#bodies.keys().next().value;
        if (oldest !== undefined) this.#bodies.delete(oldest);
      }
      this.#bodies.set(key, parsed);
    }
    return memoBody(parsed);
  }
}

/**
 * The parsed values of `layout`'s spans: the previous body's objects for its identical prefix (`resume`) and for
 * later fields whose bytes are unchanged, `JSON.parse` for the rest. Undefined when a span does not parse.
 */
function build(bytes: Buffer, layout: Layout, previous: Parsed | undefined, resume: Resume | undefined): Parsed | undefined {
  const values: unknown[] = new Array(layout.keys.length);
  const items: unknown[] = new Array(layout.itemStarts.length);
  const prefixFields = resume?.fields ?? 0;
  const prefixItems = resume?.items ?? 0;
  try {
    for (let index = 0; index < layout.keys.length; index++) {
      if (index === layout.itemsField) {
        values[index] = items;
        continue;
      }
      const start = layout.starts[index] as number;
      const end = layout.ends[index] as number;
      if (previous !== undefined && index < prefixFields) {
        values[index] = previous.values[index];
        continue;
      }
      const before = previous === undefined ? -1 : previous.layout.keys.indexOf(layout.keys[index] as string);
      values[index] =
        previous !== undefined &&
        before >= 0 &&
        before !== previous.layout.itemsField &&
        sameBytes(bytes, start, end, previous.bytes, previous.layout.starts[before] as number, previous.layout.ends[before] as number)
          ? previous.values[before]
          : parseSpan(bytes, start, end);
    }
    let same = 0;
    if (previous !== undefined) {
      same = Math.min(prefixItems, items.length);
      for (let index = 0; index < same; index++) items[index] = previous.items[index];
      // Without a resume point inside the conversation (a session keyed by its first item), compare item by item.
      const limit = Math.min(items.length, previous.layout.itemStarts.length);
      while (
        same < limit &&
        sameBytes(
          bytes,
          layout.itemStarts[same] as number,
          layout.itemEnds[same] as number,
          previous.bytes,
          previous.layout.itemStarts[same] as number,
          previous.layout.itemEnds[same] as number,
        )
      ) {
        items[same] = previous.items[same];
        same++;
      }
    }
    for (let index = same; index < items.length; index++) {
      const item = parseSpan(bytes, layout.itemStarts[index] as number, layout.itemEnds[index] as number);
      if (item !== null && typeof item === "object") parsedItems.add(item);
      items[index] = item;
    }
  } catch {
    return undefined;
  }
  return { bytes, layout, values, items };
}

function memoBody(parsed: Parsed): MemoBody {
  const { layout, values } = parsed;
  const params: Record<string, unknown> = {};
  for (let index = 0; index < layout.keys.length; index++) params[layout.keys[index] as string] = values[index];
  return { params, serialize: (value) => serialize(parsed, value) };
}

const openBrace = Buffer.from("{");
const closeBrace = Buffer.from("}");
const openBracket = Buffer.from("[");
const closeBracket = Buffer.from("]");
const comma = Buffer.from(",");

/**
 * The JSON of conversation items compactor built (a checkpoint's replacement is the same objects on every call
 * of a session), by object: serialised once. Like the body's own objects, they are never modified once sent.
 */
const itemBytes = new WeakMap<object, Buffer>();

function jsonBytes(value: unknown): Buffer {
  if (typeof value !== "object" || value === null) return Buffer.from(JSON.stringify(value) ?? "null");
  let bytes = itemBytes.get(value);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(value) ?? "null");
    itemBytes.set(value, bytes);
  }
  return bytes;
}

/** See {@link MemoBody.serialize}. */
function serialize(parsed: Parsed, value: Record<string, unknown>): Buffer {
  const { bytes, layout, values, items } = parsed;
  const parts: Buffer[] = [openBrace];
  let first = true;
  for (const key of Object.keys(value)) {
    const field = value[key];
    const index = layout.keys.indexOf(key);
    let encoded: string | undefined;
    if (index < 0 || (field !== values[index] && !(index === layout.itemsField && Array.isArray(field)))) {
      encoded = JSON.stringify(field);
      // What JSON.stringify leaves out of an object (undefined, functions, symbols).
      if (encoded === undefined) continue;
    }
    parts.push(Buffer.from(`${first ? "" : ","}${JSON.stringify(key)}:${encoded ?? ""}`));
    first = false;
    if (encoded !== undefined) continue;
    if (index !== layout.itemsField) {
      parts.push(bytes.subarray(layout.starts[index], layout.ends[index]));
      continue;
    }
    // The conversation: items still parsed from this body go out as its bytes, a run of consecutive ones (the
    // agent's tail after a checkpoint's replacement) as one slice, separators included.
    const list = field as unknown[];
    let positions: Map<unknown, number> | undefined;
    let lookups = 0;
    let runStart = -1;
    let runEnd = -1;
    parts.push(openBracket);
    for (let item = 0; item < list.length; item++) {
      const element = list[item];
      let at: number | undefined = runEnd >= 0 && items[runEnd + 1] === element ? runEnd + 1 : undefined;
      if (at === undefined && element !== null && typeof element === "object" && parsedItems.has(element)) {
        // Only items some body parsed are looked up (see `parsedItems`). A few look-ups scan the items (a pointer
        // compare each); many build an index.
        if (positions === undefined && ++lookups > 16) {
          positions = new Map();
          for (let index = 0; index < items.length; index++) positions.set(items[index], index);
        }
        if (positions !== undefined) at = positions.get(element);
        else {
          const found = items.indexOf(element);
          at = found >= 0 ? found : undefined;
        }
      }
      if (at !== undefined && runEnd >= 0 && at === runEnd + 1) {
        runEnd = at;
        continue;
      }
      if (runEnd >= 0) parts.push(bytes.subarray(layout.itemStarts[runStart], layout.itemEnds[runEnd]));
      runStart = runEnd = -1;
      if (item > 0) parts.push(comma);
      if (at !== undefined) runStart = runEnd = at;
      else parts.push(jsonBytes(element));
    }
    if (runEnd >= 0) parts.push(bytes.subarray(layout.itemStarts[runStart], layout.itemEnds[runEnd]));
    parts.push(closeBracket);
  }
  parts.push(closeBrace);
  return Buffer.concat(parts);
}

/** A key for a conversation no header names: its first item (a digest when long). */
function firstItemKey(bytes: Buffer, layout: Layout): string | undefined {
  if (layout.itemStarts.length === 0) return undefined;
  const start = layout.itemStarts[0] as number;
  const end = layout.itemEnds[0] as number;
  return end - start <= 512
    ? `f:${bytes.toString("utf8", start, end)}`
    : `h:${createHash("sha1").update(bytes.subarray(start, end)).digest("base64url")}`;
}

/** The body parsed whole (what the scanner does not take). */
function whole(bytes: Buffer): MemoBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const params = parsed as Record<string, unknown>;
  return { params, serialize: (value) => Buffer.from(JSON.stringify(value)) };
}
