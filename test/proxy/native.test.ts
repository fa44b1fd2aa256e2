/**
 * Provider-native compaction selected by name in the proxy: `compactor proxy --strategy native` (the command, as
 * a child process) and `startProxy({ strategy: strategyByName("native") })`, each with its defaults, under the
 * official SDKs against `compactor/testing`, which speaks Anthropic's on-demand compaction and OpenAI's
 * `/responses/compact`. With its defaults it compacts when the default's rule would: here (a loop with no time
 * between calls, so the cache is always warm) once the prompt passes 60% of the model's context window, so the
 * models are ones with 200k (claude-sonnet-4-5) and 128k (gpt-4o) windows. The provider's compaction fires, every request the upstream receives is valid, later
 * calls carry the provider's block or item, and the compaction calls are counted as spend. A name the registry
 * does not know is a typed error naming the flag.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, type CompactorProxy, costOfCall, startProxy, strategyByName } from "../../src/index.js";
import type { RecordedRequest } from "../../src/testing/index.js";
import { useServers } from "../e2e/helpers.js";
import { loopScript, runAnthropicLoop, runResponsesLoop } from "../support/agent-loop.js";
import { cli, repositoryRoot } from "../support/cli.js";

const startServer = useServers();
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const calls = 80;

function bodyOf(request: RecordedRequest): Record<string, unknown> {
  return request.body as Record<string, unknown>;
}

const isAnthropicCompaction = (request: RecordedRequest) => "compaction" in bodyOf(request);

/** `compactor proxy --strategy native …` as a child process; resolves to its URL once it listens. */
async function proxyCommand(...args: string[]): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "proxy", "--port", "0", ...args], {
    cwd: repositoryRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanup.push(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "close");
    }
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const [first] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(first)?.[1];
  if (url === undefined) throw new Error(`compactor proxy did not start: ${first}${stderr}`);
  return url;
}

describe("native compaction selected by name in the proxy", () => {
  it("compactor proxy --strategy native: Anthropic on-demand compaction fires; later calls carry the block", async () => {
    const server = await startServer({ script: loopScript(calls) });
    const url = await proxyCommand("--strategy", "native", "--upstream-anthropic", server.url);
    const client = new Anthropic({ baseURL: url, apiKey: "sk-ant-test", maxRetries: 0 });
    await runAnthropicLoop(client, { calls, model: "claude-sonnet-4-5" });

    const compactions = server.requests.filter(isAnthropicCompaction);
    expect(compactions.length).toBeGreaterThan(0);
    for (const request of server.requests) {
      expect(request.validationError).toBeUndefined();
      expect(request.status).toBe(200);
    }
    for (const request of compactions) {
      expect(bodyOf(request).compaction).toEqual({ type: "summarize" });
      expect(String(request.headers["anthropic-beta"])).toContain("compact-2026-09-04");
    }
    const first = server.requests.indexOf(compactions[0] as RecordedRequest);
    const later = server.requests.slice(first + 1).filter((request) => !isAnthropicCompaction(request));
    expect(later.length).toBeGreaterThan(0);
    for (const request of later) {
      const messages = bodyOf(request).messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
      expect(messages[0]?.content[0]?.type).toBe("compaction");
      expect(String(request.headers["anthropic-beta"])).toContain("compact-2026-09-04");
    }
    // The proxy's own count of compactions, by strategy name.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const counted = /^compactor_compactions_total\{strategy="native-compaction\([^"]*\)"\} (\d+)$/m.exec(metrics);
    expect(Number(counted?.[1])).toBe(compactions.length);
  }, 120_000);

  it('startProxy({ strategy: strategyByName("native") }): OpenAI /responses/compact fires and is counted as spend', async () => {
    const server = await startServer({ script: loopScript(calls) });
    const events: CompactorEvent[] = [];
    const proxy: CompactorProxy = await startProxy({
      upstreams: { openai: server.url },
      strategy: strategyByName("native"),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    cleanup.push(() => proxy.close());
    const client = new OpenAI({ baseURL: proxy.openaiBaseURL, apiKey: "sk-test", maxRetries: 0 });
    await runResponsesLoop(client, { calls, stream: true, model: "gpt-4o" });

    const compacts = server.requests.filter((request) => request.path.endsWith("/responses/compact"));
    expect(compacts.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "compaction").length).toBe(compacts.length);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    for (const request of server.requests) {
      expect(request.validationError).toBeUndefined();
      expect(request.status).toBe(200);
    }
    const first = server.requests.indexOf(compacts[0] as RecordedRequest);
    const later = server.requests.slice(first + 1).filter((request) => !request.path.endsWith("/compact"));
    expect(later.length).toBeGreaterThan(0);
    for (const request of later) {
      const input = bodyOf(request).input as Array<Record<string, unknown>>;
      expect(input.filter((item) => item.type === "compaction").length).toBe(1);
    }
    const spend = compacts.reduce((sum, request) => sum + (request.usage ? (costOfCall("gpt-4o", request.usage).costUsd ?? 0) : 0), 0);
    expect(spend).toBeGreaterThan(0);
    const session = proxy.sessions()[0]?.id ?? "";
    const report = await proxy.report(session);
    expect(report.calls).toBe(server.requests.length - compacts.length);
    expect(report.summarizerCostUsd).toBeCloseTo(spend, 10);
  }, 120_000);

  it("an unknown name, or a name with --no-compaction: a typed error naming --strategy", async () => {
    const unknown = await cli("proxy", "--strategy", "smart");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("--strategy");
    expect(unknown.stderr).toContain("native");
    const both = await cli("proxy", "--strategy", "native", "--no-compaction");
    expect(both.code).toBe(1);
    expect(both.stderr).toContain("--no-compaction");
    const wrap = await cli("wrap", "claude", "--strategy", "smart");
    expect(wrap.code).toBe(1);
    expect(wrap.stderr).toContain("--strategy");
  });
});
