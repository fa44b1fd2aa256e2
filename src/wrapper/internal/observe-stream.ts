/**
 * Watches the caller's read of an SDK `Stream` without changing what the caller sees: the same object, the same
 * events in the same order, and `tee()`, `toReadableStream()` and `controller` working as before.
 *
 * Both SDKs' `Stream` keep the function that starts reading in an own `iterator` property, which
 * `tee()` and `toReadableStream()` go through, and so does `[Symbol.asyncIterator]()` — unless the SDK layered a
 * transform over it (openai 7 sets an own `[Symbol.asyncIterator]` on chat streams that yields normalized copies of
 * the chunks). Both ways in are replaced in place, and the outermost one entered is observed, so the events recorded
 * are the very objects the caller is given. Only the first read is observed: a stream can be read once.
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
  const observeEntry = (key: PropertyKey) => {
    const startRead = target[key];
    if (typeof startRead !== "function") return;
    const startObservedRead = function (this: unknown): AsyncIterator<unknown> {
      if (observed || ended) return (startRead as StartRead).call(this);
      // Claimed before the read starts, so a way in that goes through the other one (the prototype's
      // `[Symbol.asyncIterator]()` calls `iterator()`) is observed once, at the outermost level.
      observed = true;
      // From here the iterator sees every way the read ends; the stream aborts its own controller when the
      // caller breaks off, which must not be mistaken for an abort before the read.
      signal?.removeEventListener("abort", abortedBeforeRead);
      let source: AsyncIterator<unknown>;
      try {
        source = (startRead as StartRead).call(this);
      } catch (error) {
        end(false);
        throw error;
      }
      return observeIterator(source, events, signal, end);
    };
    // An own property in place of an inherited one is not enumerable, so the stream's own keys look the same.
    const own = Object.getOwnPropertyDescriptor(target, key);
    Object.defineProperty(target, key, {
      value: startObservedRead,
      writable: true,
      configurable: true,
      enumerable: own?.enumerable ?? false,
    });
  };
  observeEntry("iterator");
  observeEntry(Symbol.asyncIterator);
}
