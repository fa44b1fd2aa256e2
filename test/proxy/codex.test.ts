/**
 * The real Codex CLI (`@openai/codex` 0.171.0, pinned as a dev dependency) through `compactor proxy`, with
 * `compactor/testing` as the upstream (Responses API, SSE):
 *
 * - `codex exec` with the `compactor` model provider `compactor wrap codex` gives it (`-c` overrides) runs a
 *   33-call tool session that reads long files: it completes, every upstream request is valid, the key reaches
 *   the upstream untouched, the session is Codex's own (its `session-id` header), compaction fires, and the
 *   proxy's report agrees with the upstream's own token counts;
 * - pointed at the proxy as its built-in OpenAI provider (`openai_base_url`), Codex tries a Responses WebSocket
 *   first: the proxy refuses the upgrade with a 426 and Codex falls back to HTTPS at once (one attempt, no
 *   reconnect loop), and no upgrade reaches the upstream;
 * - `compactor wrap codex -- exec …` runs it end to end and prints the session report;
 * - Codex's own auto-compaction (`model_auto_compact_token_limit`) fires at the same request through the proxy
 *   as without it with the default `agentUsage`, and never with `agentUsage: "upstream"`.
 *
 * Skipped, saying why, when the CLI's binary does not run here (its package ships per-platform binaries as
 * optional dependencies).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codexAuthMode, codexOverrides, wrapCommand } from "../../src/cli/wrap-command.js";
import { type AgentUsage, type CompactorEvent, startProxy } from "../../src/index.js";
import { type RecordedRequest, reply } from "../../src/testing/index.js";
import { countO200kTokens } from "../../src/tokens/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";
import { agentBinary, expectReportMatchesUpstream, longFiles, runAgent, useCleanup } from "../support/real-agents.js";

const codexBinary = agentBinary("codex");
const codex = codexBinary.path;
const runs = codexBinary.runs;
const startServer = useServers();
const cleanup = useCleanup();

const reads = 32;

type Body = { tools?: Array<{ name?: string; type?: string }> };

/** A folder with `count` long files, a CODEX_HOME inside it, and the environment Codex runs with. */
function workspace(count: number): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = longFiles(cleanup, "compactor-codex-", count, { name: (index) => `file-${index}.txt`, header: (index) => `file ${index}`, lines: 120 });
  const home = join(dir, ".codex");
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, CODEX_HOME: home, CODEX_API_KEY: "sk-codex-fake-key", NO_COLOR: "1" };
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  return { dir, env };
}

/** Codex's turn requests carry its tools; it answers each `exec_command` with the command's output. */
function readingScript(dir: string, count: number) {
  let served = 0;
  return (request: RecordedRequest) => {
    const body = request.body as Body;
    if (!body.tools?.some((tool) => tool.name === "exec_command")) return reply.text("ok");
    if (served < count) return reply.toolCall("exec_command", { cmd: `cat ${join(dir, `file-${served++}.txt`)}` });
    return reply.text("All files read.");
  };
}

function run(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return runAgent(codex, args, options);
}

const execArgs = ["exec", "--skip-git-repo-check", "--sandbox", "danger-full-access", "-m", "gpt-5"];

