/**
 * The S3 client's request handler in Node: the SDK's own Node handler, on agents that ask a
 * request's write fence again when its socket is ready (fenced-http.ts, which says why).
 *
 * This file has no Node import, so the store stays loadable in browsers and edge workers (which
 * use the SDK's fetch handler and never construct this): fenced-http.ts is loaded with the first
 * request. What this wrapper adds per request is one entry in `requestFences`: the request's
 * headers object → the fence behind its abort signal.
 */
import { loadFencedHttp } from '../api/node-only.js';
import { fenceOfSignal, requestFences } from './write-fence.js';

/** The parts of the SDK's `HttpHandler` contract this wrapper passes through. */
interface Handler {
  handle(request: { headers: object }, options?: { abortSignal?: unknown; requestTimeout?: number }): Promise<unknown>;
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): object;
  destroy?(): void;
}

export interface FencedRequestHandlerOptions {
  readonly maxSockets: number;
  readonly connectionTimeoutMs: number;
}

export class FencedRequestHandler {
  /** Read by the SDK (it checks the protocol a handler speaks). */
  readonly metadata = { handlerProtocol: 'http/1.1' };
  #inner: Promise<Handler> | undefined;
  /** Configuration updates the SDK made before the inner handler existed. */
  readonly #updates: [never, never][] = [];

  constructor(private readonly options: FencedRequestHandlerOptions) {}

  async handle(request: { headers: object }, options: { abortSignal?: unknown; requestTimeout?: number } = {}): Promise<unknown> {
    const fence = fenceOfSignal(options.abortSignal);
    if (fence !== undefined) requestFences.set(request.headers, fence);
    return (await this.#handler()).handle(request, options);
  }

  #handler(): Promise<Handler> {
    this.#inner ??= loadFencedHttp().then((m) => {
      const handler = m.fencedNodeHandler(this.options) as unknown as Handler;
      for (const [key, value] of this.#updates) handler.updateHttpClientConfig(key, value);
      return handler;
    });
    return this.#inner;
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.#updates.push([key, value]);
    void this.#inner?.then((h) => h.updateHttpClientConfig(key, value));
  }

  httpHandlerConfigs(): object {
    return {};
  }

  destroy(): void {
    void this.#inner?.then((h) => h.destroy?.());
  }
}
