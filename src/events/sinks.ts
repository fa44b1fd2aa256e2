/**
 * Event sinks: a callback, a JSONL file, and `node:diagnostics_channel`.
 *
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { CompactorEvent, EventSink } from "./types.js";

/** Name of the diagnostics channel every event is published on. Subscribing is free when nobody listens. */
export const EVENTS_CHANNEL = "compactor:event";

const channel = diagnostics.channel(EVENTS_CHANNEL);

/** Publishes each event on {@link EVENTS_CHANNEL}, and on `compactor:<type>` (e.g. `compactor:compaction`). */
export function diagnosticsChannelSink(): EventSink {
  const perType = new Map<string, diagnostics.Channel>();
  return (event) => {
    if (channel.hasSubscribers) channel.publish(event);
    let typed = perType.get(event.type);
    if (!typed) {
      typed = diagnostics.channel(`compactor:${event.type}`);
      perType.set(event.type, typed);
    }
    if (typed.hasSubscribers) typed.publish(event);
  };
}

/**
 * Appends each event as one JSON line to `path` (created with its folders). Writes are synchronous so that a
 * crash loses no event that was emitted; an event is small, and there are a few per API call.
 */
export function jsonlFileSink(path: string): EventSink {
  mkdirSync(dirname(path), { recursive: true });
  return (event) => {
    appendFileSync(path, `${JSON.stringify(event)}\n`);
  };
}

/** Fans events out to several sinks; a sink that throws is skipped and reported on stderr once. */
export function fanOut(sinks: readonly EventSink[]): (event: CompactorEvent) => void {
  const reported = new WeakSet<EventSink>();
  return (event) => {
    for (const sink of sinks) {
      try {
        sink(event);
      } catch (error) {
        if (!reported.has(sink)) {
          reported.add(sink);
          process.emitWarning(
            `compactor: an event sink threw and was skipped: ${error instanceof Error ? error.message : String(error)}`,
            "CompactorSinkWarning",
          );
        }
      }
    }
  };
}
