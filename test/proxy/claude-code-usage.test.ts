/**
 * What usage the proxy returns decides when Claude Code compacts its own history (issue 12). Claude Code 2.1.332
 * (pinned) checks the last response's input tokens against its auto-compaction threshold when a turn starts. The
 * same three-turn `claude -p` / `--continue` session, with long file reads, runs straight against
 * `compactor/testing` and through `compactor proxy` (masking old reads from 8k tokens on); the agent's own
 * compaction (its summary request, and the shorter history after it) must start at the same turn both ways:
 *
 * - with `agentUsage: "uncompacted"` (the default) it does: the agent sees the size of its own request;
 * - with `agentUsage: "upstream"` it never compacts (the usage of the compacted request is far below the
 *   threshold), which is what the default prevents: the agent's history would grow forever;
 * - turn 2 starts below the threshold and turn 3 above it, so a proxy that overstated the usage would make it
 *   compact a turn early, and this test would fail.
 *
 * Skipped, saying why, when the CLI's binary does not run here.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type AgentUsage, startProxy } from "../../src/index.js";
import type { RecordedRequest } from "../../src/testing/index.js";
import { reply } from "../../src/testing/index.js";
import { observationMasking, tokenThreshold } from "../../strategies/index.js";
import { useServers } from "../e2e/helpers.js";
import { agentBinary, claudeEnv, longFiles, runAgent, useCleanup } from "../support/real-agents.js";

const claude = agentBinary("claude");
const startServer = useServers();
const cleanup = useCleanup();

/** Files each `claude -p` run reads (about 2.7k tokens each, over a 21.7k-token system prompt and tools). */
const readsPerTurn = (process.env.READS ?? "15,5,1").split(",").map(Number);
const prompts = readsPerTurn.map((n, i) => `Read ${n} more files, one at a time (turn ${i}).`);

type Body = { tools?: Array<{ name?: string }>; messages?: Array<{ role: string; content: unknown }> };

function lastUserText(body: Body): string {
  const last = body.messages?.at(-1);
  return typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
}

/** Claude Code's own compaction request: its summary prompt, with no tool result in the last message. */
function isAgentCompaction(request: RecordedRequest): boolean {
  const text = lastUserText(request.body as Body);
  return !text.includes("tool_result") && /summary/i.test(text) && /conversation/i.test(text);
}

interface SessionRun {
  /** Index (0-based) of the turn whose start carried the agent's compaction request; -1 when none. */
  compactedAtTurn: number;
  requests: RecordedRequest[];
}

async function session(mode: "direct" | AgentUsage): Promise<SessionRun> {
  const total = readsPerTurn.reduce((sum, reads) => sum + reads, 0);
  const dir = longFiles(cleanup, "compactor-cc-usage-", total, { name: (index) => `file-${index}.ts`, header: (index) => `// file ${index}`, lines: 200 });
  let turn = 0;
  let served = 0;
  let compactedAtTurn = -1;
  const server = await startServer({
    script: (request) => {
      const body = request.body as Body;
      if (!body.tools?.some((tool) => tool.name === "Read")) return reply.text("ok");
      if (isAgentCompaction(request)) {
        if (compactedAtTurn < 0) compactedAtTurn = turn;
        return reply.text("<summary>The user asked to read files; they were read.</summary>");
      }
      const quota = readsPerTurn.slice(0, turn + 1).reduce((sum, reads) => sum + reads, 0);
      if (served < quota) return reply.toolCall("Read", { file_path: join(dir, `file-${served++}.ts`) });
      return reply.text("Done reading.");
    },
  });
  const proxy =
    mode === "direct"
      ? undefined
      : await startProxy({
          upstreams: { anthropic: server.url },
          strategy: observationMasking({ keepLast: 3 }),
          trigger: tokenThreshold(8_000),
          agentUsage: mode,
          diagnosticsChannel: false,
        });
  if (proxy) cleanup(() => proxy.close());
  const baseURL = proxy?.anthropicBaseURL ?? server.url;
  for (turn = 0; turn < prompts.length; turn++) {
    const args = ["-p", ...(turn > 0 ? ["--continue"] : []), prompts[turn] as string];
    const { code, output } = await runAgent(claude.path, [...args, "--allowedTools", "Read", "--max-turns", "40", "--model", "claude-sonnet-4-6"], {
      cwd: dir,
      env: claudeEnv(dir, baseURL, {
        // The smallest window Claude Code accepts, and compaction from half of it (Claude Code's own settings).
        CLAUDE_CODE_AUTO_COMPACT_WINDOW: "100000",
        ...(process.env.PCT ? { CLAUDE_AUTOCOMPACT_PCT_OVERRIDE: process.env.PCT } : {}),
      }),
    });
    expect(code, output).toBe(0);
  }
  return { compactedAtTurn, requests: server.requests };
}

describe.skipIf(!claude.runs)(`Claude Code's own compaction through the proxy${claude.skipped}`, () => {
  it("fires at the same turn as without the proxy with the default usage, never with the upstream's", async () => {
    const direct = await session("direct");
    // Without the proxy: turn 2 starts below the threshold, turn 3 above it.
    expect(direct.compactedAtTurn).toBe(2);

    const uncompacted = await session("uncompacted");
    expect(uncompacted.compactedAtTurn).toBe(direct.compactedAtTurn);
    for (const request of uncompacted.requests) expect(request.validationError).toBeUndefined();
    // The proxy did compact on the wire: the upstream saw much less than the agent's own history.
    const sentPeak = Math.max(...uncompacted.requests.map((request) => request.usage?.promptTokens ?? 0));
    const directPeak = Math.max(...direct.requests.map((request) => request.usage?.promptTokens ?? 0));
    expect(sentPeak).toBeLessThan(directPeak * 0.7);

    const upstream = await session("upstream");
    expect(upstream.compactedAtTurn).toBe(-1);
  }, 300_000);
});
