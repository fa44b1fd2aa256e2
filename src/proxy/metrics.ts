/**
 * The proxy's `/metrics`: counters kept from compactor's own events (the same figures the session reports
 * sum), in the Prometheus text exposition format (version 0.0.4).
 *
 * Dollars are list prices of priced calls only (`compactor_unpriced_calls_total` counts the others). "Saved" is
 * what the same calls would have cost with the uncompacted history, minus what they cost, minus the
 * summarizer's calls: it goes negative when compaction cost more than it saved.
 *
 * @module
 */
import type { CompactorEvent } from "../events/types.js";

/** Counters fed by events and by the proxy's own HTTP handling. */
export interface ProxyMetrics {
  /** Counts one event. */
  record(event: CompactorEvent): void;
  /** Counts one HTTP request answered by the proxy. */
  request(route: string, status: number): void;
  /** The exposition text. */
  render(): string;
}

const tokenKinds = ["input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning"] as const;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labels(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** A counter family keyed by its label set. */
class Family {
  readonly rows = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" = "counter",
  ) {}
  add(value: number, labelValues: Record<string, string> = {}): void {
    const key = labels(labelValues);
    this.rows.set(key, (this.rows.get(key) ?? 0) + value);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    if (this.rows.size === 0 && this.type === "counter") out.push(`${this.name} 0`);
    for (const [key, value] of this.rows) out.push(`${this.name}${key} ${Number.isFinite(value) ? value : 0}`);
  }
}

/** Creates empty proxy metrics. */
export function createProxyMetrics(): ProxyMetrics {
  const calls = new Family("compactor_calls_total", "Model calls that went through the proxy and were settled.");
  const tokens = new Family("compactor_tokens_total", "Tokens of those calls, by kind (as the provider reported them).");
  const spent = new Family("compactor_spent_usd_total", "Dollars the calls cost at list prices (priced calls only).");
  const uncompacted = new Family(
    "compactor_uncompacted_usd_total",
    "Dollars the same calls would have cost with the full uncompacted history.",
  );
  const summarizer = new Family("compactor_summarizer_usd_total", "Dollars spent on summarizer calls.");
  const unpriced = new Family("compactor_unpriced_calls_total", "Calls whose model has no known price.");
  const compactions = new Family("compactor_compactions_total", "Compactions applied, by strategy.");
  const errors = new Family("compactor_errors_total", "compactor's own errors (the call went on), by phase.");
  const budget = new Family("compactor_budget_actions_total", "Budget actions taken, by budget and action.");
  const http = new Family("compactor_proxy_requests_total", "HTTP requests the proxy answered, by route and status.");
  const promptTokens = { all: 0, cached: 0 };
  let spentUsd = 0;
  let uncompactedUsd = 0;
  let summarizerUsd = 0;

  return {
    record(event) {
      switch (event.type) {
        case "call": {
          calls.add(1, { provider: event.provider, model: event.model, stream: String(event.stream) });
          const usage = event.usage;
          const values = [
            usage.inputTokens,
            usage.cacheReadTokens,
            usage.cacheWrite5mTokens,
            usage.cacheWrite1hTokens,
            usage.outputTokens,
            usage.reasoningTokens,
          ];
          tokenKinds.forEach((kind, index) => {
            tokens.add(values[index] ?? 0, { kind });
          });
          promptTokens.all += usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens;
          promptTokens.cached += usage.cacheReadTokens;
          if (event.costUsd === null) {
            unpriced.add(1, { model: event.model });
          } else {
            spent.add(event.costUsd);
            spentUsd += event.costUsd;
            const full = event.uncompactedCostUsd ?? event.costUsd;
            uncompacted.add(full);
            uncompactedUsd += full;
          }
          break;
        }
        case "compaction":
          compactions.add(1, { strategy: event.strategy });
          if (event.summarizerCostUsd !== null) {
            summarizer.add(event.summarizerCostUsd);
            summarizerUsd += event.summarizerCostUsd;
          }
          break;
        case "error":
          errors.add(1, { phase: event.phase });
          break;
        case "budget":
          budget.add(1, { budget: event.budget, action: event.action });
          break;
      }
    },
    request(route, status) {
      http.add(1, { route, status: String(status) });
    },
    render() {
      const out: string[] = [];
      for (const family of [calls, tokens, spent, uncompacted, summarizer, unpriced, compactions, errors, budget, http]) {
        family.render(out);
      }
      const saved = new Family(
        "compactor_saved_usd",
        "Realised saving: uncompacted - spent - summarizer dollars (negative when compaction cost more).",
        "gauge",
      );
      saved.add(uncompactedUsd - spentUsd - summarizerUsd);
      saved.render(out);
      const hitRate = new Family(
        "compactor_cache_hit_ratio",
        "Prompt tokens read from the provider's cache / all prompt tokens (0 before any call).",
        "gauge",
      );
      hitRate.add(promptTokens.all > 0 ? promptTokens.cached / promptTokens.all : 0);
      hitRate.render(out);
      return `${out.join("\n")}\n`;
    },
  };
}
