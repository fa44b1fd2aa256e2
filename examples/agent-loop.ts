/**
 * A small coding-agent loop, wrapped with compactor, against the loopback test server: no API key, no network.
 * The "model" asks for a shell command 39 times; the agent answers with the command's (long) output and sends
 * its whole history back each time, as real agents do. Past a token threshold, `truncate` compacts what is
 * sent; the session keeps everything, prices every call and reports what compaction saved.
 *
 * Run: `npx tsx examples/agent-loop.ts`
 * In your project, import from "compactor" and "compactor/testing" instead of the relative paths.
 */
import Anthropic from "@anthropic-ai/sdk";
import {
  type CompactorEvent,
  sessionReport,
  tokenThreshold,
  truncate,
  withCompaction,
} from "../src/index.js";
import { reply, startTestServer } from "../src/testing/index.js";

const calls = 40;
const model = "claude-sonnet-4-6";

/** What the fake shell prints for step `step`: a few thousand tokens of grep output. */
function shellOutput(step: number): string {
  const lines: string[] = [];
  for (let line = 0; line < 40 + (step % 5) * 20; line++) {
    lines.push(
      `src/service_${step}/handler_${line}.ts:${line * 3 + 1}: export function handle${line}(request: Request) { return retry(request, ${line % 4}); }`,
    );
  }
  return lines.join("\n");
}

// The test server plays the model: a tool call on every call but the last, then a final answer.
const server = await startTestServer({
  script: (_request, context) =>
    context.callIndex < calls - 1
      ? reply.toolCall(
          "bash",
          { command: `grep -rn handle src/service_${context.callIndex}` },
          { text: `Step ${context.callIndex + 1}: searching.` },
        )
      : reply.text("Found it: handle7 retries forever. Fixed."),
});

function describe(event: CompactorEvent): string {
  switch (event.type) {
    case "call":
      return `call #${event.callIndex + 1}: ${event.promptTokens} prompt tokens (${event.usage.cacheReadTokens} cached), $${(event.costUsd ?? 0).toFixed(4)}${event.compacted ? " [compacted]" : ""}`;
    case "compaction":
      return `compaction by ${event.strategy} at call #${event.callIndex + 1}: ${event.tokensBefore} -> ${event.tokensAfter} tokens (${event.description})`;
    case "error":
      return `error (${event.phase}): ${event.message}`;
    case "budget":
      return `budget ${event.budget}: ${event.action}`;
    case "recall":
      return `recall of ${event.ids.join(", ")} at call #${event.callIndex + 1}: $${(event.costUsd ?? 0).toFixed(4)}`;
  }
}

try {
  const client = withCompaction(new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "not-needed" }), {
    session: "example-task",
    strategy: truncate({ targetRatio: 0.5, keepTurns: 4 }),
    trigger: tokenThreshold(25_000),
    summarizer: false,
    onEvent: (event) => {
      // Every compaction and error; one call in ten.
      if (event.type !== "call" || event.callIndex % 10 === 9) console.log(describe(event));
    },
  });

  const tools: Anthropic.Tool[] = [
    {
      name: "bash",
      description: "Run a shell command.",
      input_schema: { type: "object", properties: { command: { type: "string" } } },
    },
  ];
  const messages: Anthropic.MessageParam[] = [
    { role: "user", content: "A request handler retries forever. Find and fix it." },
  ];
  for (let step = 0; step < calls; step++) {
    const message = await client.messages.create({
      model,
      max_tokens: 1024,
      // No cache_control here: compactor adds the usual breakpoints (system prompt, last message) when a request has none.
      system: "You are a careful coding agent.",
      tools,
      messages,
    });
    messages.push({ role: "assistant", content: message.content });
    const toolCalls = message.content.filter((block) => block.type === "tool_use");
    if (toolCalls.length === 0) {
      console.log(
        `\nagent finished: ${message.content.map((block) => (block.type === "text" ? block.text : "")).join("")}`,
      );
      break;
    }
    messages.push({
      role: "user",
      content: toolCalls.map((call) => ({
        type: "tool_result" as const,
        tool_use_id: call.id,
        content: shellOutput(step),
      })),
    });
  }

  const report = await sessionReport(client);
  console.log("\nsession report");
  console.log(`  session             ${report.session} (${report.model})`);
  console.log(`  calls               ${report.calls}`);
  console.log(`  history kept        ${report.historyMessages} messages`);
  console.log(
    `  prompt tokens       ${report.promptTokens} (${report.cacheReadTokens} cache reads, ${report.cacheWriteTokens} cache writes)`,
  );
  console.log(`  output tokens       ${report.outputTokens}`);
  console.log(`  spent               $${report.costUsd.toFixed(4)}`);
  console.log(`  uncompacted         $${report.uncompactedCostUsd.toFixed(4)}`);
  console.log(
    `  realised saving     $${report.realisedSavingUsd.toFixed(4)} (${(report.realisedSavingRatio * 100).toFixed(1)}%)`,
  );
  console.log(`  compactions         ${report.compactions}`);
  console.log(`  verdict             ${report.verdict}`);
} finally {
  await server.close();
}
