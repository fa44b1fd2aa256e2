/**
 * Bounded waits: every wait compactor does on the user's behalf has a timeout and gives up when the caller's
 * `AbortSignal` fires. Giving up never cancels the task itself (a caller decides that); it only stops waiting.
 *
 * @module
 */

/** Why a bounded wait gave up. */
export class WaitAbandonedError extends Error {
  override name = "WaitAbandonedError";
  /** `timeout` when the time ran out, `aborted` when the caller's signal fired. */
  readonly reason: "timeout" | "aborted";

  constructor(what: string, reason: "timeout" | "aborted", timeoutMs: number) {
    super(
      reason === "timeout"
        ? `${what} did not finish within ${timeoutMs} ms`
        : `${what} was abandoned: the caller aborted the request`,
    );
    this.reason = reason;
  }
}

/**
 * Resolves as `task` does, or rejects with {@link WaitAbandonedError} after `timeoutMs` or when `signal`
 * aborts, whichever comes first. The timer does not keep the process alive.
 */
export function boundedWait<T>(
  task: Promise<T>,
  what: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  if (signal?.aborted) {
    task.catch(() => {});
    return Promise.reject(new WaitAbandonedError(what, "aborted", timeoutMs));
  }
  return new Promise<T>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      finish();
      reject(new WaitAbandonedError(what, "aborted", timeoutMs));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new WaitAbandonedError(what, "timeout", timeoutMs));
    }, timeoutMs);
    timer.unref?.();
    signal?.addEventListener("abort", onAbort, { once: true });
    task.then(
      (value) => {
        finish();
        resolve(value);
      },
      (error: unknown) => {
        finish();
        reject(error);
      },
    );
  });
}
