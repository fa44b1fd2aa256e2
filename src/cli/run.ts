/**
 * The `compactor` command line, as a function (the bin in main.ts calls it).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { CompactorError } from "../errors.js";
import { runBudgetCommand } from "../budget/cli.js";
import { benchCommand } from "./bench-command.js";
import { runPricesCommand } from "./prices-command.js";
import { proxyCommand, wrapCommand } from "./proxy-command.js";
import { runReport } from "./report-command.js";

const usage = `Usage: compactor <command> [options]

Commands:
  bench [files|folders]     replay sessions under every strategy and compare dollars and recall
  report <files|folders>    what recorded sessions (or a compactor event log) actually cost
  prices [model]            the prices compactor uses
  budget --url redis://...  spend against budget limits, from the shared Redis ledger
  proxy                     an HTTP proxy that compacts any agent's sessions (Claude Code, Codex, SDKs)
  wrap claude [-- args]     run Claude Code through a proxy and print its session report on exit

Run "compactor <command> --help" for a command's options.
`;

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const write = (text: string) => process.stdout.write(text);
  try {
    switch (command) {
      case "report": {
        const { values, positionals } = parseArgs({
          args: [...rest],
          allowPositionals: true,
          options: { json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
        });
        if (values.help || positionals.length === 0) {
          write("Usage: compactor report <files or folders> [--json]\n");
          return values.help ? 0 : 2;
        }
        await runReport({ paths: positionals, json: values.json ?? false, write });
        return 0;
      }
      case "bench":
        return await benchCommand(rest, write);
      case "proxy":
        return await proxyCommand(rest, write);
      case "wrap":
        return await wrapCommand(rest, (text) => process.stderr.write(text));
      case "prices": {
        const { values, positionals } = parseArgs({
          args: [...rest],
          allowPositionals: true,
          options: {
            provider: { type: "string", multiple: true },
            json: { type: "boolean", default: false },
            help: { type: "boolean", short: "h" },
          },
        });
        if (values.help) {
          write("Usage: compactor prices [model...] [--provider name]... [--json]\n");
          return 0;
        }
        await runPricesCommand({
          models: positionals,
          json: values.json ?? false,
          write,
          ...(values.provider ? { providers: values.provider } : {}),
        });
        return 0;
      }
      case "budget": {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            url: { type: "string" },
            session: { type: "string" },
            team: { type: "string" },
            prefix: { type: "string" },
            json: { type: "boolean", default: false },
            help: { type: "boolean", short: "h" },
          },
        });
        if (values.help || values.url === undefined) {
          write(
            "Usage: compactor budget --url redis://host:6379 [--session id] [--team name] [--prefix compactor:] [--json]\n",
          );
          return values.help ? 0 : 2;
        }
        await runBudgetCommand({
          url: values.url,
          session: values.session,
          team: values.team,
          prefix: values.prefix,
          json: values.json ?? false,
          write,
        });
        return 0;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        write(usage);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`compactor: unknown command "${command}"\n\n${usage}`);
        return 2;
    }
  } catch (error) {
    if (CompactorError.isInstance(error)) {
      process.stderr.write(`compactor: ${error.message}\n`);
      return 1;
    }
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`compactor: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