describe.skipIf(!runs)(`Codex CLI through compactor proxy${codexBinary.skipped}`, () => {
  it(`codex exec: a ${reads + 1}-call tool session completes; every request valid; compaction fires; report agrees with the upstream`, async () => {
    const { dir, env } = workspace(reads);
    const server = await startServer({ script: readingScript(dir, reads) });
    const events: CompactorEvent[] = [];
    const proxy = await startProxy({
      upstreams: { openai: server.url },
      strategy: observationMasking({ keepLast: 3 }),
      trigger: tokenThreshold(8_000),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    cleanup(() => proxy.close());

    const { code, output } = await run([...codexOverrides(proxy.openaiBaseURL), ...execArgs, "Read every file in this folder with cat, one at a time."], {
      cwd: dir,
      env,
    });
    expect(code, output).toBe(0);
    expect(output).toContain("All files read.");

    const turns = server.requests.filter((request) => (request.body as Body).tools?.some((tool) => tool.name === "exec_command"));
    expect(turns.length).toBe(reads + 1);
    for (const request of server.requests) {
      expect(request.path).toBe("/v1/responses");
      expect(request.validationError).toBeUndefined();
      expect(request.status).toBe(200);
      expect(request.headers.authorization).toBe("Bearer sk-codex-fake-key");
      expect((request.body as { stream?: boolean }).stream).toBe(true);
    }
    // The session is Codex's own id, from its `session-id` header.
    const sessions = proxy.sessions();
    expect(sessions.map((session) => session.source)).toEqual(["codex"]);
    const sessionHeader = String(server.requests[0]?.headers["session-id"]);
    expect(sessionHeader).toMatch(/^[0-9a-f-]{36}$/);
    expect(sessions[0]?.id).toBe(`codex:${sessionHeader}`);

    const report = await proxy.report(sessions[0]?.id ?? "");
    expectReportMatchesUpstream(report, server.requests);
    expect(events.filter((event) => event.type === "error")).toEqual([]);
    expect(report.compactions).toBeGreaterThan(0);
    expect(events.filter((event) => event.type === "compaction").length).toBe(report.compactions);
    // Compaction shrank what went upstream: the last turn is far smaller than the reads it follows.
    const last = turns.at(-1)?.usage?.promptTokens ?? 0;
    const first = turns[0]?.usage?.promptTokens ?? 0;
    const perRead = (turns[1]?.usage?.promptTokens ?? 0) - first;
    expect(perRead).toBeGreaterThan(1_000);
    expect(last).toBeLessThan(first + 8 * perRead);
  }, 180_000);

  it("the built-in OpenAI provider's WebSocket attempt gets a 426 and Codex falls back to HTTPS at once", async () => {
    const { dir, env } = workspace(2);
    const server = await startServer({ script: readingScript(dir, 2) });
    const proxy = await startProxy({ upstreams: { openai: server.url }, diagnosticsChannel: false });
    cleanup(() => proxy.close());
    const { code, output } = await run(["-c", `openai_base_url=${JSON.stringify(proxy.openaiBaseURL)}`, ...execArgs, "Read both files."], {
      cwd: dir,
      env,
    });
    expect(code, output).toBe(0);
    expect(output).toContain("All files read.");
    // One refused upgrade, no reconnect loop (any other answer costs five reconnects, about 6 s).
    expect(output).not.toContain("Reconnecting");
    expect(proxy.metrics()).toMatch(/compactor_proxy_requests_total\{route="error",status="426"\} 1\n/);
    // Nothing but the HTTPS calls reached the upstream.
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual(
      Array.from({ length: 3 }, () => "POST /v1/responses"),
    );
  }, 120_000);

  it("compactor wrap codex -- exec …: runs Codex through a proxy and prints its session report", async () => {
    const { dir, env } = workspace(3);
    const server = await startServer({ script: readingScript(dir, 3) });
    const lines: string[] = [];
    const code = await wrapCommand(
      ["codex", "--upstream-openai", `${server.url}/v1`, "--bin", codex, "--", ...execArgs, "Read the three files."],
      (text) => lines.push(text),
      { cwd: dir, env, stdio: "ignore" },
    );
    expect(code).toBe(0);
    expect(server.requests.length).toBe(4);
    expect(server.requests.every((request) => request.validationError === undefined && request.path === "/v1/responses")).toBe(true);
    const text = lines.join("");
    const sessionId = String(server.requests[0]?.headers["session-id"]);
    expect(text).toContain(`session codex:${sessionId} (codex): 4 calls`);
    const prompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
    expect(text).toContain(`${prompt} prompt tokens`);
  }, 120_000);

  it("wrap codex passes Codex's exit code through", async () => {
    const { dir, env } = workspace(0);
    const lines: string[] = [];
    const code = await wrapCommand(["codex", "--bin", codex, "--", "exec", "--no-such-flag"], (text) => lines.push(text), {
      cwd: dir,
      env,
      stdio: "ignore",
    });
    expect(code).toBe(2);
    expect(lines.join("")).toContain("the agent made no model calls through the proxy");
  }, 60_000);
});

/** Index of Codex's own compaction request (its checkpoint prompt as the last input item); -1 when none. */
function codexCompactionAt(requests: readonly RecordedRequest[]): number {
  return requests.findIndex((request) => {
    const input = (request.body as { input?: unknown[] }).input;
    return JSON.stringify(input?.at(-1) ?? "").includes("CONTEXT CHECKPOINT");
  });
}

describe.skipIf(!runs)(`Codex's own auto-compaction through the proxy${codexBinary.skipped}`, () => {
  // Codex compacts mid-turn once the usage passes `model_auto_compact_token_limit`. Both servers count with o200k,
  // the estimator the proxy scales the usage with, so the agent's view matches a direct run exactly.
  const countTokens = (part: unknown) => countO200kTokens(JSON.stringify(part) ?? "");
  async function session(mode: "direct" | AgentUsage): Promise<RecordedRequest[]> {
    const count = 12;
    const { dir, env } = workspace(count);
    const script = readingScript(dir, count);
    const server = await startServer({ countTokens, script: (request) => ((request.body as Body).tools === undefined ? reply.text("Summary: files read.") : script(request)) });
    const proxy =
      mode === "direct"
        ? undefined
        : await startProxy({
            upstreams: { openai: server.url },
            strategy: observationMasking({ keepLast: 2 }),
            trigger: tokenThreshold(6_000),
            agentUsage: mode,
            diagnosticsChannel: false,
          });
    if (proxy) cleanup(() => proxy.close());
    const base = proxy?.openaiBaseURL ?? `${server.url}/v1`;
    const args = [...codexOverrides(base), "-c", "model_auto_compact_token_limit=20000", ...execArgs, "Read every file with cat."];
    const { code, output } = await run(args, { cwd: dir, env });
    expect(code, output).toBe(0);
    for (const request of server.requests) expect(request.validationError).toBeUndefined();
    return server.requests;
  }

  it("fires at the same request as without the proxy with the default usage, never with the upstream's", async () => {
    const direct = codexCompactionAt(await session("direct"));
    expect(direct).toBeGreaterThan(2);
    expect(codexCompactionAt(await session("uncompacted"))).toBe(direct);
    expect(codexCompactionAt(await session("upstream"))).toBe(-1);
  }, 180_000);
});

describe("wrap codex settings", () => {
  it("gives Codex a Responses provider at the proxy that uses Codex's own login", () => {
    expect(codexOverrides("http://127.0.0.1:9/v1")).toEqual([
      "-c",
      'model_provider="compactor"',
      "-c",
      'model_providers.compactor.name="compactor proxy"',
      "-c",
      'model_providers.compactor.base_url="http://127.0.0.1:9/v1"',
      "-c",
      'model_providers.compactor.wire_api="responses"',
      "-c",
      "model_providers.compactor.requires_openai_auth=true",
    ]);
  });

  it("reads only the login mode from CODEX_HOME/auth.json", () => {
    const home = mkdtempSync(join(tmpdir(), "compactor-codex-home-"));
    try {
      expect(codexAuthMode({ CODEX_HOME: home })).toBeUndefined();
      writeFileSync(join(home, "auth.json"), JSON.stringify({ auth_mode: "chatgpt", tokens: { access_token: "x" } }));
      expect(codexAuthMode({ CODEX_HOME: home })).toBe("chatgpt");
      writeFileSync(join(home, "auth.json"), "{not json");
      expect(codexAuthMode({ CODEX_HOME: home })).toBeUndefined();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("refuses an upstream that is not an http(s) URL, naming the option", async () => {
    await expect(wrapCommand(["codex", "--upstream-openai", "ftp://example.com"], () => {})).rejects.toThrow(/--upstream-openai/);
    await expect(wrapCommand(["codex", "--agent-usage", "bigger"], () => {})).rejects.toThrow(/--agent-usage/);
  });
});
