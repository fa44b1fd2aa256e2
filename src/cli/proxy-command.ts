/**
 * `compactor proxy`: runs {@link startProxy} until SIGINT or SIGTERM.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { InvalidOptionError } from "../errors.js";
import { type CompactorProxy, startProxy } from "../proxy/server.js";
import { redisStore } from "../store/redis.js";

const usage = `Usage: compactor proxy [options]

Serves the Anthropic Messages, OpenAI Chat Completions and Responses APIs, compacting long sessions, and
forwards every request to the configured upstreams (credentials pass through untouched).

Options:
  --port N                   port to listen on (default 8788; 0 picks a free one)
  --host ADDR                interface to listen on (default 127.0.0.1; set --token before exposing it)
  --upstream-anthropic URL   where Anthropic requests go (default https://api.anthropic.com)
  --upstream-openai URL      where OpenAI requests go (default https://api.openai.com)
  --store redis://...        keep sessions in Redis (shared by several proxies) instead of memory
  --event-log FILE           append every event (calls, compactions, errors) to a JSONL file
  --token TOKEN              require this value in the x-compactor-token header (or COMPACTOR_PROXY_TOKEN)
  --max-body BYTES           largest request body accepted (default 33554432)
  --shadow                   measure only: log what compaction would save, always send the original
  --no-compaction            record and price calls, never compact
`;

/** Runs the command; resolves to the exit code once the proxy has stopped. */
export async function proxyCommand(argv: readonly string[], write: (text: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: "string", default: "8788" },
      host: { type: "string", default: "127.0.0.1" },
      "upstream-anthropic": { type: "string" },
      "upstream-openai": { type: "string" },
      store: { type: "string" },
      "event-log": { type: "string" },
      token: { type: "string" },
      "max-body": { type: "string" },
      shadow: { type: "boolean", default: false },
      "no-compaction": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    write(usage);
    return 0;
  }
  const port = Number(values.port);
  const maxBody = values["max-body"] === undefined ? undefined : Number(values["max-body"]);
  const token = values.token ?? process.env.COMPACTOR_PROXY_TOKEN;
  const store = values.store === undefined ? undefined : redisStore({ url: values.store });
  const proxy = await startProxy({
    port,
    host: values.host,
    upstreams: {
      ...(values["upstream-anthropic"] ? { anthropic: values["upstream-anthropic"] } : {}),
      ...(values["upstream-openai"] ? { openai: values["upstream-openai"] } : {}),
    },
    ...(store ? { store } : {}),
    ...(values["event-log"] ? { eventLog: values["event-log"] } : {}),
    ...(token ? { token } : {}),
    ...(maxBody !== undefined ? { maxBodyBytes: maxBody } : {}),
    ...(values.shadow ? { shadow: true } : {}),
    ...(values["no-compaction"] ? { strategy: null } : {}),
  });
  write(
    `compactor proxy listening on ${proxy.url}\n` +
      `  Claude Code / Anthropic SDK: ANTHROPIC_BASE_URL=${proxy.anthropicBaseURL}\n` +
      `  OpenAI SDK / Codex:          OPENAI_BASE_URL=${proxy.openaiBaseURL}\n` +
      `  dashboard:                   ${proxy.url}/\n` +
      `  metrics:                     ${proxy.url}/metrics\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await proxy.close();
  await store?.dispose?.();
  write("compactor proxy stopped\n");
  return 0;
}

const wrapUsage = `Usage: compactor wrap claude [options] [-- agent arguments]

Starts a compactor proxy on a free loopback port, runs Claude Code with ANTHROPIC_BASE_URL pointed at it
(your credentials pass through untouched), and prints each session's report on stderr when the agent exits.
Exits with the agent's exit code.

Options:
  --upstream-anthropic URL   where requests go (default https://api.anthropic.com)
  --store redis://...        keep sessions in Redis instead of memory
  --event-log FILE           append every event to a JSONL file
  --shadow                   measure only: log what compaction would save, always send the original
  --no-compaction            record and price calls, never compact
  --bin PATH                 the agent's executable (default: "claude" on PATH)
`;

/** Where `compactor wrap` points each agent it knows. */
const agents: Record<string, { bin: string; env: (proxy: CompactorProxy) => Record<string, string> }> = {
  claude: { bin: "claude", env: (proxy) => ({ ANTHROPIC_BASE_URL: proxy.anthropicBaseURL }) },
};

/** Options of {@link wrapCommand} a caller (a test) may set. */
export interface WrapIo {
  /** Environment the agent starts with (the proxy's variables are added). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** The agent's working directory. @default process.cwd() */
  cwd?: string;
  /** Where the agent's stdout and stderr go. @default "inherit" */
  stdio?: "inherit" | "ignore";
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
      store: { type: "string" },
      "event-log": { type: "string" },
      shadow: { type: "boolean", default: false },
      "no-compaction": { type: "boolean", default: false },
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
  const store = values.store === undefined ? undefined : redisStore({ url: values.store });
  const proxy = await startProxy({
    port: 0,
    ...(values["upstream-anthropic"] ? { upstreams: { anthropic: values["upstream-anthropic"] } } : {}),
    ...(store ? { store } : {}),
    ...(values["event-log"] ? { eventLog: values["event-log"] } : {}),
    ...(values.shadow ? { shadow: true } : {}),
    ...(values["no-compaction"] ? { strategy: null } : {}),
  });
  // Ctrl-C reaches the agent (same process group); compactor waits for it to exit, then reports.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  let code: number;
  try {
    const child = spawn(values.bin ?? agent.bin, agentArgs, {
      stdio: io.stdio ?? "inherit",
      cwd: io.cwd ?? process.cwd(),
      env: { ...(io.env ?? process.env), ...agent.env(proxy) },
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
  for (const session of proxy.sessions()) {
    const summary = await proxy.report(session.id);
    report(
      `compactor: session ${summary.session} (${session.source}): ${summary.calls} calls, ` +
        `${summary.promptTokens} prompt tokens (${summary.cacheReadTokens} cached), ${summary.outputTokens} output; ` +
        `$${summary.costUsd.toFixed(4)} spent, $${summary.uncompactedCostUsd.toFixed(4)} without compaction; ` +
        `${summary.verdict}\n`,
    );
  }
  if (proxy.sessions().length === 0) report("compactor: the agent made no model calls through the proxy\n");
  await proxy.close();
  await store?.dispose?.();
  return code;
}
