/**
 * When compactor fails to prepare a request (an exception while reading an unusual history, say tool arguments
 * nested thousands deep), the original request goes out, but never past the budget: it is still reserved and
 * settled on the gate, from a conservative size estimate (a fail-closed gate whose ledger is down still refuses).
 *
 * @module
 */
import type { CompactorEvent } from "../events/types.js";
import { costOfCall } from "../pricing/index.js";
import { bindingFor } from "../session/formats.js";
import { type CallGate, type GateTicket, isRefusal } from "../session/gate.js";
import type { OutgoingRequest, PreparedRequest } from "../wrapper/contract.js";

/** Characters per token assumed for a request compactor could not read: more tokens than any real count. */
const charactersPerToken = 2;

/**
 * Characters of the JSON form of `value`, counted without recursion (so depth cannot overflow the stack), capped
 * at `limit`.
 */
export function jsonSize(value: unknown, limit = 64_000_000): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size < limit) {
    const item = stack.pop();
    if (typeof item === "string") size += item.length + 2;
    else if (typeof item === "number" || typeof item === "boolean") size += String(item).length;
    else if (item === null || item === undefined) size += 4;
    else if (Array.isArray(item)) {
      size += 2 + item.length;
      for (const element of item) stack.push(element);
    } else if (typeof item === "object") {
      for (const [key, element] of Object.entries(item as Record<string, unknown>)) {
        size += key.length + 4;
        stack.push(element);
      }
    }
  }
  return Math.min(size, limit);
}

function maxOutput(params: Record<string, unknown>): number | undefined {
  for (const key of ["max_tokens", "max_completion_tokens", "max_output_tokens"]) {
    const value = params[key];
    if (typeof value === "number" && value > 0) return value;
  }
  return undefined;
}

/**
 * The original request, gated: reserved on `gate` from its size, refused when the gate refuses, settled from the
 * usage the provider reports.
 */
export async function gateUnprepared(
  gate: CallGate | undefined,
  request: OutgoingRequest,
  emit: (event: CompactorEvent) => void,
): Promise<PreparedRequest> {
  const original: PreparedRequest = { params: request.params, settle: async () => {} };
  if (!gate) return original;
  const model = typeof request.params.model === "string" ? request.params.model : "unknown";
  let ticket: GateTicket;
  try {
    const output = maxOutput(request.params);
    ticket = await gate.before({
      sessionId: request.sessionId,
      format: request.format,
      model,
      promptTokens: Math.ceil(jsonSize(request.params) / charactersPerToken),
      ...(output !== undefined ? { maxOutputTokens: output } : {}),
      now: Date.now(),
      emit,
    });
  } catch (error) {
    if (isRefusal(error)) return { params: request.params, refuse: error, settle: async () => {} };
    emit({
      type: "error",
      session: request.sessionId,
      time: Date.now(),
      phase: "budget",
      message: error instanceof Error ? error.message : String(error),
      fallback: "sent-unbudgeted",
    });
    return original;
  }
  const params =
    ticket.model && ticket.model !== model ? { ...request.params, model: ticket.model } : request.params;
  let settled = false;
  return {
    params,
    settle: async (outcome) => {
      if (settled) return;
      settled = true;
      try {
        if (outcome.kind !== "response") {
          // A stream or an error: the usage is not read here; a failed call frees the reservation, a stream
          // keeps it until it expires (an upper bound of what it cost).
          if (outcome.kind === "error") await ticket.release();
          return;
        }
        const binding = bindingFor(request.format);
        const usage = binding.responseUsage(outcome.response);
        if (!usage) return;
        const billedModel = binding.responseModel(outcome.response) ?? ticket.model ?? model;
        const cost = costOfCall(billedModel, usage);
        const tokens =
          usage.inputTokens +
          usage.cacheReadTokens +
          usage.cacheWrite5mTokens +
          usage.cacheWrite1hTokens +
          usage.outputTokens;
        await ticket.settle({ usd: cost.known ? cost.costUsd : null, tokens });
      } catch {
        // Settling must never reach the user's call; the reservation expires on its own.
      }
    },
  };
}
