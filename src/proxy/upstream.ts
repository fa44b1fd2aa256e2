/**
 * The proxy's upstream client: a `fetch` on `node:http`/`node:https` with kept-alive connections. The platform's
 * `fetch` (undici) costs about a millisecond per request on its own (Request objects, a web stream for the body
 * written chunk by chunk); this one writes the body in one go and hands the answer back as a `Response` whose
 * body is the socket's stream, so a streamed answer reaches the core (and the client) chunk by chunk as it
 * arrives. Encoded answers (gzip, deflate, br) are decoded, as `fetch` does. Only what the proxy sends is
 * supported (a string or byte body); anything else goes to the platform's `fetch`.
 *
 * @module
 */
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { pipeline, Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { knownBodies } from "../wrapper/wire/request.js";

const decoders: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: createGunzip,
  "x-gzip": createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** Statuses whose answer has no body (`new Response` refuses one). */
const bodiless = new Set([101, 103, 204, 205, 304]);

/** Options of one call of {@link UpstreamFetch}. */
export interface UpstreamCallOptions {
  /**
   * Read a JSON answer (any status; not an event stream) to its end before resolving, and answer a `Response`
   * over its bytes: for callers that read such an answer whole anyway (the wire core does for the three APIs),
   * this saves a web stream over the socket. A body that breaks off rejects the call, as a failed connection.
   */
  wholeJson?: boolean;
}

/** The proxy's upstream `fetch`, with {@link UpstreamCallOptions} as a third argument. */
export type UpstreamFetch = (input: string | URL | Request, init?: RequestInit, options?: UpstreamCallOptions) => Promise<Response>;

/** Header values as node:http takes them: lower-case names. */
type HeaderRecord = Record<string, string | string[]>;

/** `init.headers` as a record node:http takes: a plain object of strings is used as it is (no `Headers` copy). */
function headerRecord(headers: RequestInit["headers"]): HeaderRecord {
  if (headers !== undefined && headers !== null && !(headers instanceof Headers) && !Array.isArray(headers)) {
    const record: HeaderRecord = {};
    for (const name in headers) {
      const value = (headers as Record<string, unknown>)[name];
      if (typeof value === "string") record[name.toLowerCase()] = value;
      else return viaHeaders(headers);
    }
    return record;
  }
  return viaHeaders(headers);
}

function viaHeaders(headers: RequestInit["headers"]): HeaderRecord {
  const record: HeaderRecord = {};
  new Headers(headers).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** A `fetch` for the proxy's upstream calls, with its own kept-alive connection pools (`close` ends them). */
export function createUpstreamFetch(): { fetch: UpstreamFetch; close: () => void } {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const close = () => {
    agents.http.destroy();
    agents.https.destroy();
  };
  const fetch: UpstreamFetch = (input, init = {}, options = {}) => {
    const body = init.body;
    const bytes = typeof body === "string" ? Buffer.from(body) : body instanceof Uint8Array ? body : undefined;
    if ((body !== undefined && body !== null && bytes === undefined) || typeof input !== "string") {
      return globalThis.fetch(input, init);
    }
    return new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const secure = url.protocol === "https:";
      const headers = headerRecord(init.headers);
      if (bytes !== undefined) headers["content-length"] = String(bytes.length);
      const method = (init.method ?? "GET").toUpperCase();
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        { method, headers, agent: secure ? agents.https : agents.http },
        (answer) => {
          // An abort after the answer began fails its body (as fetch does), rather than ending it early.
          if (signal) {
            signal.removeEventListener("abort", beforeAnswer);
            const onAbort = () => answer.destroy(reasonOf(signal));
            signal.addEventListener("abort", onAbort, { once: true });
            answer.once("close", () => signal.removeEventListener("abort", onAbort));
          }
          const response = responseOf(answer, method, options.wholeJson === true);
          if (response instanceof Response) resolve(response);
          else response.then(resolve, (error: unknown) => reject(signal?.aborted ? reasonOf(signal) : new TypeError("fetch failed", { cause: error })));
        },
      );
      const signal = init.signal;
      const beforeAnswer = () => {
        request.destroy(reasonOf(signal as AbortSignal));
      };
      if (signal?.aborted) beforeAnswer();
      else signal?.addEventListener("abort", beforeAnswer, { once: true });
      request.on("error", (error) => {
        signal?.removeEventListener("abort", beforeAnswer);
        reject(signal?.aborted ? reasonOf(signal) : new TypeError("fetch failed", { cause: error }));
      });
      request.end(bytes);
    });
  };
  return { fetch, close };
}

/** What an abort fails with: the signal's reason, as fetch does. */
function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("This operation was aborted", "AbortError");
}

/** A JSON (not event-stream) content type. */
function isJson(type: string | null): boolean {
  return type !== null && !type.includes("text/event-stream") && /[/+]json\b/i.test(type);
}

function responseOf(answer: IncomingMessage, method: string, wholeJson: boolean): Response | Promise<Response> {
  const status = answer.statusCode ?? 502;
  const headers = new Headers();
  const raw = answer.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) headers.append(raw[index] as string, raw[index + 1] as string);
  const encoding = headers.get("content-encoding")?.trim().toLowerCase();
  const decoder = encoding === undefined ? undefined : decoders[encoding];
  let stream: Readable = answer;
  if (decoder !== undefined) {
    const decoding = decoder();
    stream = pipeline(answer, decoding, () => {}) as unknown as Readable;
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  if (bodiless.has(status) || method === "HEAD") {
    answer.resume();
    return new Response(null, { status: Math.max(status, 200), statusText: answer.statusMessage ?? "", headers });
  }
  if (wholeJson && isJson(headers.get("content-type"))) {
    // Read here, on node streams, then one Response over the bytes.
    return new Promise<Response>((resolve, reject) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.once("end", () => {
        const bytes = Buffer.concat(chunks);
        const response = new Response(bytes, { status, statusText: answer.statusMessage ?? "", headers });
        knownBodies.set(response, bytes);
        resolve(response);
      });
      stream.once("error", reject);
      // The connection closing before the end (a cut body) fails the call too.
      answer.once("close", () => {
        if (!answer.complete) reject(new Error("the upstream closed the connection before the end of its answer"));
      });
    });
  }
  const body = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
  return new Response(body, { status, statusText: answer.statusMessage ?? "", headers });
}
