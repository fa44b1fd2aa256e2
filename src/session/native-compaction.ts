/**
 * The provider side of native compaction: one request to the provider the caller is talking to, with the
 * caller's credentials, that compacts a span of the conversation, and the messages that stand in for it.
 *
 * - Anthropic Messages, on-demand compaction (beta `compact-2026-09-04`): the span is sent with the request's
 *   model, `system`, `tools` and thinking settings and `compaction: {type: "summarize"}`; the answer is one
 *   signed `compaction` block (`stop_reason: "compaction"`), billed in `usage.iterations`. The block goes first,
 *   alone in an assistant message, followed by the task (the first user message, which compactor always keeps);
 *   every later request carries the same beta header.
 * - OpenAI Responses, `POST /responses/compact`: the span as `input`, with the request's `model` and
 *   `instructions`; the answer's `output` (the span's user messages, then one encrypted `compaction` item) stands
 *   in for the span, with the user messages compactor sent kept as the very messages it holds.
 *
 * Chat Completions offers no native compaction: no compactor is made, and the part falls back to local compaction.
 *
 * @module
 */
import { ProviderFormatError } from "../errors.js";
import { costOfCall } from "../pricing/index.js";
import type { Message, ProviderFormat, Usage } from "../transcript/types.js";
import { usageFromAnthropic, usageFromOpenAIResponses } from "../usage/index.js";
import { isNativeCompactionMessage } from "../../strategies/native.js";
import type { NativeCompactionResult, NativeCompactor } from "../../strategies/types.js";
import type { ProviderCall } from "../wrapper/contract.js";
import { stripCacheControl } from "./breakpoints.js";
import { fromRawMessages, rawFromMessages } from "./conversion.js";

/** The Anthropic beta of on-demand compaction: on the compaction request and on every request carrying its block. */
export const anthropicCompactionBeta = "compact-2026-09-04";

/** Output cap of an Anthropic compaction request ("allow several thousand tokens": thinking counts against it). */
const anthropicCompactionMaxTokens = 8192;

type Params = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The compactor for a request, or `undefined` where its API offers no native compaction or no call can be made. */
export function nativeCompactorFor(
  format: ProviderFormat,
  params: Params,
  call: ProviderCall | undefined,
  rawOf?: RawLookup,
): NativeCompactor | undefined {
  if (call === undefined || typeof params.model !== "string") return undefined;
  const spanOf = (span: readonly Message[]) => rawSpan(format, params, span, rawOf);
  if (format === "anthropic") return anthropicCompactor(params, call, spanOf);
  if (format === "openai-responses") return responsesCompactor(params, call, spanOf);
  return undefined;
}

/** How long a model whose native compaction failed is not asked again (the part compacts locally meanwhile). */
export const nativeRetryAfterMs = 10 * 60_000;

/** `compactor` with `onFailure` called when a compaction fails (the error still reaches the part). */
export function reportingFailures(
  compactor: NativeCompactor,
  onFailure: (error: unknown) => void,
): NativeCompactor {
  return {
    kind: compactor.kind,
    async compact(span, options) {
      try {
        return await compactor.compact(span, options);
      } catch (error) {
        onFailure(error);
        throw error;
      }
    },
  };
}

/** The raw (wire) form of a message of the view, when the runtime holds it: the agent's own bytes. */
export type RawLookup = () => ReadonlyMap<Message, unknown>;

/** A copy of a raw Anthropic message without `cache_control` on its blocks. */
function withoutBreakpoints(message: unknown): unknown {
  if (!isRecord(message) || !Array.isArray(message.content)) return message;
  if (!message.content.some((block) => isRecord(block) && "cache_control" in block)) return message;
  return {
    ...message,
    content: message.content.map((block) => {
      if (!isRecord(block) || !("cache_control" in block)) return block;
      const { cache_control: _dropped, ...rest } = block;
      return rest;
    }),
  };
}

/**
 * The span as the provider sees it: the agent's own raw messages (and the checkpoint's), so the compaction
 * request repeats a prefix an earlier call sent byte for byte and reads its cache entry; converted from the
 * neutral messages when any is not at hand. Anthropic breakpoints are taken out (one is put on the last block).
 */
