/**
 * OpenTelemetry: compactor's events as spans and metrics, named after the OpenTelemetry GenAI semantic
 * conventions. `@opentelemetry/api` is an optional peer: without it everything here is a no-op.
 *
 * Nothing here touches the wrapper: it listens to the events every wrapped client already emits (the
 * `compactor:event` diagnostics channel, or `onEvent`).
 *
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import type * as Api from "@opentelemetry/api";
import { EVENTS_CHANNEL } from "../events/sinks.js";
import type { BudgetEvent, CallEvent, CompactionEvent, CompactorEvent, ErrorEvent, EventSink } from "../events/types.js";

/** An OpenTelemetry `TracerProvider` (described here so that compactor's types do not need `@opentelemetry/api`). */
export interface OtelTracerProvider {
  getTracer(name: string, version?: string): unknown;
}

/** An OpenTelemetry `MeterProvider`. */
export interface OtelMeterProvider {
  getMeter(name: string, version?: string): unknown;
}

/** Options of {@link instrumentOpenTelemetry} and {@link openTelemetrySink}. */
export interface OpenTelemetryOptions {
  /** Where spans go. @default the global tracer provider of `@opentelemetry/api` */
  tracerProvider?: OtelTracerProvider;
  /** Where metrics go. @default the global meter provider of `@opentelemetry/api` */
  meterProvider?: OtelMeterProvider;
  /** Emit spans. @default true */
  spans?: boolean;
  /** Record metrics. @default true */
  metrics?: boolean;
  /**
   * The `@opentelemetry/api` module to use, for bundles that cannot import it by name.
   * @default `import("@opentelemetry/api")`, and a no-op when that fails
   */
  api?: unknown;
}

/** What {@link instrumentOpenTelemetry} set up. */
export interface OpenTelemetryInstrumentation {
  /** False when `@opentelemetry/api` is not installed: then nothing is recorded. */
  readonly enabled: boolean;
  /** The sink, to pass as `onEvent` to clients created with `diagnosticsChannel: false`. */
  readonly sink: EventSink;
  /** Stops listening to the diagnostics channel. */
  close(): void;
}

const scope = "compactor";

/** `gen_ai.provider.name` of each wire format. */
function providerName(provider: CallEvent["provider"]): string {
  return provider === "anthropic" ? "anthropic" : "openai";
}

async function loadApi(given: unknown): Promise<typeof Api | undefined> {
  if (given !== undefined) return given as typeof Api;
  try {
    return await import("@opentelemetry/api");
  } catch {
    return undefined;
  }
}

interface Instruments {
  tokenUsage: Api.Histogram;
  duration: Api.Histogram;
  tokens: Api.Counter;
  cost: Api.Counter;
  uncompactedCost: Api.Counter;
  compactions: Api.Counter;
  errors: Api.Counter;
}

function createInstruments(meter: Api.Meter): Instruments {
  return {
    tokenUsage: meter.createHistogram("gen_ai.client.token.usage", {
      description: "Tokens used per call, by gen_ai.token.type (input counts cache reads and writes)",
      unit: "{token}",
    }),
    duration: meter.createHistogram("gen_ai.client.operation.duration", {
      description: "Duration of each model call",
      unit: "s",
    }),
    tokens: meter.createCounter("compactor.usage.tokens", {
      description: "Tokens billed, by compactor.token.type: input (uncached), cache_read, cache_write, output",
      unit: "{token}",
    }),
    cost: meter.createCounter("compactor.cost", {
      description: "Dollars billed at list prices (calls whose price is known)",
      unit: "USD",
    }),
    uncompactedCost: meter.createCounter("compactor.cost.uncompacted", {
      description: "Dollars the same calls would have cost with the uncompacted history (estimated)",
      unit: "USD",
    }),
    compactions: meter.createCounter("compactor.compactions", { description: "Compactions made", unit: "{compaction}" }),
    errors: meter.createCounter("compactor.errors", {
      description: "Failures inside compactor that the user's call survived, by compactor.error.phase",
      unit: "{error}",
    }),
  };
}

