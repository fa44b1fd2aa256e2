/**
 * Named strategies for replays and the CLI: each spec makes a fresh strategy and trigger per replay (strategies
 * may keep state between calls).
 *
 * @module
 */
import type { Strategy, Trigger } from "../../strategies/types.js";

/** A named way to compact, as the bench runs it. */
export interface StrategySpec {
  name: string;
  /** Where the policy comes from (a paper, a product's defaults), for the README and the report. */
  source?: string;
  /** A fresh strategy and trigger; both `null` for no compaction. */
  create(): { strategy: Strategy | null; trigger: Trigger | null };
}
