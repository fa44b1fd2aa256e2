/**
 * `compactor bench --strategy ./my-strategy.js`: benchmarking a strategy of one's own beside the built-in ones.
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Strategy, Trigger } from "../../strategies/types.js";
import { InputFileError } from "../errors.js";
import type { StrategySpec } from "../replay/strategy-specs.js";
import { statInput } from "./fs-errors.js";

const expected =
  "a module whose default export is a strategy ({ name, compact(messages, context) }) or a function returning one, " +
  "with an optional `trigger` export (a trigger { name, shouldCompact(context) } or a function returning one)";

function isStrategy(value: unknown): value is Strategy {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Strategy).name === "string" &&
    typeof (value as Strategy).compact === "function"
  );
}

function isTrigger(value: unknown): value is Trigger {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Trigger).name === "string" &&
    typeof (value as Trigger).shouldCompact === "function"
  );
}

/** Asks the strategy on every call; the strategy returns `null` when it does not want to compact. */
const always: Trigger = { name: "always", shouldCompact: () => true };

/**
 * Loads a strategy module (JavaScript, or TypeScript when run under a loader such as tsx) as a bench
 * {@link StrategySpec} named after the strategy. The module's default export is a {@link Strategy} or a
 * function returning a fresh one (called once per replayed session, so it may keep state); an optional
 * `trigger` export (a {@link Trigger} or a function returning one) decides when to ask it, and without one it is
 * asked on every call.
 *
 * @throws InputFileError naming the file when it is missing or does not export a strategy.
 */
export async function loadStrategyFile(file: string): Promise<StrategySpec> {
  const path = resolve(file);
  await statInput(file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InputFileError(file, `could not be loaded as a strategy module: ${message}`, { cause: error });
  }
  const exported = module.default ?? module.strategy;
  const make = (): Strategy => {
    const made = typeof exported === "function" ? (exported as () => unknown)() : exported;
    if (!isStrategy(made)) throw new InputFileError(file, `is not a strategy module: expected ${expected}`);
    return made;
  };
  const makeTrigger = (): Trigger => {
    const value = module.trigger;
    if (value === undefined) return always;
    const made = typeof value === "function" ? (value as () => unknown)() : value;
    if (!isTrigger(made)) throw new InputFileError(file, `has a \`trigger\` export that is not a trigger: expected ${expected}`);
    return made;
  };
  const first = make(); // fails now, naming the file, rather than in the middle of the replays
  makeTrigger();
  return {
    name: first.name,
    source: `your strategy, from ${file}`,
    create: () => ({ strategy: make(), trigger: makeTrigger() }),
  };
}
