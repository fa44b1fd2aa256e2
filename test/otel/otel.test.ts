import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { type Histogram, MeterProvider, MetricReader, type SumMetricData } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CallEvent,
  type CompactorEvent,
  instrumentOpenTelemetry,
  openTelemetrySink,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../../src/index.js";
import { loopScript, runAnthropicLoop } from "../support/agent-loop.js";
import { repositoryRoot } from "../support/cli.js";
import { tempFolder } from "../cli/fixtures.js";
import { useServers } from "../e2e/helpers.js";

/** A metric reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const server = useServers();
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function providers() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { exporter, tracerProvider, reader, meterProvider };
}

async function metric(reader: TestReader, name: string) {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((entry) => entry.descriptor.name === name);
}

describe("OpenTelemetry: compactor's events as GenAI spans and metrics", () => {
  it("records every call of a wrapped client as a span with gen_ai.usage.* and cost, and the metrics add up", async () => {
    const { exporter, tracerProvider, reader, meterProvider } = providers();
    const otel = await instrumentOpenTelemetry({ tracerProvider, meterProvider });
    closers.push(() => otel.close());
    expect(otel.enabled).toBe(true);
    const events: CompactorEvent[] = [];
    const calls = 24;
    const anthropicServer = await server({ script: loopScript(calls) });
    const client = withCompaction(new Anthropic({ baseURL: anthropicServer.anthropicBaseURL, apiKey: "test", maxRetries: 0 }), {
      session: "otel-session",
      strategy: truncate({ targetRatio: 0.5, keepTurns: 4 }),
      trigger: tokenThreshold(20_000),
      summarizer: false,
      onEvent: (event) => events.push(event),
    });
    await runAnthropicLoop(client, { calls, stream: false });

    const callEvents = events.filter((event): event is CallEvent => event.type === "call");
    expect(callEvents).toHaveLength(calls);
    const compactions = events.filter((event) => event.type === "compaction");
    expect(compactions.length).toBeGreaterThan(0);

    const spans = exporter.getFinishedSpans();
    const callSpans = spans.filter((span) => span.name === "chat claude-sonnet-4-6");
    expect(callSpans).toHaveLength(calls);
    for (const [index, event] of callEvents.entries()) {
      const span = callSpans[index];
      const usage = event.usage;
      expect(span?.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-sonnet-4-6",
        "gen_ai.conversation.id": "otel-session",
        "gen_ai.usage.input_tokens": usage.inputTokens + usage.cacheReadTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
        "gen_ai.usage.output_tokens": usage.outputTokens,
        "gen_ai.usage.cache_read.input_tokens": usage.cacheReadTokens,
        "gen_ai.usage.cache_creation.input_tokens": usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
        "compactor.cost_usd": event.costUsd,
        "compactor.compacted": event.compacted,
      });
      expect(span?.kind).toBe(2); // SpanKind.CLIENT
    }
    // The server counted cache reads: the spans carry them, not zeros.
    expect(callSpans.some((span) => Number(span.attributes["gen_ai.usage.cache_read.input_tokens"]) > 0)).toBe(true);
    expect(spans.filter((span) => span.name.startsWith("compaction "))).toHaveLength(compactions.length);

    const cost = (await metric(reader, "compactor.cost")) as SumMetricData | undefined;
    const costSum = (cost?.dataPoints ?? []).reduce((sum, point) => sum + point.value, 0);
    expect(costSum).toBeCloseTo(callEvents.reduce((sum, event) => sum + (event.costUsd ?? 0), 0), 9);
    const tokenUsage = await metric(reader, "gen_ai.client.token.usage");
    const input = tokenUsage?.dataPoints.find((point) => point.attributes["gen_ai.token.type"] === "input");
    expect((input?.value as Histogram | undefined)?.count).toBe(calls);
    expect((input?.value as Histogram | undefined)?.sum).toBe(callEvents.reduce((sum, event) => sum + event.promptTokens, 0));
    const compactionCount = (await metric(reader, "compactor.compactions")) as SumMetricData | undefined;
    expect(compactionCount?.dataPoints.reduce((sum, point) => sum + point.value, 0)).toBe(compactions.length);

    // After close(), nothing more is recorded.
    otel.close();
    exporter.reset();
    await runAnthropicLoop(client, { calls: 1, stream: false });
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("as an onEvent sink: an error event becomes a span with error status", async () => {
    const { exporter, tracerProvider, meterProvider } = providers();
    const sink = await openTelemetrySink({ tracerProvider, meterProvider, metrics: false });
    sink({ type: "error", session: "s", time: Date.now(), phase: "summarizer", message: "summarizer timed out", fallback: "sent-original" });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("compactor error summarizer");
    expect(span?.status).toEqual({ code: 2, message: "summarizer timed out" });
    expect(span?.attributes["compactor.error.fallback"]).toBe("sent-original");
  });

  it("is a no-op, not an error, when @opentelemetry/api is not installed", () => {
    const folder = tempFolder("compactor-otel-");
    // A resolve hook that makes @opentelemetry/api missing, as in a project that never installed it.
    writeFileSync(
      join(folder, "hide.mjs"),
      `export async function resolve(specifier, context, next) {
  if (specifier === "@opentelemetry/api") { const error = new Error("Cannot find package '@opentelemetry/api'"); error.code = "ERR_MODULE_NOT_FOUND"; throw error; }
  return next(specifier, context);
}`,
    );
    writeFileSync(join(folder, "register.mjs"), `import { register } from "node:module";\nregister("./hide.mjs", import.meta.url);\n`);
    writeFileSync(
      join(folder, "check.mts"),
      `import { instrumentOpenTelemetry } from ${JSON.stringify(join(repositoryRoot, "src/index.ts"))};
const otel = await instrumentOpenTelemetry();
otel.sink({ type: "error", session: "s", time: 0, phase: "store", message: "x" });
otel.close();
console.log("enabled=" + otel.enabled);
`,
    );
    const output = execFileSync(process.execPath, ["--import", join(folder, "register.mjs"), "--import", "tsx", join(folder, "check.mts")], {
      cwd: repositoryRoot,
      encoding: "utf8",
    });
    expect(output.trim()).toBe("enabled=false");
  }, 60_000);
});
