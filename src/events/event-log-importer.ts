/**
 * Reads compactor's own JSONL event log back as transcripts (one per session), so `compactor report` can
 * summarise what a wrapped client spent: calls with their usage and model. The log keeps no message text.
 *
 * @module
 */
import { TranscriptFormatError } from "../errors.js";
import type { RecordedCall, Transcript } from "../transcript/types.js";
import type { TranscriptImporter } from "../importers/registry.js";
import type { CallEvent } from "./types.js";

const eventTypes = new Set(["call", "compaction", "error", "budget"]);

function isEvent(value: unknown): value is { type: string; session: string; time: number } {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.type === "string" &&
    eventTypes.has(record.type) &&
    typeof record.session === "string" &&
    typeof record.time === "number"
  );
}

/** Events are small; a longer first line is some other document (it is not parsed twice). */
const longestEventLine = 64 * 1024;

/**
 * The importer of compactor's event log (the JSONL file `withCompaction({ eventLog })` writes). It is one of
 * the importers `importPath` always asks, so `compactor report events.jsonl` works.
 */
export const eventLogImporter: TranscriptImporter = {
  format: "compactor-events",
  detect(_file, text) {
    const start = text.search(/\S/);
    if (start < 0 || text[start] !== "{") return false;
    const newline = text.indexOf("\n", start);
    const end = newline >= 0 ? newline : text.length;
    if (end - start > longestEventLine) return false;
    const first = text.slice(start, end).trim();
    try {
      return isEvent(JSON.parse(first));
    } catch {
      return false;
    }
  },
  parse(file, text) {
    const sessions = new Map<string, Transcript>();
    const lines = text.split("\n");
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]?.trim() ?? "";
      if (line === "") continue;
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch (error) {
        throw new TranscriptFormatError(file, `line ${index + 1}`, "one JSON event per line", {
          cause: error,
        });
      }
      if (!isEvent(event)) {
        throw new TranscriptFormatError(
          file,
          `line ${index + 1}`,
          'a compactor event with "type", "session" and "time"',
        );
      }
      if (event.type !== "call") continue;
      const call = event as CallEvent;
      if (
        typeof call.usage !== "object" ||
        call.usage === null ||
        typeof call.usage.inputTokens !== "number"
      ) {
        throw new TranscriptFormatError(
          file,
          `line ${index + 1}: $.usage`,
          "a usage object with inputTokens",
        );
      }
      let transcript = sessions.get(call.session);
      if (!transcript) {
        transcript = {
          file,
          id: call.session,
          format: "compactor-events",
          provider: call.provider,
          model: call.model,
          messages: [],
          calls: [],
        };
        sessions.set(call.session, transcript);
      }
      const recorded: RecordedCall = {
        promptStart: 0,
        promptEnd: 0,
        responseIndex: -1,
        model: call.model,
        timestamp: call.time,
        usage: call.usage,
      };
      transcript.calls.push(recorded);
    }
    return [...sessions.values()];
  },
};
