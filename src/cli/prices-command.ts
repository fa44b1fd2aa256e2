/**
 * `compactor prices [model...] [--provider p] [--json]`: the prices compactor uses, per million tokens.
 *
 * @module
 */
import { InvalidOptionError } from "../errors.js";
import { cheaperSibling, getModelPrice, listKnownModels, type ModelPrice } from "../pricing/index.js";
import { genaiProviderModels } from "../pricing/internal/genai-lookup.js";
import { defaultProviders } from "../pricing/price-table.js";
import { type Column, formatInt, renderTable } from "./table.js";

/** Options of {@link runPricesCommand}. */
export interface PricesCommandOptions {
  models: string[];
  providers?: string[];
  json: boolean;
  write: (text: string) => void;
}

const dollars = (value: number) => `$${Number(value.toFixed(4))}`;

const columns: Array<Column<{ name: string; price: ModelPrice }>> = [
  { heading: "model", cell: (row) => row.name, align: "left" },
  { heading: "provider", cell: (row) => row.price.provider, align: "left" },
  { heading: "input", cell: (row) => dollars(row.price.input) },
  { heading: "5m write", cell: (row) => dollars(row.price.cacheWrite5m) },
  { heading: "1h write", cell: (row) => dollars(row.price.cacheWrite1h) },
  { heading: "cache read", cell: (row) => dollars(row.price.cacheRead) },
  { heading: "output", cell: (row) => dollars(row.price.output) },
  { heading: "context", cell: (row) => (row.price.contextWindow ? formatInt(row.price.contextWindow) : "-") },
  {
    heading: "tiers",
    cell: (row) => row.price.tiers?.map((tier) => `>${formatInt(tier.aboveInputTokens)}`).join(" ") ?? "",
    align: "left",
  },
  { heading: "cheaper sibling", cell: (row) => cheaperSibling(row.name) ?? "-", align: "left" },
];

/** Usage text of `compactor prices`. */
export const pricesUsage = `Usage: compactor prices [model...] [options]

The prices compactor uses, in dollars per million tokens: input, 5-minute and 1-hour cache writes, cache
reads, output, context window, long-context tiers and the cheaper sibling model used for summaries.
With no model, lists every current model of the main providers (${defaultProviders.join(", ")}).

Options:
  --provider name        only this provider's models (repeatable); any provider id of @pydantic/genai-prices
  --json                 print JSON instead of a table
  -h, --help             this text

Example: compactor prices claude-sonnet-4-6 gpt-5
`;

/**
 * Prints prices of the named models, or of every known model of the main providers.
 * @throws InvalidOptionError for an unknown model or provider (the message lists the main providers).
 */
export async function runPricesCommand(options: PricesCommandOptions): Promise<void> {
  for (const provider of options.providers ?? []) {
    if (genaiProviderModels(provider) === undefined)
      throw new InvalidOptionError(
        "--provider",
        `a provider of the price data, such as ${defaultProviders.join(", ")}`,
        provider,
      );
  }
  let rows: Array<{ name: string; price: ModelPrice }>;
  if (options.models.length > 0) {
    rows = options.models.map((name) => {
      const price = getModelPrice(name);
      if (!price)
        throw new InvalidOptionError("model", "a model with a known price (see `compactor prices`)", name);
      return { name, price };
    });
  } else {
    rows = listKnownModels(options.providers ? { providers: options.providers } : {}).map((known) => ({
      name: known.model,
      price: known.price,
    }));
  }
  if (options.json) {
    options.write(
      `${JSON.stringify(
        rows.map((row) => ({ ...row.price, name: row.name })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  options.write(
    `${renderTable(rows, columns)}\n\nDollars per million tokens; source: @pydantic/genai-prices with compactor's documented corrections.\n`,
  );
}
