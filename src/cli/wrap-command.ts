/**
 * `compactor wrap claude|codex [-- agent arguments]`: starts a proxy on a free loopback port, runs the agent
 * pointed at it, and prints each session's report when the agent exits, with the agent's exit code.
 *
 * - Claude Code: `ANTHROPIC_BASE_URL` at the proxy. Its key or subscription token passes through untouched.
 * - Codex CLI: a `compactor` model provider given on its command line (`-c model_provider="compactor"` and
 *   `-c model_providers.compactor.…`), so the user's own `CODEX_HOME` (config, sessions, login) stays in use and
 *   nothing is written to it. The provider uses the Responses API and Codex's own login (`requires_openai_auth`:
 *   the API key or ChatGPT token in `auth.json`, or `CODEX_API_KEY`; Codex 0.171 itself ignores `OPENAI_API_KEY`). Requests go to the base URL Codex would
 *   use itself: `https://chatgpt.com/backend-api/codex` when `auth.json` says `"auth_mode": "chatgpt"`, else
 *   `https://api.openai.com/v1`; `--upstream-openai` overrides it. Custom providers do not use WebSockets, so
 *   Codex talks HTTPS + SSE to the proxy from its first request.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { InvalidOptionError } from "../errors.js";
import { type CompactorProxy, type ProxyOptions, startProxy } from "../proxy/server.js";
import { redisStore } from "../store/redis.js";
import { budgetFlagHelp, budgetFromFlags } from "./budget-flags.js";
import { agentUsageOption, strategyOption } from "./proxy-command.js";

const wrapUsage = `Usage: compactor wrap claude|codex [options] [-- agent arguments]

Starts a compactor proxy on a free loopback port, runs the agent pointed at it (your credentials pass through
untouched), and prints each session's report on stderr when the agent exits. Exits with the agent's exit code.

  claude   Claude Code, with ANTHROPIC_BASE_URL at the proxy
  codex    the Codex CLI, with a "compactor" model provider (Responses API) given as -c overrides; your
           CODEX_HOME, config and login stay as they are

Options:
  --upstream-anthropic URL   where Claude Code's requests go (default https://api.anthropic.com)
  --upstream-openai URL      the base URL Codex's requests go to (default https://api.openai.com/v1, or
                             https://chatgpt.com/backend-api/codex when Codex is logged in with ChatGPT)
  --store redis://...        keep sessions in Redis instead of memory
${budgetFlagHelp}  --event-log FILE           append every event to a JSONL file
  --shadow                   measure only: log what compaction would save, always send the original
  --no-compaction            record and price calls, never compact
  --strategy NAME            the compaction strategy by name, "native" included: see compactor proxy --help
  --agent-usage MODE         "uncompacted" (default) or "upstream": see compactor proxy --help
  --bin PATH                 the agent's executable (default: "claude" or "codex" on PATH)

Examples:
  compactor wrap claude
  compactor wrap claude -- -p "fix the failing test" --allowedTools Edit,Bash
  compactor wrap codex -- exec "fix the failing test"
`;

/** How an agent is pointed at a running proxy. */
interface AgentSetup {
  env: Record<string, string>;
  /** Arguments put before the user's own. */
  args: string[];
}

interface Agent {
  bin: string;
  setup(proxy: CompactorProxy, base: BaseChoice): AgentSetup;
  /** The upstream base URL, before the proxy starts. */
  base(values: { "upstream-anthropic"?: string; "upstream-openai"?: string }, env: NodeJS.ProcessEnv): BaseChoice;
}

/** An upstream base URL split into the origin the proxy forwards to and the path the agent keeps. */
export interface BaseChoice {
  origin: string;
  path: string;
}

function splitBase(field: string, raw: string): BaseChoice {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidOptionError(field, "an http(s) URL such as https://api.openai.com/v1", raw);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidOptionError(field, "an http(s) URL", raw);
  return { origin: url.origin, path: url.pathname.replace(/\/+$/, "") };
}

/** Codex's login mode from `$CODEX_HOME/auth.json` (only `auth_mode` is read; nothing is kept). */
export function codexAuthMode(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.CODEX_HOME ?? join(env.HOME ?? homedir(), ".codex");
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(home, "auth.json"), "utf8"));
    const mode = typeof parsed === "object" && parsed !== null ? (parsed as { auth_mode?: unknown }).auth_mode : undefined;
    return typeof mode === "string" ? mode.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** A TOML basic string. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** The `-c` overrides that point the Codex CLI at a proxy. */
export function codexOverrides(baseURL: string): string[] {
  const provider = "model_providers.compactor";
  return [
    ["model_provider", tomlString("compactor")],
    [`${provider}.name`, tomlString("compactor proxy")],
    [`${provider}.base_url`, tomlString(baseURL)],
    [`${provider}.wire_api`, tomlString("responses")],
    [`${provider}.requires_openai_auth`, "true"],
  ].flatMap(([key, value]) => ["-c", `${key}=${value}`]);
}