/** Span attributes of a call, in GenAI semantic-convention names plus compactor's own. */
export function callAttributes(event: CallEvent): Record<string, string | number | boolean> {
  const usage = event.usage;
  const attributes: Record<string, string | number | boolean> = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": providerName(event.provider),
    "gen_ai.system": providerName(event.provider),
    "gen_ai.request.model": event.model,
    "gen_ai.conversation.id": event.session,
    // Input tokens include cached ones (cache reads and writes), as the conventions ask.
    "gen_ai.usage.input_tokens": event.promptTokens,
    "gen_ai.usage.output_tokens": usage.outputTokens,
    "gen_ai.usage.cache_read.input_tokens": usage.cacheReadTokens,
    "gen_ai.usage.cache_creation.input_tokens": usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
    "compactor.call.index": event.callIndex,
    "compactor.call.stream": event.stream,
    "compactor.usage.uncached_input_tokens": usage.inputTokens,
    "compactor.usage.reasoning_tokens": usage.reasoningTokens,
    "compactor.compacted": event.compacted,
    "compactor.uncompacted.input_tokens": event.uncompactedPromptTokens,
  };
  if (event.costUsd !== null) attributes["compactor.cost_usd"] = event.costUsd;
  if (event.uncompactedCostUsd !== null) attributes["compactor.uncompacted_cost_usd"] = event.uncompactedCostUsd;
  if (event.costUsd !== null && event.uncompactedCostUsd !== null)
    attributes["compactor.saving_usd"] = event.uncompactedCostUsd - event.costUsd;
  return attributes;
}

function compactionAttributes(event: CompactionEvent): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "gen_ai.conversation.id": event.session,
    "compactor.call.index": event.callIndex,
    "compactor.strategy": event.strategy,
    "compactor.checkpoint.id": event.checkpointId,
    "compactor.tokens.before": event.tokensBefore,
    "compactor.tokens.after": event.tokensAfter,
    "compactor.covered_messages": event.coveredMessages,
    "compactor.description": event.description,
  };
  if (event.estimatedSavingPerCallUsd !== null)
    attributes["compactor.estimated_saving_per_call_usd"] = event.estimatedSavingPerCallUsd;
  if (event.estimatedRewriteCostUsd !== null)
    attributes["compactor.estimated_rewrite_cost_usd"] = event.estimatedRewriteCostUsd;
  if (event.summarizerModel !== undefined) attributes["compactor.summarizer.model"] = event.summarizerModel;
  if (event.summarizerCostUsd !== null) attributes["compactor.summarizer.cost_usd"] = event.summarizerCostUsd;
  return attributes;
}

function budgetAttributes(event: BudgetEvent): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    "gen_ai.conversation.id": event.session,
    "compactor.budget": event.budget,
    "compactor.budget.action": event.action,
    "compactor.budget.spent_usd": event.spentUsd,
    "compactor.budget.message": event.message,
  };
  if (event.limitUsd !== undefined) attributes["compactor.budget.limit_usd"] = event.limitUsd;
  if (event.fromModel !== undefined) attributes["compactor.budget.from_model"] = event.fromModel;
  if (event.toModel !== undefined) attributes["compactor.budget.to_model"] = event.toModel;
  return attributes;
}

function record(api: typeof Api, tracer: Api.Tracer | undefined, instruments: Instruments | undefined, event: CompactorEvent) {
  switch (event.type) {
    case "call":
      return recordCall(api, tracer, instruments, event);
    case "compaction": {
      tracer
        ?.startSpan(`compaction ${event.strategy}`, {
          kind: api.SpanKind.INTERNAL,
          startTime: event.time,
          attributes: compactionAttributes(event),
        })
        .end(event.time);
      instruments?.compactions.add(1, { "compactor.strategy": event.strategy });
      return;
    }
    case "budget": {
      tracer
        ?.startSpan(`budget ${event.action}`, { kind: api.SpanKind.INTERNAL, startTime: event.time, attributes: budgetAttributes(event) })
        .end(event.time);
      return;
    }
    case "error":
      return recordError(api, tracer, instruments, event);
  }
}

