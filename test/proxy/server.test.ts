/**
 * `compactor proxy` (issue 12): what the proxy does on its own — sessions, credentials, token, no open relay,
 * size limit, errors in the provider's format, passthrough paths, streaming chunks relayed as they arrive,
 * `/metrics` — checked over real HTTP against `compactor/testing` or a small upstream of the test's own.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorProxy, startProxy } from "../../src/index.js";
import { InvalidOptionError } from "../../src/errors.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const proxies: CompactorProxy[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function proxyTo(upstream: string, options: Parameters<typeof startProxy>[0] = {}): Promise<CompactorProxy> {
  const proxy = await startProxy({ upstreams: { anthropic: upstream, openai: upstream }, diagnosticsChannel: false, ...options });
  proxies.push(proxy);
  return proxy;
}

const messages = (text: string) => ({
  model: "claude-sonnet-4-6",
  max_tokens: 64,
  messages: [{ role: "user", content: text }],
});

function post(proxy: CompactorProxy, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${proxy.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "sk-ant-k", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("sessions", () => {
  it("x-compactor-session, then Claude Code's session id (header or metadata), then Codex's header, then a hash", async () => {
    const server = await startServer();
    const proxy = await proxyTo(server.url);
    const claudeId = "0b6f3a52-1c1e-4a8e-9d7e-5f8a2b3c4d5e";
    await post(proxy, "/v1/messages", messages("a"), { "x-compactor-session": "task-42" });
    await post(proxy, "/v1/messages", {
      ...messages("b"),
      metadata: { user_id: `user_${"ab".repeat(32)}_account_${claudeId}_session_${claudeId.replace("0b", "1b")}` },
    });
    await post(proxy, "/v1/messages", messages("c"), { "x-claude-code-session-id": claudeId });
    const openai = new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "sk-o", maxRetries: 0 });
    await openai.responses.create({ model: "gpt-4.1", input: "d" }, { headers: { session_id: "019a9544-7ab1-73c1" } });
    // The same conversation start, twice, cache markers moved: one hashed session.
    await post(proxy, "/v1/messages", { ...messages("e"), system: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }] });
    await post(proxy, "/v1/messages", {
      ...messages("e"),
      system: [{ type: "text", text: "S" }],
      messages: [
        { role: "user", content: "e" },
        { role: "assistant", content: "Echo: e" },
        { role: "user", content: "more" },
      ],
    });
    expect(proxy.sessions().map(({ id, source }) => [source, id.replace(/^hash:[0-9a-f]{24}$/, "hash:…")])).toEqual([
      ["header", "task-42"],
      ["claude-code", `claude-code:${claudeId.replace("0b", "1b")}`],
      ["claude-code", `claude-code:${claudeId}`],
      ["codex", "codex:019a9544-7ab1-73c1"],
      ["hash", "hash:…"],
    ]);
    expect((await proxy.report("task-42")).calls).toBe(1);
    const hashed = proxy.sessions()[4]?.id ?? "";
    expect((await proxy.report(hashed)).calls).toBe(2);
    // The session header never reaches the upstream.
    expect(server.requests.every((request) => request.headers["x-compactor-session"] === undefined)).toBe(true);
  });
});

describe("credentials, token, relay, limits", () => {
  it("passes x-api-key and OAuth bearer tokens through untouched; never puts them in events or metrics", async () => {
    const server = await startServer();
    const seen: string[] = [];
    const proxy = await proxyTo(server.url, { onEvent: (event) => seen.push(JSON.stringify(event)) });
    await post(proxy, "/v1/messages", messages("hi"), { "x-api-key": "sk-ant-secret-1" });
    await post(proxy, "/v1/messages", messages("hi"), { "x-api-key": "", authorization: "Bearer sk-ant-oat01-secret-2" });
    expect(server.requests[0]?.headers["x-api-key"]).toBe("sk-ant-secret-1");
    expect(server.requests[1]?.headers.authorization).toBe("Bearer sk-ant-oat01-secret-2");
    expect(seen.length).toBeGreaterThan(0);
    const everything = seen.join("\n") + proxy.metrics();
    expect(everything).not.toContain("secret");
  });

  it("with a token: refuses requests without it (401 in the provider's format), forwards with it, strips it", async () => {
    const server = await startServer();
    const proxy = await proxyTo(server.url, { token: "team-token-123" });
    const anthropic = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
    const refused = await anthropic.messages.create(messages("x") as never).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(String((refused as Error).message)).toContain("x-compactor-token");
    const openai = new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "k", maxRetries: 0 });
    await expect(openai.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(server.requests).toHaveLength(0);
    const allowed = new Anthropic({
      baseURL: proxy.anthropicBaseURL,
      apiKey: "k",
      maxRetries: 0,
      defaultHeaders: { "x-compactor-token": "team-token-123" },
    });
    await allowed.messages.create(messages("x") as never);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers["x-compactor-token"]).toBeUndefined();
  });

  it("is no open relay: an absolute-form target is refused, and paths only ever reach the configured upstream", async () => {
    let hits = 0;
    const other = createServer((_request, response) => {
      hits++;
      response.end("other");
    });
    servers.push(other);
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const server = await startServer();
    const proxy = await proxyTo(server.url);
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: proxy.port, method: "GET", path: `${otherUrl}/v1/models` }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
    const sneaky = await fetch(`${proxy.url}/..%2F..%2F@127.0.0.1:${(other.address() as AddressInfo).port}/x`);
    await sneaky.text();
    expect(hits).toBe(0);
  });

  it("refuses bodies over the limit with 413 in the provider's format, before the upstream sees them", async () => {
    const server = await startServer();
    const proxy = await proxyTo(server.url, { maxBodyBytes: 10_000 });
    const anthropic = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
    const error = await anthropic.messages.create(messages("x".repeat(20_000)) as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain("request_too_large");
    const openai = new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "k", maxRetries: 0 });
    const openaiError = await openai.chat.completions
      .create({ model: "gpt-4.1", messages: [{ role: "user", content: "x".repeat(20_000) }] })
      .catch((caught: unknown) => caught);
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).code).toBe("request_too_large");
    expect(server.requests).toHaveLength(0);
  });

  it("an unreachable upstream is a 502 in the provider's format that says which upstream", async () => {
    const proxy = await proxyTo("http://127.0.0.1:9");
    const anthropic = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
    const error = await anthropic.messages.create(messages("x") as never).catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    expect(String((error as Error).message)).toContain("http://127.0.0.1:9");
  });

  it("rejects bad options with typed errors", async () => {
    await expect(startProxy({ upstreams: { anthropic: "ftp://x" } })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(startProxy({ port: 70_000 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(startProxy({ token: "short" })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});

describe("passthrough, streaming, metrics", () => {
  it("forwards count_tokens and models untouched and tracks no call for them", async () => {
    const server = await startServer();
    const proxy = await proxyTo(server.url);
    const count = await post(proxy, "/v1/messages/count_tokens", messages("hi"));
    await count.text();
    const models = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: "Bearer k" } });
    await models.text();
    expect(server.requests.map((request) => request.path)).toEqual(["/v1/messages/count_tokens", "/v1/models"]);
    expect(proxy.sessions()).toHaveLength(0);
    expect(proxy.metrics()).toMatch(/^compactor_calls_total 0$/m);
  });

  it("relays each streamed chunk as it arrives (the first before the upstream has finished)", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write('event: ping\ndata: {"type":"ping"}\n\n');
      void held.then(() => response.end('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
    });
    servers.push(upstream);
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const proxy = await proxyTo(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const response = await post(proxy, "/v1/messages", { ...messages("hi"), stream: true });
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("ping");
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("message_stop");
  });

  it("relays a stream's headers at once when its first event is late (and with the first chunk when it is there)", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const upstream = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream", "x-upstream": "yes" });
      response.flushHeaders();
      void held.then(() => response.end('event: message_stop\ndata: {"type":"message_stop"}\n\n'));
    });
    servers.push(upstream);
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const proxy = await proxyTo(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    // fetch resolves on the headers: it must do so while the upstream still holds its first event.
    const response = await post(proxy, "/v1/messages", { ...messages("hi"), stream: true });
    expect(response.headers.get("x-upstream")).toBe("yes");
    release();
    expect(await response.text()).toContain("message_stop");
  });

  it("/metrics: Prometheus text with calls, tokens by kind, dollars spent and saved, cache hit ratio", async () => {
    const server = await startServer();
    const proxy = await proxyTo(server.url);
    const anthropic = new Anthropic({ baseURL: proxy.anthropicBaseURL, apiKey: "k", maxRetries: 0 });
    await anthropic.messages.create(messages("hello") as never);
    await proxy.report(proxy.sessions()[0]?.id ?? "");
    const response = await fetch(`${proxy.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toMatch(/^compactor_calls_total\{provider="anthropic",model="claude-sonnet-4-6",stream="false"\} 1$/m);
    const input = Number(/^compactor_tokens_total\{kind="input"\} (\d+)$/m.exec(text)?.[1]);
    expect(input).toBe(server.requests[0]?.usage?.inputTokens);
    expect(text).toMatch(/^compactor_spent_usd_total [0-9.e-]+$/m);
    expect(text).toMatch(/^compactor_saved_usd 0$/m);
    expect(text).toMatch(/^compactor_cache_hit_ratio [0-9.]+$/m);
    expect(text).toMatch(/^# TYPE compactor_compactions_total counter$/m);
  });
});

describe("the client's bytes", () => {
  it("a compacted request keeps the client's own bytes for the messages it kept, and equals what the SDK wrapper sends", async () => {
    // One raw upstream: answers every call with the same message, keeps every body as received.
    const received: Record<string, string[]> = { proxy: [], wrapper: [] };
    const upstream = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received[String(request.headers["x-path"])]?.push(Buffer.concat(chunks).toString("utf8"));
        response.writeHead(200, { "content-type": "application/json" });
        const usage = { input_tokens: 900, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
        response.end(JSON.stringify({ id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-6", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null, usage }));
      });
    });
    servers.push(upstream);
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const { compactorFetch } = await import("../../src/index.js");
    const { observationMasking, tokenThreshold } = await import("../../strategies/index.js");
    const settings = () => ({ strategy: observationMasking({ keepLast: 3 }), trigger: tokenThreshold(3_000), diagnosticsChannel: false as const });
    const proxy = await proxyTo(base, settings());
    const wrapped = compactorFetch({ ...settings(), session: "bytes" });
    const items: unknown[] = [{ role: "user", content: "Read the files." }];
    const clientBodies: string[] = [];
    // Not the spacing JSON.stringify gives: a message written from the client's bytes shows.
    const bodyOf = () => `{"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [${items.map((item) => JSON.stringify(item, null, 1)).join(", ")}]}`;
    for (let call = 0; call < 14; call++) {
      const id = `toolu_${call}`;
      items.push(
        { role: "assistant", content: [{ type: "tool_use", id, name: "read", input: { path: `f${call}` } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: id, content: `line of file ${call}\n`.repeat(80) }] },
      );
      const headers = { "content-type": "application/json", "anthropic-version": "2023-06-01", "x-api-key": "k", "x-compactor-session": "bytes" };
      clientBodies.push(bodyOf());
      const direct = await post(proxy, "/v1/messages", bodyOf(), { "x-compactor-session": "bytes", "x-path": "proxy" });
      expect(direct.status).toBe(200);
      await direct.text();
      const viaWrapper = await wrapped(`${base}/v1/messages`, { method: "POST", headers: { ...headers, "x-path": "wrapper" }, body: bodyOf() });
      await viaWrapper.text();
      items.push({ role: "assistant", content: "ok" });
    }
    expect(received.proxy).toHaveLength(14);
    expect(received.wrapper).toHaveLength(14);
    let compacted = 0;
    for (let call = 0; call < 14; call++) {
      const sent = received.proxy?.[call] as string;
      expect(JSON.parse(sent)).toEqual(JSON.parse(received.wrapper?.[call] as string));
      if (sent !== clientBodies[call]) {
        compacted++;
        // The newest message went out as the client wrote it (spacing and all), the rest re-serialised.
        const last = JSON.parse(sent).messages.at(-1);
        expect(sent).toContain(JSON.stringify(last, null, 1));
        expect(sent.startsWith('{"model":"claude-sonnet-4-6"')).toBe(true);
      }
    }
    expect(compacted).toBeGreaterThan(3);
  });
});
