/**
 * The budget hook of the session runtime. Before a call, a gate may let it through, route it to another model,
 * ask strategies to compact harder, or refuse it; after the call it is told the real cost. compactor's budgets
 * (src/budget) implement it; anything else can too.
 *
 * @module
 */
import type { CompactorEvent } from "../events/types.js";
import type { ProviderFormat } from "../transcript/types.js";

/** What a gate is told before a call. */
export interface GateRequest {
  sessionId: string;
  format: ProviderFormat;
  /** The model the request asks for. */
  model: string;
  /**
   * Prompt tokens that would be sent (before any compaction of this call): an upper bound in practice (the
   * larger of the calibrated estimate and a bound from what the provider last billed).
   */
  promptTokens: number;
  /**
   * What the call is expected to cost when the session has a previous call to go by: its prompt, the part of it
   * the provider's cache is expected to serve, and an output like the session's recent ones. A gate may reserve
   * this instead of the upper bound when only this fits.
   */
  expected?: { promptTokens: number; cachedPromptTokens: number; outputTokens: number };
  /** The request's output cap (`max_tokens`, `max_completion_tokens`, `max_output_tokens`), when set. */
  maxOutputTokens?: number;
  now: number;
  /** Emits budget (and error) events on the session's sinks. */
  emit: (event: CompactorEvent) => void;
}

/** The gate's decision for one call. */
export interface GateTicket {
  /** Send with this model instead (a cheaper sibling). */
  model?: string;
  /** Compaction pressure for the strategy, 0 (none) to 1. */
  pressure?: number;
  /** The call was billed: replace the reservation with the real cost (`usd` null when the price is unknown). */
  settle(actual: { usd: number | null; tokens: number }): Promise<void>;
  /** The call failed before it was billed: free the reservation. */
  release(): Promise<void>;
}

/** A budget gate. `before` refuses a call by rejecting with an error marked by {@link isRefusal}. */
export interface CallGate {
  before(request: GateRequest): Promise<GateTicket>;
}

const refusalMarker = Symbol.for("compactor.refusal");

/** Marks an error as a deliberate refusal: the user's call rejects with it instead of going out. */
export function markRefusal<E extends Error>(error: E): E {
  (error as unknown as Record<symbol, boolean>)[refusalMarker] = true;
  return error;
}

/** True for an error a gate raised to refuse a call. */
export function isRefusal(error: unknown): error is Error {
  return error instanceof Error && (error as unknown as Record<symbol, unknown>)[refusalMarker] === true;
}