const agents: Record<string, Agent> = {
  claude: {
    bin: "claude",
    base: (values) => splitBase("--upstream-anthropic", values["upstream-anthropic"] ?? "https://api.anthropic.com"),
    setup: (proxy, base) => ({
      env: { ANTHROPIC_BASE_URL: `${proxy.url}${base.path}` },
      args: [],
    }),
  },
  codex: {
    bin: "codex",
    base: (values, env) =>
      splitBase(
        "--upstream-openai",
        values["upstream-openai"] ??
          (codexAuthMode(env) === "chatgpt" ? "https://chatgpt.com/backend-api/codex" : "https://api.openai.com/v1"),
      ),
    setup: (proxy, base) => ({
      env: {},
      args: codexOverrides(`${proxy.url}${base.path}`),
    }),
  },
};

/** Options of {@link wrapCommand} a caller (a test) may set. */
export interface WrapIo {
  /** Environment the agent starts with (the proxy's variables are added). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The agent's working directory. @default process.cwd() */
  cwd?: string;
  /** Where the agent's stdout and stderr go. @default "inherit" */
  stdio?: "inherit" | "ignore";
  /** Extra proxy options (a test's strategy and trigger). */
  proxy?: Omit<ProxyOptions, "port" | "upstreams">;
}

/** `compactor wrap <agent> [-- args]`: resolves to the agent's exit code. */
export async function wrapCommand(argv: readonly string[], report: (text: string) => void, io: WrapIo = {}): Promise<number> {
  const split = argv.indexOf("--");
  const own = split < 0 ? [...argv] : argv.slice(0, split);
  const agentArgs = split < 0 ? [] : argv.slice(split + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      "upstream-anthropic": { type: "string" },
      "upstream-openai": { type: "string" },
      store: { type: "string" },
      budget: { type: "string", multiple: true },
      "event-log": { type: "string" },
      shadow: { type: "boolean", default: false },
      "no-compaction": { type: "boolean", default: false },
      "agent-usage": { type: "string" },
      strategy: { type: "string" },
      bin: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length === 0) {
    report(wrapUsage);
    return values.help ? 0 : 2;
  }
  const name = positionals[0] as string;
  const agent = agents[name];
  if (agent === undefined) throw new InvalidOptionError("agent", `one of: ${Object.keys(agents).join(", ")}`, name);
  const env = io.env ?? process.env;
  const base = agent.base(values, env);
  const budget = budgetFromFlags(values.budget, values.store);
  const store = values.store === undefined ? undefined : redisStore({ url: values.store });
  // The proxy starts first (its port is in the agent's settings); the upstream is the agent's.
  const upstreams = name === "claude" ? { anthropic: base.origin } : { openai: base.origin };
  const proxy = await startProxy({
    ...io.proxy,
    port: 0,
    upstreams,
    ...(budget ? { budget } : {}),
    ...(store ? { store } : {}),
    ...(values["event-log"] ? { eventLog: values["event-log"] } : {}),
    ...(values.shadow ? { shadow: true } : {}),
    ...strategyOption(values.strategy, values["no-compaction"] ?? false),
    ...(values["agent-usage"] !== undefined ? { agentUsage: agentUsageOption(values["agent-usage"]) } : {}),
  });
  const setup = agent.setup(proxy, base);
  // Ctrl-C reaches the agent (same process group); compactor waits for it to exit, then reports.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  let code: number;
  try {
    const child = spawn(values.bin ?? agent.bin, [...setup.args, ...agentArgs], {
      stdio: io.stdio ?? "inherit",
      cwd: io.cwd ?? process.cwd(),
      env: { ...env, ...setup.env },
    });
    code = await new Promise<number>((resolve) => {
      child.on("error", (error) => {
        report(`compactor: could not start ${values.bin ?? agent.bin}: ${error.message}\n`);
        resolve(127);
      });
      child.on("close", (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
    });
  } finally {
    process.off("SIGINT", ignore);
  }
  try {
    for (const session of proxy.sessions()) {
      const summary = await proxy.report(session.id);
      report(
        `compactor: session ${summary.session} (${session.source}): ${summary.calls} calls, ` +
          `${summary.promptTokens} prompt tokens (${summary.cacheReadTokens} cached), ${summary.outputTokens} output; ` +
          `$${summary.costUsd.toFixed(4)} spent, $${summary.uncompactedCostUsd.toFixed(4)} without compaction; ` +
          `${summary.compactions} compaction${summary.compactions === 1 ? "" : "s"}; ${summary.verdict}\n`,
      );
    }
    if (proxy.sessions().length === 0) report("compactor: the agent made no model calls through the proxy\n");
  } finally {
    await proxy.close();
    await store?.dispose?.();
    await budget?.ledger?.dispose?.();
  }
  return code;
}
