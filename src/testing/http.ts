/**
 * Small node:http helpers of the test server: reading a body, answering JSON, writing Server-Sent Events
 * (optionally breaking the connection off after a number of events).
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";

/** One Server-Sent Event; `data` is sent as given (already serialised), so tests can send broken JSON. */
export interface SseEvent {
  /** The `event:` line; omitted when absent (OpenAI Chat Completions sends data lines only). */
  event?: string;
  data: string;
}

/** Reads the whole request body as UTF-8 text. */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Sends a complete response whose body is `body` (a value to serialise, or raw text). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

function formatEvent(event: SseEvent): string {
  const lines = event.event === undefined ? [] : [`event: ${event.event}`];
  for (const line of event.data.split("\n")) lines.push(`data: ${line}`);
  return `${lines.join("\n")}\n\n`;
}

/**
 * Streams `events` as `text/event-stream`. With `breakAfter`, the socket is destroyed once that many events
 * have been flushed, so the client sees the connection drop mid-stream.
 */
export async function sendEvents(
  response: ServerResponse,
  events: SseEvent[],
  options: { headers?: Record<string, string>; breakAfter?: number } = {},
): Promise<void> {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...options.headers,
  });
  const breakAfter = options.breakAfter;
  if (breakAfter === undefined) {
    for (const event of events) response.write(formatEvent(event));
    response.end();
    return;
  }
  // Breaking off: wait until each event is flushed, so exactly `breakAfter` events reach the client.
  const sent = events.slice(0, breakAfter);
  for (const event of sent) {
    await new Promise<void>((resolve, reject) =>
      response.write(formatEvent(event), (error) => (error ? reject(error) : resolve())),
    );
  }
  if (sent.length === 0) {
    // An SSE comment, not an event: makes sure the headers reach the client before the connection drops.
    await new Promise<void>((resolve) => response.write(": connected\n\n", () => resolve()));
  }
  breakConnection(response);
}

/** Drops the connection without finishing the response. */
export function breakConnection(response: ServerResponse): void {
  response.socket?.destroy();
}