function rawSpan(
  format: ProviderFormat,
  params: Params,
  span: readonly Message[],
  rawOf?: RawLookup,
): unknown[] {
  const known = rawOf?.();
  const raw = known ? span.map((message) => known.get(message)) : [];
  const all = known !== undefined && raw.every((message) => message !== undefined);
  if (format !== "anthropic") return all ? raw : rawFromMessages(format, params, span);
  return all ? raw.map(withoutBreakpoints) : rawFromMessages(format, params, stripCacheControl(span));
}

/** Dollars of a usage at the model's price; `null` when the model's price is unknown. */
function priced(model: string, usage: Usage): number | null {
  const cost = costOfCall(model, usage);
  return cost.known ? cost.costUsd : null;
}

/** A compaction the provider billed but that gave nothing to send: the spend is reported with the failure. */
export class NativeCompactionFailedError extends Error {
  /** Dollars the failed compaction call cost (`null`: unknown price; `0`: nothing billed). */
  readonly costUsd: number | null;
  readonly usage: Usage | undefined;
  constructor(message: string, usage: Usage | undefined, costUsd: number | null) {
    super(message);
    this.name = "NativeCompactionFailedError";
    this.usage = usage;
    this.costUsd = costUsd;
  }
}

/** The first user message that is not tool results and not a compaction block: the task. */
function taskOf(span: readonly Message[]): Message | undefined {
  return span.find(
    (message) =>
      message.role === "user" &&
      !message.content.some((block) => block.type === "tool_result") &&
      !isNativeCompactionMessage(message),
  );
}

/** The request's parameters the summarization call reads (model, system, tools, thinking), less what it rejects. */
function anthropicCompactionBody(params: Params, messages: unknown[]): Params {
  const body: Params = {
    model: params.model,
    max_tokens: Math.max(
      anthropicCompactionMaxTokens,
      typeof params.max_tokens === "number" ? params.max_tokens : 0,
    ),
    messages,
    compaction: { type: "summarize" },
  };
  for (const key of ["system", "tools", "thinking", "metadata", "service_tier", "cache_control"]) {
    if (params[key] !== undefined) body[key] = params[key];
  }
  // A tool_choice of `any` or `tool`, stop sequences and a structured-output format are rejected on a
  // compaction request; `auto`/`none` are harmless.
  const choice = params.tool_choice;
  if (isRecord(choice) && (choice.type === "auto" || choice.type === "none")) body.tool_choice = choice;
  if (isRecord(params.output_config)) {
    const { format: _format, ...rest } = params.output_config;
    if (Object.keys(rest).length > 0) body.output_config = rest;
  }
  return body;
}

