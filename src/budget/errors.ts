/**
 * The errors a budget gate refuses calls with. Both are {@link CompactorError}s; the wrapped client's call
 * rejects with them and nothing is sent to the provider.
 *
 * @module
 */
import { CompactorError } from "../errors.js";

/** What {@link BudgetExceededError} carries about the limit that stopped the call. */
export interface BudgetExceededDetails {
  /** Id of the limit (`session:<id>`, `team:<name>`). */
  limitId: string;
  /**
   * `usd` or `tokens`: the limit's maximum would be passed; `threshold`: a `refuse` action below the maximum
   * (`at` < 1) was reached.
   */
  exceeded: "usd" | "tokens" | "threshold";
  /** Settled dollars in the limit's current window. */
  spentUsd: number;
  /** Dollars held by other calls in flight. */
  reservedUsd: number;
  /** The limit's `maxUsd`, or `null` without one. */
  limitUsd: number | null;
  spentTokens: number;
  reservedTokens: number;
  limitTokens: number | null;
  /** What this call was estimated to cost (on the cheapest model tried). */
  requestedUsd: number;
  requestedTokens: number;
  /** Share of the limit this call would have brought it to (`(spent + reserved + requested) / max`). */
  share: number;
}

/** A call was refused because a budget is (or would be) spent. */
export class BudgetExceededError extends CompactorError implements BudgetExceededDetails {
  override name = "BudgetExceededError";
  readonly limitId: string;
  readonly exceeded: BudgetExceededDetails["exceeded"];
  readonly spentUsd: number;
  readonly reservedUsd: number;
  readonly limitUsd: number | null;
  readonly spentTokens: number;
  readonly reservedTokens: number;
  readonly limitTokens: number | null;
  readonly requestedUsd: number;
  readonly requestedTokens: number;
  readonly share: number;

  constructor(details: BudgetExceededDetails) {
    super(describe(details));
    this.limitId = details.limitId;
    this.exceeded = details.exceeded;
    this.spentUsd = details.spentUsd;
    this.reservedUsd = details.reservedUsd;
    this.limitUsd = details.limitUsd;
    this.spentTokens = details.spentTokens;
    this.reservedTokens = details.reservedTokens;
    this.limitTokens = details.limitTokens;
    this.requestedUsd = details.requestedUsd;
    this.requestedTokens = details.requestedTokens;
    this.share = details.share;
  }
}

/** The budget ledger could not be reached and the gate fails closed: calls are refused until it is back. */
export class BudgetUnavailableError extends CompactorError {
  override name = "BudgetUnavailableError";
  /** The ledger's name (`redis`, `memory`). */
  readonly ledger: string;
  /** What failed: `reserve`, `settle`, ... */
  readonly operation: string;

  constructor(ledger: string, operation: string, options: { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `The ${ledger} budget ledger is unavailable (${operation}: ${reason}); the call was refused because ` +
        '`failMode` is "closed"',
      options,
    );
    this.ledger = ledger;
    this.operation = operation;
  }
}

function describe(details: BudgetExceededDetails): string {
  const usd = (value: number) => `$${value.toFixed(6).replace(/0{1,4}$/, "")}`;
  const amounts =
    details.exceeded === "tokens"
      ? `${details.spentTokens} tokens spent, ${details.reservedTokens} reserved, this call ~${details.requestedTokens}, limit ${details.limitTokens}`
      : `${usd(details.spentUsd)} spent, ${usd(details.reservedUsd)} reserved, this call ~${usd(details.requestedUsd)}, ` +
        `limit ${details.limitUsd === null ? "none" : usd(details.limitUsd)}`;
  const why =
    details.exceeded === "threshold"
      ? `would reach ${(details.share * 100).toFixed(1)}% of it, past its refuse threshold`
      : `would be exceeded`;
  return `Budget "${details.limitId}" ${why}: ${amounts}`;
}
