/**
 * Event sinks: a callback, a JSONL file, and `node:diagnostics_channel`.
 *
 * @module
 */
import diagnostics from "node:diagnostics_channel";
import { appendFileSync, mkdirSync } from "node:fs";
import { appendFile } from "node:fs/promises";
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

/** Event logs with lines not yet on disk. */
const openLogs = new Set<{ flush(): Promise<void> }>();

/**
 * Appends each event as one JSON line to `path` (created with its folders). Lines are written in order, in the
 * background (one write per batch of events, never a synchronous write on the call's path); lines still pending
 * when the process exits are written synchronously then. `flushEventLogs()` (and `sessionReport`) wait for them.
 */
export function jsonlFileSink(path: string): EventSink & { flush(): Promise<void> } {
  mkdirSync(dirname(path), { recursive: true });
  let buffer: string[] = [];
  let writing: Promise<void> | undefined;
  const log = {
    flush: async () => {
      while (writing || buffer.length > 0) await (writing ?? start());
    },
  };
  const onExit = () => {
    if (buffer.length === 0) return;
    const lines = buffer.join("");
    buffer = [];
    try {
      appendFileSync(path, lines);
    } catch {
      // Exiting: nowhere left to report it.
    }
  };
  const start = (): Promise<void> => {
    const lines = buffer.join("");
    buffer = [];
    writing = appendFile(path, lines)
      .catch((error: unknown) => {
        process.emitWarning(
          `compactor: could not append to the event log ${path}: ${error instanceof Error ? error.message : String(error)}`,
          "CompactorSinkWarning",
        );
      })
      .finally(() => {
        writing = undefined;
        if (buffer.length > 0) void start();
        else {
          openLogs.delete(log);
          process.off("exit", onExit);
        }
      });
    return writing;
  };
  const sink = (event: CompactorEvent) => {
    buffer.push(`${JSON.stringify(event)}\n`);
    if (!openLogs.has(log)) {
      openLogs.add(log);
      process.on("exit", onExit);
    }
    if (!writing) void start();
  };
  return Object.assign(sink, log);
}

/** Resolves when every event emitted so far is in its JSONL log. */
export async function flushEventLogs(): Promise<void> {
  await Promise.all([...openLogs].map((log) => log.flush()));
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
