/**
 * The real Claude Code CLI (`@anthropic-ai/claude-code`, pinned as a dev dependency) through `compactor proxy`,
 * with `compactor/testing` as the upstream: `claude -p` with `ANTHROPIC_BASE_URL` at the proxy and a fake key
 * runs a 33-call tool session reading long files. It completes, every upstream request is valid, the fake key
 * reaches the upstream untouched, the session is Claude Code's own (its `x-claude-code-session-id`, also in
 * `metadata.user_id`), and the proxy's report agrees with the upstream's own token counts.
 *
 * Skipped, saying why, when the CLI's binary is not installed (its package ships per-platform binaries).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CompactorEvent, type CompactorProxy, startProxy } from "../../src/index.js";
import { reply } from "../../src/testing/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";

const claude = join(import.meta.dirname, "../../node_modules/.bin/claude");
const runs = existsSync(claude) && spawnSync(claude, ["--version"], { timeout: 30_000 }).status === 0;
const startServer = useServers();
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const reads = 32;

describe.skipIf(!runs)(`Claude Code through compactor proxy${runs ? "" : " (skipped: node_modules/.bin/claude does not run)"}`, () => {
  it(`claude -p: a ${reads + 1}-call Read session completes; every request valid; report agrees with the upstream`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "compactor-claude-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    for (let index = 0; index < reads; index++) {
      writeFileSync(join(dir, `file-${index}.ts`), `// file ${index}\n${"export const value = compute(input, options);\n".repeat(80)}`);
    }
    let served = 0;
    const server = await startServer({
      script: (request) => {
        const body = request.body as { tools?: Array<{ name?: string }> };
        // Claude Code's side calls (titles, topics) carry no tools: a short answer.
        if (!body.tools?.some((tool) => tool.name === "Read")) return reply.text("ok");
        if (served < reads) return reply.toolCall("Read", { file_path: join(dir, `file-${served++}.ts`) });
        return reply.text("All files read.");
      },
    });
    const events: CompactorEvent[] = [];
    const proxy: CompactorProxy = await startProxy({
      upstreams: { anthropic: server.url },
      strategy: observationMasking({ keepLast: 3 }),
      trigger: tokenThreshold(8_000),
      onEvent: (event) => events.push(event),
      diagnosticsChannel: false,
    });
    cleanup.push(() => proxy.close());

    const child = spawn(claude, ["-p", "Read every file in this folder, one at a time.", "--allowedTools", "Read", "--max-turns", "60", "--model", "claude-sonnet-4-6"], {
      cwd: dir,
      env: {
        ...process.env,
        HOME: dir,
        ANTHROPIC_BASE_URL: proxy.anthropicBaseURL,
        ANTHROPIC_API_KEY: "sk-ant-fake-key",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_AUTOUPDATER: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, output).toBe(0);
    expect(output).toContain("All files read.");

    const turns = server.requests.filter((request) => (request.body as { tools?: unknown[] }).tools !== undefined);
    expect(turns.length).toBe(reads + 1);
    for (const request of server.requests) {
      expect(request.validationError).toBeUndefined();
      expect(request.status).toBe(200);
      expect(request.headers["x-api-key"]).toBe("sk-ant-fake-key");
    }
    const sessions = proxy.sessions();
    expect(sessions.map((session) => session.source)).toEqual(["claude-code"]);
    const sessionHeader = String(server.requests[0]?.headers["x-claude-code-session-id"]);
    expect(sessions[0]?.id).toBe(`claude-code:${sessionHeader}`);

    const report = await proxy.report(sessions[0]?.id ?? "");
    expect(report.calls).toBe(server.requests.length);
    const sum = (pick: (usage: NonNullable<(typeof server.requests)[number]["usage"]>) => number) =>
      server.requests.reduce((total, request) => total + (request.usage ? pick(request.usage) : 0), 0);
    expect(report.promptTokens).toBe(sum((usage) => usage.promptTokens));
    expect(report.cacheReadTokens).toBe(sum((usage) => usage.cacheReadTokens));
    expect(report.outputTokens).toBe(sum((usage) => usage.outputTokens));
    expect(events.filter((event) => event.type === "error")).toEqual([]);

    // Claude Code 2.1.332 sends `context_management: {edits: [clear_thinking, keep: "all"]}` on every request: an
    // edit that changes nothing, so compactor compacts these requests like any other (src/session/formats.ts).
    const edits = (server.requests[0]?.body as { context_management?: unknown } | undefined)?.context_management;
    expect(edits).toEqual({ edits: [{ type: "clear_thinking_20251015", keep: "all" }] });
    expect(report.compactions).toBeGreaterThan(0);
    const compacted = events.filter((event) => event.type === "compaction");
    expect(compacted.length).toBe(report.compactions);
  }, 120_000);
});