function recordCall(api: typeof Api, tracer: Api.Tracer | undefined, instruments: Instruments | undefined, event: CallEvent) {
  const attributes = callAttributes(event);
  if (tracer) {
    const span = tracer.startSpan(`chat ${event.model}`, {
      kind: api.SpanKind.CLIENT,
      startTime: event.time - event.durationMs,
      attributes,
    });
    span.end(event.time);
  }
  if (!instruments) return;
  const common = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": providerName(event.provider),
    "gen_ai.request.model": event.model,
  };
  instruments.tokenUsage.record(event.promptTokens, { ...common, "gen_ai.token.type": "input" });
  instruments.tokenUsage.record(event.usage.outputTokens, { ...common, "gen_ai.token.type": "output" });
  instruments.duration.record(event.durationMs / 1000, common);
  const usage = event.usage;
  for (const [type, count] of [
    ["input", usage.inputTokens],
    ["cache_read", usage.cacheReadTokens],
    ["cache_write", usage.cacheWrite5mTokens + usage.cacheWrite1hTokens],
    ["output", usage.outputTokens],
  ] as const) {
    if (count > 0) instruments.tokens.add(count, { ...common, "compactor.token.type": type });
  }
  if (event.costUsd !== null) instruments.cost.add(event.costUsd, common);
  if (event.uncompactedCostUsd !== null) instruments.uncompactedCost.add(event.uncompactedCostUsd, common);
}

function recordError(api: typeof Api, tracer: Api.Tracer | undefined, instruments: Instruments | undefined, event: ErrorEvent) {
  if (tracer) {
    const span = tracer.startSpan(`compactor error ${event.phase}`, {
      kind: api.SpanKind.INTERNAL,
      startTime: event.time,
      attributes: {
        "gen_ai.conversation.id": event.session,
        "compactor.error.phase": event.phase,
        "error.type": event.phase,
        ...(event.fallback === undefined ? {} : { "compactor.error.fallback": event.fallback }),
      },
    });
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: event.message });
    span.end(event.time);
  }
  instruments?.errors.add(1, { "compactor.error.phase": event.phase });
}

const noop: EventSink = () => {};

/**
 * An event sink that records each event as an OpenTelemetry span and metrics; pass it as `onEvent`. Resolves to
 * a no-op sink when `@opentelemetry/api` is not installed.
 */
export async function openTelemetrySink(options: OpenTelemetryOptions = {}): Promise<EventSink & { enabled: boolean }> {
  const api = await loadApi(options.api);
  if (api === undefined) return Object.assign(noop.bind(undefined), { enabled: false });
  const tracer =
    options.spans === false
      ? undefined
      : ((options.tracerProvider as Api.TracerProvider | undefined) ?? api.trace.getTracerProvider()).getTracer(scope);
  const instruments =
    options.metrics === false
      ? undefined
      : createInstruments(((options.meterProvider as Api.MeterProvider | undefined) ?? api.metrics).getMeter(scope));
  const sink: EventSink = (event) => {
    try {
      record(api, tracer, instruments, event);
    } catch {
      // Telemetry never breaks the user's call.
    }
  };
  return Object.assign(sink, { enabled: true });
}

/**
 * Records the events of every wrapped client in this process (they publish on the `compactor:event`
 * diagnostics channel unless created with `diagnosticsChannel: false`) as OpenTelemetry spans and metrics:
 *
 * ```ts
 * const otel = await instrumentOpenTelemetry(); // the global providers your OpenTelemetry SDK registered
 * const client = withCompaction(new Anthropic());
 * ```
 *
 * A no-op (`enabled: false`) when `@opentelemetry/api` is not installed.
 */
export async function instrumentOpenTelemetry(options: OpenTelemetryOptions = {}): Promise<OpenTelemetryInstrumentation> {
  const sink = await openTelemetrySink(options);
  if (!sink.enabled) return { enabled: false, sink, close: () => {} };
  const listener = (message: unknown) => sink(message as CompactorEvent);
  diagnostics.subscribe(EVENTS_CHANNEL, listener);
  let open = true;
  return {
    enabled: true,
    sink,
    close() {
      if (open) diagnostics.unsubscribe(EVENTS_CHANNEL, listener);
      open = false;
    },
  };
}