/** Breakpoints a request's `system` and `tools` place (Anthropic allows four in all). */
function fixedBreakpoints(params: Params): number {
  return (JSON.stringify([params.system ?? null, params.tools ?? null]).match(/"cache_control":\{/g) ?? [])
    .length;
}

/**
 * The span with one cache breakpoint on its last block: the span is the message list an earlier call of the
 * session sent, so the compaction request reads that call's cache entry instead of paying the span again. The
 * breakpoint's lifetime is the longest the request uses. Left out when `system` and `tools` hold all four.
 */
function withFinalBreakpoint(params: Params, messages: unknown[]): unknown[] {
  const last = messages.at(-1);
  // Top-level `cache_control` (automatic caching) already marks the last block.
  if (!isRecord(last) || params.cache_control !== undefined || fixedBreakpoints(params) >= 4) return messages;
  const blocks =
    typeof last.content === "string"
      ? [{ type: "text", text: last.content }]
      : Array.isArray(last.content)
        ? [...last.content]
        : [];
  const final = blocks.at(-1);
  if (
    !isRecord(final) ||
    final.type === "thinking" ||
    final.type === "redacted_thinking" ||
    final.type === "compaction"
  )
    return messages;
  const ttl = /"ttl":"1h"/.test(JSON.stringify([params.system ?? null, params.tools ?? null]))
    ? { ttl: "1h" }
    : {};
  blocks[blocks.length - 1] = { ...final, cache_control: { type: "ephemeral", ...ttl } };
  return [...messages.slice(0, -1), { ...last, content: blocks }];
}

function anthropicCompactor(
  params: Params,
  call: ProviderCall,
  spanOf: (span: readonly Message[]) => unknown[],
): NativeCompactor {
  const model = params.model as string;
  return {
    kind: "anthropic-compaction",
    async compact(span, options = {}): Promise<NativeCompactionResult> {
      const messages = withFinalBreakpoint(params, spanOf(span));
      const response = await call(anthropicCompactionBody(params, messages), {
        betas: [anthropicCompactionBeta],
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!isRecord(response)) throw new ProviderFormatError("response", "an Anthropic message", response);
      const usage =
        response.usage === undefined ? undefined : usageFromAnthropic(response.usage, "response.usage");
      const costUsd = usage ? priced(model, usage) : null;
      const content = Array.isArray(response.content) ? response.content : [];
      const block = content[0];
      if (
        response.stop_reason !== "compaction" ||
        content.length !== 1 ||
        !isRecord(block) ||
        block.type !== "compaction" ||
        typeof block.content !== "string"
      ) {
        throw new NativeCompactionFailedError(
          `Anthropic compaction returned no summary (stop_reason ${JSON.stringify(response.stop_reason)})`,
          usage,
          costUsd,
        );
      }
      const [blockMessage] = fromRawMessages("anthropic", params, [{ role: "assistant", content: [block] }]);
      const task = taskOf(span);
      return {
        replacement: [blockMessage as Message, ...(task ? [task] : [])],
        summary: { text: block.content, model, ...(usage ? { usage } : {}), costUsd },
      };
    },
  };
}

/** The role of a Responses item when it is a message. */
function userItem(item: unknown): boolean {
  return isRecord(item) && (item.type === "message" || item.type === undefined) && item.role === "user";
}

function responsesCompactor(
  params: Params,
  call: ProviderCall,
  spanOf: (span: readonly Message[]) => unknown[],
): NativeCompactor {
  const model = params.model as string;
  return {
    kind: "openai-responses-compact",
    async compact(span, options = {}): Promise<NativeCompactionResult> {
      const input = spanOf(span);
      const body: Params = { model, input };
      for (const key of ["instructions", "prompt_cache_key", "prompt_cache_retention", "service_tier"]) {
        if (params[key] !== undefined && params[key] !== null) body[key] = params[key];
      }
      const response = await call(body, {
        pathSuffix: "compact",
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!isRecord(response)) throw new ProviderFormatError("response", "a compacted response", response);
      const usage =
        response.usage === undefined || response.usage === null
          ? undefined
          : usageFromOpenAIResponses(response.usage, "response.usage");
      const costUsd = usage ? priced(model, usage) : null;
      const output = Array.isArray(response.output) ? response.output : [];
      const items = output.filter((item) => isRecord(item) && item.type === "compaction");
      if (items.length !== 1 || !isRecord(output.at(-1)) || (output.at(-1) as Params).type !== "compaction") {
        throw new NativeCompactionFailedError(
          `OpenAI /responses/compact returned ${items.length} compaction items (expected one, last)`,
          usage,
          costUsd,
        );
      }
      // The user messages the answer repeats are the ones compactor sent: keep compactor's own (same content,
      // so later requests repeat the agent's bytes and the task is kept exactly).
      const returnedUsers = output.filter(userItem);
      const sentUsers = span.filter(
        (message) =>
          message.role === "user" &&
          !isNativeCompactionMessage(message) &&
          !message.content.some((block) => block.type === "tool_result"),
      );
      const converted = fromRawMessages("openai-responses", params, output);
      let next = 0;
      const replacement =
        returnedUsers.length === sentUsers.length
          ? converted.map((message, index) =>
              userItem(output[index]) ? (sentUsers[next++] as Message) : message,
            )
          : converted;
      return {
        replacement,
        summary: {
          text: `[OpenAI compaction item: encrypted, ${String((output.at(-1) as Params).encrypted_content ?? "").length} characters]`,
          model,
          ...(usage ? { usage } : {}),
          costUsd,
        },
      };
    },
  };
}
