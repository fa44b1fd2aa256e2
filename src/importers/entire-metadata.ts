/**
 * Entire checkpoint sidecars (`<checkpoint>-<n>.metadata.json`, written by the Entire CLI beside each session
 * transcript on its `entire/checkpoints/v1` branch): Entire's own summary of the checkpoint (CLI version,
 * checkpoint and session ids, agent, model, token usage, files touched, line attribution). They are not
 * transcripts: a folder import attaches the main facts to the transcript beside them
 * ({@link Transcript.metadata}`.entireCheckpoint`) and never reports them as unrecognised.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import type { Transcript } from "../transcript/types.js";
import { isObject, type JsonObject } from "./internal/reader.js";

const sidecarSuffix = ".metadata.json";

/** True for the parsed content of an Entire checkpoint sidecar named `*.metadata.json`. */
export function isEntireMetadataDocument(file: string, document: unknown): boolean {
  return (
    file.endsWith(sidecarSuffix) &&
    isObject(document) &&
    typeof document.checkpoint_id === "string" &&
    (typeof document.cli_version === "string" || typeof document.session_id === "string")
  );
}

/** The transcript a sidecar describes: `x.metadata.json` → `x.jsonl` in the same folder. */
export function entireTranscriptFile(sidecar: string): string {
  return join(dirname(sidecar), `${basename(sidecar, sidecarSuffix)}.jsonl`);
}

/** The facts of a sidecar kept on the transcript (Entire's summary, not compactor's figures). */
export function entireCheckpointFacts(document: JsonObject): JsonObject {
  const facts: JsonObject = {};
  for (const key of [
    "checkpoint_id",
    "session_id",
    "cli_version",
    "agent",
    "model",
    "created_at",
    "token_usage",
  ]) {
    if (document[key] !== undefined) facts[key] = document[key];
  }
  return facts;
}

/** Attaches a sidecar's facts to its transcript. */
export function attachEntireCheckpoint(transcript: Transcript, document: JsonObject): void {
  transcript.metadata = { ...transcript.metadata, entireCheckpoint: entireCheckpointFacts(document) };
}
