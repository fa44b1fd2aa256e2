/**
 * `compactor proxy`: runs {@link startProxy} until SIGINT or SIGTERM.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { InvalidOptionError } from "../errors.js";
import type { AgentUsage } from "../proxy/agent-usage.js";
import { startProxy } from "../proxy/server.js";
import type { Strategy } from "../../strategies/types.js";
import { strategyByName, strategyNames } from "../../strategies/registry.js";
import { redisStore } from "../store/redis.js";
import { budgetFlagHelp, budgetFromFlags } from "./budget-flags.js";

const usage = `Usage: compactor proxy [options]

Serves the Anthropic Messages, OpenAI Chat Completions and Responses APIs, compacting long sessions, and
forwards every request to the configured upstreams (credentials pass through untouched).

Options:
  --port N                   port to listen on (default 8788; 0 picks a free one)
  --host ADDR                interface to listen on (default 127.0.0.1; set --token before exposing it)
  --upstream-anthropic URL   where Anthropic requests go (default https://api.anthropic.com)
  --upstream-openai URL      where OpenAI requests go (default https://api.openai.com)
  --store redis://...        keep sessions in Redis (shared by several proxies) instead of memory
${budgetFlagHelp}  --event-log FILE           append every event (calls, compactions, errors) to a JSONL file
  --token TOKEN              require this value in the x-compactor-token header (or COMPACTOR_PROXY_TOKEN)
  --max-body BYTES           largest request body accepted (default 33554432)
  --shadow                   measure only: log what compaction would save, always send the original
  --no-compaction            record and price calls, never compact
  --strategy NAME            the compaction strategy (default "default"), one of:
                             ${strategyNames.slice(0, 4).join(", ")},
                             ${strategyNames.slice(4).join(", ")};
                             "native" has the provider compact (Anthropic on-demand compaction, OpenAI
                             /responses/compact) when the default's rule says compact, the default elsewhere
  --agent-usage MODE         usage a compacted call shows the agent: "uncompacted" (default; the size of the
                             agent's own request, so its own auto-compaction fires as without the proxy) or
                             "upstream" (the upstream's usage of the compacted request, unchanged)
`;

/** `--agent-usage`'s value, checked. */
export function agentUsageOption(value: string): AgentUsage {
  if (value !== "uncompacted" && value !== "upstream") throw new InvalidOptionError("--agent-usage", '"uncompacted" or "upstream"', value);
  return value;
}

/**
 * `--strategy`'s value: a strategy of the registry by name (with its defaults), or a typed error naming the flag.
 * `--no-compaction` with a strategy is refused: the two contradict each other.
 */
export function strategyOption(name: string | undefined, noCompaction: boolean): { strategy?: Strategy | null } {
  if (name === undefined) return noCompaction ? { strategy: null } : {};
  if (noCompaction) throw new InvalidOptionError("--strategy", "no --strategy with --no-compaction", name);
  if (!(strategyNames as readonly string[]).includes(name)) {
    throw new InvalidOptionError("--strategy", `one of ${strategyNames.join(", ")}`, name);
  }
  return { strategy: strategyByName(name) };
}

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
      budget: { type: "string", multiple: true },
      "event-log": { type: "string" },
      token: { type: "string" },
      "max-body": { type: "string" },
      shadow: { type: "boolean", default: false },
      "no-compaction": { type: "boolean", default: false },
      "agent-usage": { type: "string" },
      strategy: { type: "string" },
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
  const budget = budgetFromFlags(values.budget, values.store);
  const store = values.store === undefined ? undefined : redisStore({ url: values.store });
  const proxy = await startProxy({
    port,
    ...(budget ? { budget } : {}),
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
    ...strategyOption(values.strategy, values["no-compaction"] ?? false),
    ...(values["agent-usage"] !== undefined ? { agentUsage: agentUsageOption(values["agent-usage"]) } : {}),
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
  await budget?.ledger?.dispose?.();
  write("compactor proxy stopped\n");
  return 0;
}
