/**
 * Reads compactor's own copy of a provider response (a branch of the body, the caller keeps the other) and
 * turns it into a {@link CallOutcome}: the parsed JSON body, or every server-sent event's JSON in order. The
 * caller's reading never waits for this one, and a response the caller never reads is still observed to its
 * end, so every call is settled exactly once.
 *
 * @module
 */
import type { CallOutcome } from "../contract.js";

/** Reads `body` to its end and reports what it held. Never rejects. */
export async function observeBody(
  body: ReadableStream<Uint8Array> | null,
  sse: boolean,
  startedAt: number,
): Promise<CallOutcome> {
  const elapsed = () => Math.max(performance.now() - startedAt, Number.EPSILON);
  if (body === null) return sse ? { kind: "stream", events: [], completed: true, durationMs: elapsed() } : { kind: "response", response: undefined, durationMs: elapsed() };
  const decoder = new TextDecoder();
  const reader = body.getReader();
  if (!sse) {
    let text = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      text += decoder.decode();
    } catch (error) {
      return { kind: "error", error, durationMs: elapsed() };
    }
    let response: unknown;
    try {
      response = JSON.parse(text);
    } catch {
      response = undefined;
    }
    return { kind: "response", response, durationMs: elapsed() };
  }
  const parser = new SseParser();
  let completed = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
    parser.push(decoder.decode());
    parser.end();
  } catch {
    completed = false;
  }
  if (parser.failed) completed = false;
  return { kind: "stream", events: parser.events, completed, durationMs: elapsed() };
}

/** Server-sent events, parsed as they arrive: the JSON of each `data` field; `[DONE]` and comments skipped. */
export class SseParser {
  readonly events: unknown[] = [];
  /** True when the stream reported an error event (Anthropic's `event: error`, an OpenAI `error` chunk). */
  failed = false;
  #buffer = "";

  push(text: string): void {
    if (text === "") return;
    this.#buffer += text;
    let boundary = this.#nextBoundary();
    while (boundary !== undefined) {
      const [end, skip] = boundary;
      this.#dispatch(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end + skip);
      boundary = this.#nextBoundary();
    }
  }

  end(): void {
    if (this.#buffer.trim() !== "") this.#dispatch(this.#buffer);
    this.#buffer = "";
  }

  #nextBoundary(): [number, number] | undefined {
    const buffer = this.#buffer;
    const lf = buffer.indexOf("\n\n");
    const crlf = buffer.indexOf("\r\n\r\n");
    if (lf < 0 && crlf < 0) return undefined;
    if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, 4];
    return [lf, 2];
  }

  #dispatch(block: string): void {
    let eventName: string | undefined;
    let data: string | undefined;
    for (const rawLine of block.split("\n")) {
      const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") eventName = value;
      else if (field === "data") data = data === undefined ? value : `${data}\n${value}`;
    }
    if (eventName === "error") this.failed = true;
    // Keep-alives carry nothing (the SDKs drop them too).
    if (data === undefined || data === "[DONE]" || eventName === "ping") return;
    try {
      const parsed: unknown = JSON.parse(data);
      this.events.push(parsed);
      if (eventName === undefined && typeof parsed === "object" && parsed !== null && (parsed as { type?: unknown }).type === "error")
        this.failed = true;
    } catch {
      // Not JSON: nothing compactor needs.
    }
  }
}
