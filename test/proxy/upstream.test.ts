/**
 * The proxy's own upstream client (`src/proxy/upstream.ts`, node:http instead of the platform's fetch): what
 * the proxy relies on of `fetch` — the body sent as given, decoded answers, several set-cookie lines, bodiless
 * statuses, the caller's abort, a clear error when the upstream is unreachable, chunks as they arrive.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createUpstreamFetch } from "../../src/proxy/upstream.js";

const servers: Server[] = [];
const clients: Array<{ close: () => void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handler: (request: IncomingMessage, body: string, response: ServerResponse) => void): Promise<string> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => handler(request, Buffer.concat(chunks).toString("utf8"), response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client() {
  const made = createUpstreamFetch();
  clients.push(made);
  return made.fetch;
}

function gate(): { held: Promise<void>; release: () => void } {
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { held, release };
}

describe("the proxy's upstream client", () => {
  it("sends method, headers and body as given and returns status, headers (set-cookie lines kept) and body", async () => {
    const url = await serve((request, body, response) => {
      response.setHeader("set-cookie", ["a=1", "b=2"]);
      response.writeHead(201, "Made", { "content-type": "application/json", "x-echo": String(request.headers["x-api-key"]) });
      response.end(JSON.stringify({ method: request.method, body, length: request.headers["content-length"] }));
    });
    const fetch = client();
    const body = JSON.stringify({ text: "héllo" });
    const response = await fetch(`${url}/v1/messages?beta=true`, { method: "POST", headers: new Headers({ "x-api-key": "k" }), body });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe("Made");
    expect(response.headers.get("x-echo")).toBe("k");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await response.json()).toEqual({ method: "POST", body, length: String(Buffer.byteLength(body)) });
    // Kept alive: a second call on the same pool works too.
    expect((await fetch(url, { method: "POST", body: Buffer.from("{}") })).status).toBe(201);
  });

  it("decodes a gzip answer (and drops its encoding headers), as fetch does", async () => {
    const url = await serve((_request, _body, response) => {
      const zipped = gzipSync(JSON.stringify({ ok: true }));
      response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": zipped.length });
      response.end(zipped);
    });
    const response = await client()(url, { method: "POST", body: "{}" });
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(await response.json()).toEqual({ ok: true });
  });

  it("answers 204 with no body, relays chunks as they arrive, and honours the caller's abort", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const url = await serve((request, _body, response) => {
      if (request.url === "/empty") {
        response.writeHead(204);
        response.end();
        return;
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: 1\n\n");
      // "/hang" never finishes; "/stream" finishes once released.
      if (request.url === "/stream") void held.then(() => response.end("data: 2\n\n"));
    });
    const fetch = client();
    const empty = await fetch(`${url}/empty`, { method: "POST", body: "{}" });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();

    const streamed = await fetch(`${url}/stream`, { method: "POST", body: "{}" });
    const reader = streamed.body?.getReader();
    if (!reader) throw new Error("no body");
    // The first chunk arrives while the upstream still holds the rest.
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 1\n\n");
    release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 2\n\n");

    const abort = new AbortController();
    const pending = fetch(`${url}/hang`, { method: "POST", body: "{}", signal: abort.signal });
    const hanging = await pending;
    const hangingReader = hanging.body?.getReader();
    await hangingReader?.read();
    abort.abort();
    await expect(hangingReader?.read()).rejects.toThrow();
  });

  it("wholeJson: a JSON answer is read to its end before the call resolves; a stream still comes as it arrives", async () => {
    const json = gate();
    const stream = gate();
    const url = await serve((request, _body, response) => {
      if (request.url === "/json") {
        response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
        response.write('{"a":');
        void json.held.then(() => response.end("1}"));
      } else {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write("data: 1\n\n");
        void stream.held.then(() => response.end("data: 2\n\n"));
      }
    });
    const fetch = client();
    let resolved = false;
    const pending = fetch(`${url}/json`, { method: "POST", body: "{}" }, { wholeJson: true }).then((response) => {
      resolved = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolved).toBe(false);
    json.release();
    expect(await (await pending).json()).toEqual({ a: 1 });

    const streamed = await fetch(`${url}/sse`, { method: "POST", body: "{}" }, { wholeJson: true });
    const reader = streamed.body?.getReader();
    if (!reader) throw new Error("no body");
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 1\n\n");
    stream.release();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: 2\n\n");
  });

  it("wholeJson: a JSON body cut off fails the call like a failed connection; an abort fails it with the reason", async () => {
    const url = await serve((request, _body, response) => {
      response.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      response.write('{"partial":');
      if (request.url === "/cut") setTimeout(() => response.socket?.destroy(), 20);
    });
    const fetch = client();
    const cut = await fetch(`${url}/cut`, { method: "POST", body: "{}" }, { wholeJson: true }).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(TypeError);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("caller gone")), 20);
    const aborted = await fetch(`${url}/hang`, { method: "POST", body: "{}", signal: abort.signal }, { wholeJson: true }).catch((error: unknown) => error);
    expect(String(aborted)).toContain("caller gone");
  });

  it("takes headers as a plain object (lower-case names) as they are, or as Headers", async () => {
    const url = await serve((request, _body, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ key: request.headers["x-api-key"], beta: request.headers["anthropic-beta"] }));
    });
    const fetch = client();
    const plain = await fetch(url, { method: "POST", headers: { "x-api-key": "k1", "anthropic-beta": "a, b" }, body: "{}" });
    expect(await plain.json()).toEqual({ key: "k1", beta: "a, b" });
    const headers = new Headers({ "X-Api-Key": "k2" });
    const viaHeaders = await fetch(url, { method: "POST", headers, body: "{}" });
    expect(await viaHeaders.json()).toEqual({ key: "k2" });
  });

  it("fails like fetch (a TypeError with the cause) when the upstream is unreachable", async () => {
    const url = await serve(() => {});
    const port = new URL(url).port;
    await new Promise((resolve) => servers.splice(0)[0]?.close(resolve));
    const failure = await client()(`http://127.0.0.1:${port}/v1/messages`, { method: "POST", body: "{}" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as Error).cause)).toMatch(/ECONNREFUSED/);
  });
});
