/**
 * The type of a Redis client passed to compactor, written without naming `ioredis`, so that compactor's type
 * declarations compile for users who do not install that optional peer.
 *
 * @module
 */

/**
 * An ioredis client (`new Redis(...)` from `ioredis`), described by a few members every ioredis client has so
 * that the declaration does not import `ioredis`. Pass the client itself; compactor uses it as an ioredis client.
 */
export interface RedisClient {
  /** ioredis's connection status (`"ready"`, `"connecting"`, `"end"`, ...). */
  readonly status: string;
  quit(): Promise<unknown>;
  eval(...args: never[]): unknown;
}
