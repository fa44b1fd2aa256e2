/**
 * The real Claude Code CLI (`@anthropic-ai/claude-code`, pinned as a dev dependency) through `compactor proxy`,
 * with `compactor/testing` as the upstream: `claude -p` with `ANTHROPIC_BASE_URL` at the proxy and a fake key
 * runs a 33-call tool session reading long files. It completes, every upstream request is valid, the fake key
 * reaches the upstream untouched, the session is Claude Code's own (its `x-claude-code-session-id`, also in
 * `metadata.user_id`), and the proxy's report agrees with the upstream's own token counts.
 *
 * Skipped, saying why, when the CLI's binary is not installed (its package ships per-platform binaries).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CompactorEvent, type CompactorProxy, startProxy } from "../../src/index.js";
import { reply } from "../../src/testing/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";
import { agentBinary, claudeEnv, expectReportMatchesUpstream, longFiles, runAgent, useCleanup } from "../support/real-agents.js";

const claude = agentBinary("claude");
const startServer = useServers();
const cleanup = useCleanup();

const reads = 32;

describe.skipIf(!claude.runs)(`Claude Code through compactor proxy${claude.skipped}`, () => {
  it(`claude -p: a ${reads + 1}-call Read session completes; every request valid; report agrees with the upstream`, async () => {
    const dir = longFiles(cleanup, "compactor-claude-", reads, { name: (index) => `file-${index}.ts`, header: (index) => `// file ${index}`, lines: 80 });
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
    cleanup(() => proxy.close());

    const { code, output } = await runAgent(
      claude.path,
      ["-p", "Read every file in this folder, one at a time.", "--allowedTools", "Read", "--max-turns", "60", "--model", "claude-sonnet-4-6"],
      { cwd: dir, env: claudeEnv(dir, proxy.anthropicBaseURL) },
    );
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
    expectReportMatchesUpstream(report, server.requests);
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
