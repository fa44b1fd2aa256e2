/**
 * Key listing for the Redis store and ledger: SCAN (never KEYS, which blocks the server) over a literal prefix.
 *
 * @module
 */
import type { Redis } from "ioredis";

/** Every key that starts with `prefix` and ends with `suffix`, found with SCAN. */
export async function scanKeys(client: Redis, prefix: string, suffix = ""): Promise<string[]> {
  const pattern = `${escapeGlob(prefix)}*${escapeGlob(suffix)}`;
  const keys = new Set<string>();
  let cursor = "0";
  do {
    const [next, found] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    for (const key of found) keys.add(key);
    cursor = next;
  } while (cursor !== "0");
  return [...keys];
}

/** Escapes Redis glob characters so that text matches itself only. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
