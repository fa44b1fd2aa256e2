/**
 * `compactor/testing` speaks provider-native compaction in the providers' wire formats, through the real SDK
 * clients: Anthropic's on-demand compaction (plain and streaming, the signed block sent back, the malformed uses
 * the API rejects) and OpenAI's `/responses/compact`, `compaction_trigger` and `context_management`.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { reply } from "../../src/testing/index.js";
import { useServers } from "../e2e/helpers.js";

const startServer = useServers();
const model = "claude-sonnet-4-6";
const beta = "compact-2026-09-04";
const history: Anthropic.Beta.BetaMessageParam[] = [
  { role: "user", content: "I am building a recipe app. Name the main entities." },
  { role: "assistant", content: "Recipe, Ingredient, Step, RecipeIngredient." },
  { role: "user", content: "Now suggest field names for Recipe." },
];

async function anthropic() {
  const server = await startServer({ script: () => reply.text("ok") });
  return {
    server,
    client: new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: "test", maxRetries: 0 }),
  };
}

describe("compactor/testing: Anthropic on-demand compaction", () => {
  it("answers a compaction request with one signed block, usage in iterations; the block is accepted back", async () => {
    const { server, client } = await anthropic();
    const summary = await client.beta.messages.create({
      model,
      max_tokens: 4096,
      betas: [beta],
      messages: history,
      compaction: { type: "summarize" },
    });
    expect(summary.stop_reason).toBe("compaction");
    expect(summary.content).toHaveLength(1);
    const block = summary.content[0] as Anthropic.Beta.BetaCompactionBlock;
    expect(block.type).toBe("compaction");
    expect(block.content).toMatch(
      /^Summary of 3 messages \(0 tool results\)\. Task: I am building a recipe app/,
    );
    expect(block.signature).toMatch(/^cmp\d{4}\./);
    expect(summary.usage.input_tokens).toBe(0);
    expect(summary.usage.output_tokens).toBe(0);
    const iteration = summary.usage.iterations?.[0] as Anthropic.Beta.BetaCompactionIterationUsage;
    expect(iteration.type).toBe("compaction");
    expect(
      iteration.input_tokens + iteration.cache_read_input_tokens + iteration.cache_creation_input_tokens,
    ).toBe(server.requests[0]?.usage?.promptTokens);
    expect(iteration.output_tokens).toBeGreaterThan(10);
    // The script was not consulted: a compaction request is not a turn.
    const next = await client.beta.messages.create({
      model,
      max_tokens: 1024,
      betas: [beta],
      messages: [
        { role: "assistant", content: summary.content },
        { role: "user", content: "Continue." },
      ],
    });
    expect(next.content).toEqual([{ type: "text", text: "ok" }]);
  });

  it("streams the block whole: one content_block_start, no delta", async () => {
    const { client } = await anthropic();
    const stream = client.beta.messages.stream({
      model,
      max_tokens: 4096,
      betas: [beta],
      messages: history,
      compaction: { type: "summarize" },
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("compaction");
    expect((message.content[0] as Anthropic.Beta.BetaCompactionBlock).content).toMatch(
      /^Summary of 3 messages/,
    );
    expect(events).toEqual([
      "message_start",
      "content_block_start",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("rejects what the API rejects", async () => {
    const { client } = await anthropic();
    const summary = await client.beta.messages.create({
      model,
      max_tokens: 4096,
      betas: [beta],
      messages: history,
      compaction: { type: "summarize" },
    });
    const block = summary.content[0] as Anthropic.Beta.BetaCompactionBlock;
    const send = (params: Record<string, unknown>, betas: string[] = [beta]) =>
      client.beta.messages.create({ model, max_tokens: 1024, betas, messages: history, ...params } as never);
    await expect(send({ compaction: { type: "summarize" } }, [])).rejects.toThrow(
      /requires anthropic-beta: compact-2026-09-04/,
    );
    await expect(
      send({
        compaction: { type: "summarize" },
        context_management: { edits: [{ type: "compact_20260112" }] },
      }),
    ).rejects.toThrow(/cannot be combined with context_management/);
    await expect(send({ compaction: { type: "summarize" }, stop_sequences: ["x"] })).rejects.toThrow(
      /stop_sequences/,
    );
    await expect(
      send({
        compaction: { type: "summarize" },
        tools: [{ name: "t", input_schema: { type: "object" } }],
        tool_choice: { type: "any" },
      }),
    ).rejects.toThrow(/tool_choice/);
    const withBlock = (content: unknown[], betas?: string[]) =>
      send(
        {
          messages: [
            { role: "assistant", content },
            { role: "user", content: "Go on." },
          ],
        },
        betas,
      );
    await expect(withBlock([block], [])).rejects.toThrow(/Input tag 'compaction'/);
    await expect(withBlock([{ ...block, signature: "forged" }])).rejects.toMatchObject({
      status: 400,
      errorCode: "compaction_signature_invalid",
    });
    await expect(withBlock([{ ...block, content: `${block.content} (edited)` }])).rejects.toMatchObject({
      errorCode: "compaction_content_mismatch",
    });
    await expect(withBlock([block, block])).rejects.toMatchObject({
      errorCode: "compaction_block_ambiguous",
    });
    await expect(withBlock([{ ...block, citations: null }])).rejects.toThrow(
      /Extra inputs are not permitted/,
    );
    await expect(
      send({
        messages: [
          { role: "user", content: "First." },
          { role: "assistant", content: [block] },
          { role: "user", content: "Go." },
        ],
      }),
    ).rejects.toMatchObject({ errorCode: "compaction_block_misplaced" });
    // A tool call left open cannot be compacted.
    await expect(
      send({
        compaction: { type: "summarize" },
        messages: [
          ...history,
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "t", input: {} }] },
        ],
      }),
    ).rejects.toThrow(/tool_use/);
  });
});

describe("compactor/testing: OpenAI Responses compaction", () => {
  const input: OpenAI.Responses.ResponseInput = [
    { role: "user", content: "Fix the failing test." },
    { type: "function_call", call_id: "call_1", name: "bash", arguments: '{"command":"npm test"}' },
    { type: "function_call_output", call_id: "call_1", output: "1 failing: expected 2, got 3" },
    { role: "user", content: "Keep going." },
  ];

  async function openai() {
    const server = await startServer({ script: () => reply.text("ok") });
    return { server, client: new OpenAI({ baseURL: server.openaiBaseURL, apiKey: "test", maxRetries: 0 }) };
  }

  it("POST /responses/compact: the user messages, then one encrypted compaction item, usage of the pass", async () => {
    const { server, client } = await openai();
    const compacted = await client.responses.compact({ model: "gpt-5", input, instructions: "Be brief." });
    expect(compacted.object).toBe("response.compaction");
    expect(compacted.output.map((item) => item.type ?? "message")).toEqual([
      "message",
      "message",
      "compaction",
    ]);
    expect(compacted.output.slice(0, 2)).toEqual([input[0], input[3]]);
    const item = compacted.output[2] as OpenAI.Responses.ResponseCompactionItem;
    expect(item.encrypted_content.length).toBeGreaterThan(20);
    expect(compacted.usage.input_tokens).toBe(server.requests[0]?.usage?.promptTokens);
    expect(compacted.usage.output_tokens).toBeGreaterThan(10);
    // The window continues from the item; a forged one is rejected.
    const next = await client.responses.create({
      model: "gpt-5",
      input: [
        ...(compacted.output as OpenAI.Responses.ResponseInputItem[]),
        { role: "user", content: "Next." },
      ],
    });
    expect(next.output_text).toBe("ok");
    await expect(
      client.responses.create({
        model: "gpt-5",
        input: [
          { type: "compaction", encrypted_content: "forged.content" },
          { role: "user", content: "Next." },
        ],
      }),
    ).rejects.toThrow(/could not be verified/);
  });

  it("compaction_trigger: the answer is the compaction item alone (plain and streaming); it must be last", async () => {
    const { client } = await openai();
    const plain = await client.responses.create({
      model: "gpt-5",
      input: [...input, { type: "compaction_trigger" }],
    });
    expect(plain.output.map((item) => item.type)).toEqual(["compaction"]);
    const streamed = await client.responses
      .stream({ model: "gpt-5", input: [...input, { type: "compaction_trigger" }] })
      .finalResponse();
    expect(streamed.output.map((item) => item.type)).toEqual(["compaction"]);
    expect(streamed.usage?.output_tokens).toBeGreaterThan(10);
    await expect(
      client.responses.create({ model: "gpt-5", input: [{ type: "compaction_trigger" }, ...input] }),
    ).rejects.toThrow(/must be the final input item/);
  });

  it("context_management: past compact_threshold the output starts with a compaction item, billed with the call", async () => {
    const { server, client } = await openai();
    const below = await client.responses.create({
      model: "gpt-5",
      input,
      context_management: [{ type: "compaction", compact_threshold: 100_000 }],
    });
    expect(below.output.map((item) => item.type)).toEqual(["message"]);
    const above = await client.responses
      .stream({ model: "gpt-5", input, context_management: [{ type: "compaction", compact_threshold: 10 }] })
      .finalResponse();
    expect(above.output.map((item) => item.type)).toEqual(["compaction", "message"]);
    expect(above.usage?.input_tokens).toBe(server.requests[1]?.usage?.promptTokens);
    expect(above.usage?.input_tokens).toBeGreaterThan(below.usage?.input_tokens ?? 0);
    await expect(
      client.responses.create({
        model: "gpt-5",
        input,
        context_management: [{ type: "compaction", compact_threshold: -1 }],
      }),
    ).rejects.toThrow(/compact_threshold/);
  });
});
