/**
 * `compactor wrap claude -- <args>` (issue 12): starts a proxy on a free port, runs the real Claude Code CLI
 * with `ANTHROPIC_BASE_URL` at it, and reports the session when the agent exits, with the agent's exit code.
 * Upstream: `compactor/testing`. Skipped, saying why, when the CLI's binary does not run here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wrapCommand } from "../../src/cli/wrap-command.js";
import { reply } from "../../src/testing/index.js";
import { useServers } from "../e2e/helpers.js";

const claude = join(import.meta.dirname, "../../node_modules/.bin/claude");
const runs = existsSync(claude) && spawnSync(claude, ["--version"], { timeout: 30_000 }).status === 0;
const startServer = useServers();

describe.skipIf(!runs)(`compactor wrap claude${runs ? "" : " (skipped: node_modules/.bin/claude does not run)"}`, () => {
  it("runs Claude Code through a proxy and prints its session report on exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "compactor-wrap-"));
    try {
      writeFileSync(join(dir, "notes.txt"), "the build is green\n".repeat(50));
      let served = 0;
      const server = await startServer({
        script: (request) => {
          const body = request.body as { tools?: Array<{ name?: string }> };
          if (!body.tools?.some((tool) => tool.name === "Read")) return reply.text("ok");
          return served++ === 0 ? reply.toolCall("Read", { file_path: join(dir, "notes.txt") }) : reply.text("Read it.");
        },
      });
      const lines: string[] = [];
      const code = await wrapCommand(
        ["claude", "--upstream-anthropic", server.url, "--bin", claude, "--", "-p", "Read notes.txt", "--allowedTools", "Read"],
        (text) => lines.push(text),
        {
          cwd: dir,
          stdio: "ignore",
          env: { ...process.env, HOME: dir, ANTHROPIC_API_KEY: "sk-ant-fake", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1" },
        },
      );
      expect(code).toBe(0);
      expect(server.requests.length).toBeGreaterThanOrEqual(2);
      expect(server.requests.every((request) => request.validationError === undefined)).toBe(true);
      const text = lines.join("");
      const sessionId = String(server.requests[0]?.headers["x-claude-code-session-id"]);
      expect(text).toContain(`session claude-code:${sessionId} (claude-code): ${server.requests.length} calls`);
      const prompt = server.requests.reduce((sum, request) => sum + (request.usage?.promptTokens ?? 0), 0);
      expect(text).toContain(`${prompt} prompt tokens`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("exits 127 with a clear message when the agent cannot be started", async () => {
    const lines: string[] = [];
    const code = await wrapCommand(["claude", "--bin", "/nonexistent/claude"], (text) => lines.push(text), { stdio: "ignore" });
    expect(code).toBe(127);
    expect(lines.join("")).toContain("could not start /nonexistent/claude");
  });
});
