/**
 * Node's HTTP(S) agents for the S3 store, gated by the write fence (write-fence.ts) at the last
 * moment a request can still be stopped: when its socket is ready and its bytes are about to go.
 * Node only; loaded on demand (src/api/node-only.ts) by the store's request handler
 * (fenced-request-handler.ts).
 *
 * Why. The fence is asked right before the SDK opens a request. From there to the bytes leaving
 * the process Node may still wait: for a new connection's TCP (and TLS) handshake — the
 * request's headers and body sit in the socket's buffer meanwhile — or for a free socket of the
 * pool. A process frozen during that wait (SIGSTOP, a paused VM or container, a long GC pause)
 * sends them when it wakes: after another writer has taken the lease over and rolled the
 * frozen writer's journal back, so a page of a transaction that is no longer anyone's lands in
 * the database. Measured before this module, on the local S3 server: 7 of 30 commits frozen at a
 * random instant left some of their pages behind the takeover (test/safety/freeze.test.ts).
 *
 * So two gates:
 *   1. a new socket is handed to a request only once it is connected (TLS: once the handshake is
 *      done) — `createConnection` calls back on 'connect' / 'secureConnect', not at once;
 *   2. a fenced request asks its fence again when it gets its socket: Node emits the request's
 *      'socket' event in the same tick as, and right before, it writes the buffered headers and
 *      body, so a request refused there sends nothing.
 * Between gate 2 and the bytes reaching the kernel there is no wait at all: a freeze can only
 * land within the few instructions in between (see README, "A frozen writer").
 *
 * Which fence a request carries: `requestFences` (write-fence.ts) maps the headers object the
 * SDK hands to `http.request` — it reaches the agent's `addRequest` as the same object — to it.
 */
import { Agent as HttpAgent, type AgentOptions, type ClientRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { requestFences } from './write-fence.js';

type Callback = (err: Error | null, stream: Duplex) => void;

/** What `http.Agent` calls and does not declare in its typings. */
interface AgentInternals {
  addRequest(req: ClientRequest, options: { headers?: unknown }): void;
  createConnection(options: RequestOptions): Socket;
}

/**
 * Starts a connection with `create` and calls `callback` once it is ready for bytes (connected;
 * for TLS, the handshake done), or with the error — a timeout after `timeoutMs` included.
 */
function whenConnected(socket: Socket, callback: Callback, timeoutMs: number): void {
  const ready = socket instanceof TLSSocket ? 'secureConnect' : 'connect';
  let done = false;
  const finish = (err: Error | null): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.off(ready, onReady);
    socket.off('error', onError);
    if (err !== null) socket.destroy();
    callback(err, socket); // (Node's agent ignores the socket when there is an error)
  };
  const onReady = (): void => finish(null);
  const onError = (err: Error): void => finish(err);
  const timer = setTimeout(() => finish(Object.assign(new Error(`connection timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
  socket.once(ready, onReady);
  socket.once('error', onError);
}

/** Gate 2: a fenced request whose fence has shut by the time it gets its socket is destroyed unsent. */
function gateOnSocket(req: ClientRequest, options: { headers?: unknown }): void {
  const headers = options.headers;
  const fence = typeof headers === 'object' && headers !== null ? requestFences.get(headers) : undefined;
  if (fence === undefined) return;
  req.once('socket', () => {
    if (!fence.open) req.destroy(fence.reason);
  });
}

export interface FencedAgentOptions {
  readonly maxSockets: number;
  /** How long a new connection may take before the request fails (and the SDK retries). */
  readonly connectionTimeoutMs: number;
}

/** `http.Agent` with both gates. */
export class FencedHttpAgent extends HttpAgent {
  readonly #timeoutMs: number;
  constructor(options: FencedAgentOptions & AgentOptions) {
    super({ keepAlive: true, ...options });
    this.#timeoutMs = options.connectionTimeoutMs;
  }
  override createConnection(options: RequestOptions, callback?: Callback): undefined {
    const socket = (HttpAgent.prototype as unknown as AgentInternals).createConnection.call(this, options);
    whenConnected(socket, callback ?? (() => undefined), this.#timeoutMs);
    return undefined;
  }
  addRequest(req: ClientRequest, options: { headers?: unknown }): void {
    gateOnSocket(req, options);
    (HttpAgent.prototype as unknown as AgentInternals).addRequest.call(this, req, options);
  }
}

/** `https.Agent` with both gates (TLS session reuse as in Node's own). */
export class FencedHttpsAgent extends HttpsAgent {
  readonly #timeoutMs: number;
  constructor(options: FencedAgentOptions & HttpsAgentOptions) {
    super({ keepAlive: true, ...options });
    this.#timeoutMs = options.connectionTimeoutMs;
  }
  override createConnection(options: RequestOptions, callback?: Callback): undefined {
    const socket = (HttpsAgent.prototype as unknown as AgentInternals).createConnection.call(this, options);
    whenConnected(socket, callback ?? (() => undefined), this.#timeoutMs);
    return undefined;
  }
  addRequest(req: ClientRequest, options: { headers?: unknown }): void {
    gateOnSocket(req, options);
    (HttpsAgent.prototype as unknown as AgentInternals).addRequest.call(this, req, options);
  }
}

/** The SDK's Node handler on fenced agents. */
export function fencedNodeHandler(options: FencedAgentOptions): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new FencedHttpAgent(options),
    httpsAgent: new FencedHttpsAgent(options),
    connectionTimeout: options.connectionTimeoutMs,
  });
}
