/**
 * Watches the caller's read of an SDK `Stream` without changing what the caller sees: the same object, the same
 * events in the same order, and `tee()`, `toReadableStream()` and `controller` working as before.
 *
 * Both SDKs' `Stream` keep the function that starts reading in an own `iterator` property, which
 * `[Symbol.asyncIterator]()`, `tee()` and `toReadableStream()` all go through; that function is replaced in place
 * (or, for a stream without one, `[Symbol.asyncIterator]`). Only the first read is observed: a stream can be read
 * once.
 *
 * @module
 */

/** Called once when the read ends: the events it yielded, and whether the stream ran to its end. */
export type StreamEnd = (events: unknown[], completed: boolean) => void;

type StartRead = (this: unknown) => AsyncIterator<unknown>;

interface StreamLike {
  iterator?: unknown;
  controller?: { signal?: AbortSignal };
  [Symbol.asyncIterator]?: unknown;
}

/** True for an SDK `Stream` (or any async iterable object), false for a parsed body. */
export function isStream(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const stream = value as StreamLike;
  return typeof stream.iterator === "function" || typeof stream[Symbol.asyncIterator] === "function";
}

function observeIterator(
  source: AsyncIterator<unknown>,
  events: unknown[],
  signal: AbortSignal | undefined,
  end: (completed: boolean) => void,
): AsyncIterableIterator<unknown> {
  const iterator: AsyncIterableIterator<unknown> = {
    async next() {
      let result: IteratorResult<unknown>;
      try {
        result = await source.next();
      } catch (error) {
        end(false);
        throw error;
      }
      // An SDK stream ends quietly when its request is aborted: that is not a completed stream.
      if (result.done) end(signal?.aborted !== true);
      else events.push(result.value);
      return result;
    },
    async return(value?: unknown) {
      try {
        return (await source.return?.(value)) ?? { done: true, value };
      } finally {
        end(false);
      }
    },
    async throw(error?: unknown) {
      end(false);
      if (source.throw) return source.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

/**
 * Observes `stream` in place; `onEnd` is called once, when the read completes, fails, is stopped early
 * (`break`, `return()`), or the request is aborted before anything was read.
 */
export function observeStream(stream: object, onEnd: StreamEnd): void {
  const target = stream as StreamLike & Record<PropertyKey, unknown>;
  const key: PropertyKey = typeof target.iterator === "function" ? "iterator" : Symbol.asyncIterator;
  const startRead = target[key] as StartRead;
  const signal = target.controller?.signal;
  const events: unknown[] = [];
  let ended = false;
  const end = (completed: boolean) => {
    if (ended) return;
    ended = true;
    signal?.removeEventListener("abort", abortedBeforeRead);
    onEnd(events, completed);
  };
  const abortedBeforeRead = () => end(false);
  if (signal?.aborted) {
    end(false);
    return;
  }
  signal?.addEventListener("abort", abortedBeforeRead, { once: true });

  let observed = false;
  target[key] = function startObservedRead(this: unknown): AsyncIterator<unknown> {
    const source = startRead.call(this);
    if (observed || ended) return source;
    observed = true;
    // From here the iterator sees every way the read ends; the stream aborts its own controller when the
    // caller breaks off, which must not be mistaken for an abort before the read.
    signal?.removeEventListener("abort", abortedBeforeRead);
    return observeIterator(source, events, signal, end);
  };
}
