import Anthropic from "@anthropic-ai/sdk";
import { it } from "vitest";
import { withCompaction } from "../../src/index.js";
import { startTestServer } from "../../src/testing/index.js";
it("deep", async () => {
  const server = await startTestServer();
  let deep: unknown = "leaf";
  for (let i = 0; i < 4000; i++) deep = { a: deep };
  const client = withCompaction(
    new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "t", maxRetries: 0 }),
    {
      session: "d",
      diagnosticsChannel: false,
      onEvent: (e) => {
        if (e.type === "error") console.log(e.phase, e.message.slice(0, 200));
      },
    },
  );
  const r = await client.messages
    .create({
      model: "claude-sonnet-4-6",
      max_tokens: 64,
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "x", input: { deep } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "ok" }] },
      ],
    })
    .catch((e) => e);
  console.log("result", r?.constructor?.name, String(r).slice(0, 200));
  await server.close();
});
