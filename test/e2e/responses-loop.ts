/**
 * The agent loop of test/support/agent-loop.ts on the OpenAI Responses API: the model asks for a tool on every
 * call but the last; the agent appends the response's output items and a `function_call_output` per call, and
 * sends the whole input list back (no `previous_response_id`), as stateless agents do.
 */
import type OpenAI from "openai";
import { toolOutput } from "../support/agent-loop.js";

type InputItem = OpenAI.Responses.ResponseInputItem;

/** How the loop calls the API. */
export type ResponsesMode = "create" | "create-stream" | "stream-helper";

const instructions = `You are a coding agent. ${"Follow the repository conventions carefully. ".repeat(60)}`;

const tools: OpenAI.Responses.FunctionTool[] = [
  {
    type: "function",
    name: "bash",
    description: "Run a shell command.",
    parameters: { type: "object", properties: { command: { type: "string" } } },
    strict: false,
  },
];

async function callOnce(
  client: OpenAI,
  mode: ResponsesMode,
  input: InputItem[],
  model: string,
): Promise<OpenAI.Responses.Response> {
  const params = { model, instructions, tools, input };
  if (mode === "create") return client.responses.create(params);
  if (mode === "stream-helper") return client.responses.stream(params).finalResponse();
  const stream = await client.responses.create({ ...params, stream: true });
  let final: OpenAI.Responses.Response | undefined;
  for await (const event of stream) if (event.type === "response.completed") final = event.response;
  if (!final) throw new Error("the Responses stream ended without response.completed");
  return final;
}

/** Runs the loop; returns the final input list. */
export async function runResponsesLoop(
  client: OpenAI,
  options: { calls: number; mode: ResponsesMode; model?: string },
): Promise<InputItem[]> {
  const input: InputItem[] = [{ role: "user", content: "Fix the failing handler in src/." }];
  for (let index = 0; index < options.calls; index++) {
    const response = await callOnce(client, options.mode, input, options.model ?? "gpt-5");
    const calls: OpenAI.Responses.ResponseFunctionToolCall[] = [];
    for (const item of response.output) {
      if (item.type === "function_call") {
        calls.push(item);
        input.push({
          type: "function_call",
          call_id: item.call_id,
          name: item.name,
          arguments: item.arguments,
        });
      } else if (item.type === "message") {
        input.push({
          role: "assistant",
          content: item.content.map((part) => (part.type === "output_text" ? part.text : "")).join(""),
        });
      }
    }
    if (calls.length === 0) break;
    for (const call of calls)
      input.push({ type: "function_call_output", call_id: call.call_id, output: toolOutput(index) });
  }
  return input;
}
