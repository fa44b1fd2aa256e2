/**
 * The `compactor` command line, as a function (the bin in main.ts calls it).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { budgetUsage, runBudgetCommand } from "../budget/cli.js";
import { CompactorError } from "../errors.js";
import { inputFileError } from "./fs-errors.js";
import { benchCommand } from "./bench-command.js";
import { pricesUsage, runPricesCommand } from "./prices-command.js";
import { proxyCommand } from "./proxy-command.js";
import { wrapCommand } from "./wrap-command.js";
import { reportUsage, runReport } from "./report-command.js";

const usage = `Usage: compactor <command> [options]

Commands:
  bench [files|folders]     replay sessions under every strategy and compare dollars and recall
  report [files|folders]    what recorded sessions (or a compactor event log) actually cost; with no paths,
                            the logs of Claude Code, Codex CLI and pi
  prices [model]            the prices compactor uses
  budget --url redis://...  spend against budget limits, from the shared Redis ledger
  proxy                     an HTTP proxy that compacts any agent's sessions (Claude Code, Codex, SDKs)
  wrap claude|codex         run Claude Code or the Codex CLI through a proxy, report when it exits

Options:
  -v, --version             print compactor's version
  -h, --help                this text

Run "compactor <command> --help" for a command's options.
Exit codes: 0 success, 1 bad input (the message names the file or option), 2 bad usage, 70 internal error.
`;

/** compactor's version, from its package.json (found upward from this file, in `src/` or in `dist/src/`). */
export function compactorVersion(): string {
  for (const relative of ["../../package.json", "../../../package.json"]) {
    try {
      const json = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (json.name === "compactor" && typeof json.version === "string") return json.version;
    } catch {
      // not there: try the next place
    }
  }
  return "unknown";
}

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
          options: {
            json: { type: "boolean", default: false },
            daily: { type: "boolean", default: false },
            monthly: { type: "boolean", default: false },
            since: { type: "string" },
            until: { type: "string" },
            timezone: { type: "string" },
            strict: { type: "boolean", default: false },
            help: { type: "boolean", short: "h" },
          },
        });
        if (values.help) {
          write(reportUsage);
          return 0;
        }
        if (values.daily && values.monthly) {
          process.stderr.write(`compactor: choose one of --daily and --monthly\n\n${reportUsage}`);
          return 2;
        }
        return await runReport({
          paths: positionals,
          json: values.json ?? false,
          write,
          view: values.daily ? "daily" : values.monthly ? "monthly" : "session",
          since: values.since,
          until: values.until,
          timeZone: values.timezone,
          strict: values.strict ?? false,
        });
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
          write(pricesUsage);
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
        if (values.help) {
          write(budgetUsage);
          return 0;
        }
        if (values.url === undefined) {
          process.stderr.write("compactor: budget needs --url\n");
          write(budgetUsage);
          return 2;
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
      case "--version":
      case "-v":
      case "version":
        write(`${compactorVersion()}\n`);
        return 0;
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
    // A file-system error that escaped a command (a path named in an option, say) is bad input, not a crash.
    const known =
      typeof error === "object" && error !== null && "path" in error && typeof error.path === "string"
        ? inputFileError(error.path, error)
        : error;
    if (CompactorError.isInstance(known)) {
      process.stderr.write(`compactor: ${known.message}\n`);
      return 1;
    }
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`compactor: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
