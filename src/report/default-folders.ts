/**
 * Where coding agents keep their session logs, for `compactor report` with no paths.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** A folder of session logs and the agent that writes it. */
export interface LogFolder {
  agent: "claude-code" | "codex" | "pi";
  path: string;
  /** Why this folder: the environment variable or default it comes from. */
  from: string;
}

/**
 * The session-log folders of Claude Code, Codex CLI and the pi coding agent, as each agent locates them:
 * - Claude Code: `<dir>/projects` for each comma-separated `dir` of `$CLAUDE_CONFIG_DIR`, else
 *   `~/.config/claude/projects` and `~/.claude/projects`;
 * - Codex CLI: `$CODEX_HOME/sessions`, else `~/.codex/sessions` (rollouts under `YYYY/MM/DD/`);
 * - pi: `$PI_CODING_AGENT_DIR/sessions`, else `~/.pi/agent/sessions`.
 *
 * With `existing` (the default) only folders that exist are returned.
 */
export function defaultLogFolders(
  options: { env?: NodeJS.ProcessEnv; home?: string; existing?: boolean } = {},
): LogFolder[] {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const expand = (path: string) => resolve(path.startsWith("~/") ? join(home, path.slice(2)) : path);
  const folders: LogFolder[] = [];
  const claude = env.CLAUDE_CONFIG_DIR?.trim();
  if (claude) {
    for (const dir of claude.split(",").map((part) => part.trim()).filter(Boolean))
      folders.push({ agent: "claude-code", path: join(expand(dir), "projects"), from: "$CLAUDE_CONFIG_DIR" });
  } else {
    folders.push({ agent: "claude-code", path: join(home, ".config", "claude", "projects"), from: "default" });
    folders.push({ agent: "claude-code", path: join(home, ".claude", "projects"), from: "default" });
  }
  const codex = env.CODEX_HOME?.trim();
  folders.push({
    agent: "codex",
    path: join(codex ? expand(codex) : join(home, ".codex"), "sessions"),
    from: codex ? "$CODEX_HOME" : "default",
  });
  const pi = env.PI_CODING_AGENT_DIR?.trim();
  folders.push({
    agent: "pi",
    path: join(pi ? expand(pi) : join(home, ".pi", "agent"), "sessions"),
    from: pi ? "$PI_CODING_AGENT_DIR" : "default",
  });
  if (options.existing === false) return folders;
  return folders.filter((folder) => existsSync(folder.path) && statSync(folder.path).isDirectory());
}
