/**
 * The replacement of one SDK `create` method. It returns the SDK's own `APIPromise` at once; behind it the
 * handler prepares the request, the real `create` sends the prepared params, and the outcome (parsed body,
 * observed stream, or the SDK's error, unchanged) is settled.
 *
 * @module
 */

import type { OutgoingRequest, PreparedRequest, RequestHandler } from "../contract.js";
import type { ProviderFormat } from "../../transcript/types.js";
import type { ApiPromiseSupport } from "./api-promise.js";
import { OutcomeReporter } from "./outcome-reporter.js";
import { isStream, observeStream } from "./observe-stream.js";
import { takeSessionHeader } from "./session-header.js";

/** An SDK method with the `(params, requestOptions)` shape of `create`. */
export type CreateMethod = (params: unknown, requestOptions?: unknown) => unknown;

/** What {@link interceptCreate} wraps. */
export interface InterceptTarget {
  format: ProviderFormat;
  handler: RequestHandler;
  /** Session of requests that carry no session header. */
  defaultSession: string;
  /** The resource's own `create`, already bound to the resource. */
  create: CreateMethod;
  /** The SDK client the resource sends with (the first argument of `APIPromise`). */
  client: unknown;
  support: ApiPromiseSupport;
}

/** A real call under way, boxed so that its thenable `APIPromise` is not unwrapped by `await`. */
interface RealCall {
  promise: object;
  reporter: OutcomeReporter;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The handler's preparation, or undefined when it failed (then the original params go out, unsettled). */
async function prepareSafely(
  handler: RequestHandler,
  request: OutgoingRequest,
): Promise<PreparedRequest | undefined> {
  try {
    const prepared: unknown = await handler.prepare(request);
    return isRecord(prepared) ? (prepared as unknown as PreparedRequest) : undefined;
  } catch {
    return undefined;
  }
}

function startRealCall(
  target: InterceptTarget,
  prepared: PreparedRequest | undefined,
  params: unknown,
  options: unknown,
) {
  if (prepared?.refuse instanceof Error) throw prepared.refuse;
  const sent = isRecord(prepared?.params) ? prepared.params : params;
  const reporter = new OutcomeReporter(prepared);
  let promise: unknown;
  try {
    promise = target.create(sent, options);
  } catch (error) {
    reporter.error(error);
    throw error;
  }
  if (typeof promise !== "object" || promise === null) {
    const error = new TypeError("compactor: the SDK's create() did not return an APIPromise");
    reporter.error(error);
    throw error;
  }
  return { promise, reporter };
}

/** Builds the replacement of `target.create`. */
export function interceptCreate(target: InterceptTarget): CreateMethod {
  const { format, handler, defaultSession, support } = target;
  return function create(params: unknown, requestOptions?: unknown): unknown {
    // Not an object: the SDK's own create reports it, as it would unwrapped.
    if (!isRecord(params)) return target.create(params, requestOptions);
    const header = takeSessionHeader(requestOptions);
    const signal = isRecord(requestOptions) ? requestOptions.signal : undefined;
    const request: OutgoingRequest = {
      format,
      sessionId: header.sessionId ?? defaultSession,
      params,
      stream: params.stream === true,
      ...(signal instanceof AbortSignal ? { signal } : {}),
    };
    const call: Promise<RealCall> = prepareSafely(handler, request).then((prepared) =>
      startRealCall(target, prepared, params, header.requestOptions),
    );
    const responsePromise = call.then(({ promise, reporter }) =>
      support.responseProps(promise).then(undefined, (error: unknown) => {
        reporter.error(error);
        throw error;
      }),
    );
    const parseResponse = async (client: unknown, props: unknown): Promise<unknown> => {
      const { promise, reporter } = await call;
      let data: unknown;
      try {
        data = await support.parse(promise, client, props);
      } catch (error) {
        reporter.error(error);
        throw error;
      }
      if (isStream(data)) observeStream(data, (events, completed) => reporter.stream(events, completed));
      else reporter.response(data);
      return data;
    };
    return new support.ApiPromise(target.client, responsePromise, parseResponse);
  };
}
