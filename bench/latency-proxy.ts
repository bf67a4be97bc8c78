/**
 * A latency-injecting, request-counting HTTP proxy for benchmarks: listens on 127.0.0.1 and
 * forwards every request to an S3-compatible server (fauxqs in the benchmarks) after waiting a
 * fixed delay, the stand-in for a network round trip to S3 (10–50 ms in practice). Requests are
 * counted by kind, as S3 bills and as the issue counts them:
 *
 *   GET     GetObject                       HEAD    HeadObject
 *   PUT     PutObject                       DELETE  DeleteObject, and DeleteObjects (POST ?delete)
 *   LIST    GET on a bucket (ListObjectsV2: `?list-type=2`, or no key)
 *   OTHER   anything else (CreateBucket is a PUT on a bucket and counts as OTHER)
 *
 * The delay is applied once per request, before it is forwarded, so N requests in flight at once
 * cost one delay, not N: exactly how parallel requests hide latency over a real network.
 *
 *   const proxy = await startLatencyProxy({ target: 'http://127.0.0.1:4566', latencyMs: 20 });
 *   ... point the S3 client's endpoint at proxy.url ...
 *   proxy.counts  // { GET: 12, HEAD: 2, ... }
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export type RequestKind = 'GET' | 'HEAD' | 'PUT' | 'DELETE' | 'LIST' | 'OTHER';

export interface ProxyCounts {
  GET: number;
  HEAD: number;
  PUT: number;
  DELETE: number;
  LIST: number;
  OTHER: number;
  /** Response body bytes sent back to the client. */
  bytesDown: number;
  /** Request body bytes received from the client. */
  bytesUp: number;
  /** Most requests in flight at once since the last reset. */
  maxInFlight: number;
  /** TCP connections the client opened to the proxy since the last reset (keep-alive reuse shows here). */
  connections: number;
}

export interface LatencyProxy {
  readonly url: string;
  latencyMs: number;
  readonly counts: ProxyCounts;
  /** Zeroes the counters. */
  reset(): void;
  /** Requests of all kinds since the last reset. */
  total(): number;
  close(): Promise<void>;
}

export function emptyCounts(): ProxyCounts {
  return { GET: 0, HEAD: 0, PUT: 0, DELETE: 0, LIST: 0, OTHER: 0, bytesDown: 0, bytesUp: 0, maxInFlight: 0, connections: 0 };
}

/**
 * The counters and the latency live in one Float64Array, so that a proxy running in a worker
 * thread (its CPU then not taken from the event loop of the client under test) shares them with
 * the benchmark through a SharedArrayBuffer: the benchmark reads counts and sets the latency
 * synchronously, exactly as with a proxy in its own thread. Only the proxy's thread writes the
 * counters; `reset()` is meant for moments with no request in flight.
 */
const SLOTS = ['GET', 'HEAD', 'PUT', 'DELETE', 'LIST', 'OTHER', 'bytesDown', 'bytesUp', 'maxInFlight', 'connections'] as const;
const IN_FLIGHT = SLOTS.length;
const LATENCY = SLOTS.length + 1;
const SLOT_COUNT = SLOTS.length + 2;
const slot = Object.fromEntries(SLOTS.map((name, i) => [name, i])) as Record<keyof ProxyCounts, number>;

function snapshot(cells: Float64Array): ProxyCounts {
  const out = emptyCounts();
  for (const name of SLOTS) out[name] = cells[slot[name]]!;
  return out;
}

/** The kind of an S3 request, from its method and path-style URL (`/bucket/key?query`). */
export function classify(method: string, url: string): RequestKind {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const hasKey = path.replace(/^\/+/, '').includes('/') && !path.endsWith('/');
  switch (method) {
    case 'GET':
      return hasKey ? 'GET' : 'LIST';
    case 'HEAD':
      return hasKey ? 'HEAD' : 'OTHER';
    case 'PUT':
      return hasKey ? 'PUT' : 'OTHER';
    case 'DELETE':
      return 'DELETE';
    case 'POST':
      return /(^|&)delete(=|&|$)/.test(query) ? 'DELETE' : 'OTHER';
    default:
      return 'OTHER';
  }
}

export interface LatencyProxyOptions {
  target: string;
  latencyMs?: number;
  /**
   * Run the proxy in a worker thread (default false): its request handling then runs beside, not
   * inside, the event loop of the client being measured — on a real network the delay costs the
   * client no CPU at all.
   */
  worker?: boolean;
}

export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const cells = new Float64Array(new SharedArrayBuffer(SLOT_COUNT * Float64Array.BYTES_PER_ELEMENT));
  cells[LATENCY] = options.latencyMs ?? 20;
  let url: string;
  let stop: () => Promise<void>;
  if (options.worker === true) {
    // This file is TypeScript run by tsx, whose loader a worker does not inherit: the worker
    // registers it first (tsx's documented API), then loads this module, which starts serving.
    const self = import.meta.url;
    const api = pathToFileURL(createRequire(self).resolve('tsx/esm/api')).href.replace(/index\.cjs$/, 'index.mjs');
    const source = self.endsWith('.ts')
      ? `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); });`
      : `import(${JSON.stringify(self)});`;
    const worker = new Worker(source, { eval: true, workerData: { latencyProxy: { target: options.target, cells } } });
    url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (m: { url: string }) => resolve(m.url));
      worker.once('error', reject);
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    stop = async () => {
      worker.postMessage('close');
      await exited;
    };
  } else {
    ({ url, stop } = await serveProxy(options.target, cells));
  }
  return {
    url,
    get latencyMs() {
      return cells[LATENCY]!;
    },
    set latencyMs(ms: number) {
      cells[LATENCY] = ms;
    },
    get counts() {
      return snapshot(cells);
    },
    reset() {
      for (let i = 0; i < SLOTS.length; i++) cells[i] = 0;
    },
    total() {
      return cells[slot.GET]! + cells[slot.HEAD]! + cells[slot.PUT]! + cells[slot.DELETE]! + cells[slot.LIST]! + cells[slot.OTHER]!;
    },
    close: stop,
  };
}

/** The proxy itself, counting into `cells`; in whatever thread calls it. */
async function serveProxy(targetUrl: string, cells: Float64Array): Promise<{ url: string; stop: () => Promise<void> }> {
  const target = new URL(targetUrl);
  // Keep-alive towards the server too, as many sockets as requests in flight.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const kind = classify(req.method ?? 'GET', req.url ?? '/');
    cells[slot[kind]]!++;
    const inFlight = ++cells[IN_FLIGHT]!;
    if (inFlight > cells[slot.maxInFlight]!) cells[slot.maxInFlight] = inFlight;
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        cells[IN_FLIGHT]!--;
      }
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      cells[slot.bytesUp]! += c.length;
    });
    req.on('end', () => {
      setTimeout(() => {
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.on('data', (c: Buffer) => {
              cells[slot.bytesDown]! += c.length;
              res.write(c);
            });
            up.on('end', () => res.end());
          },
        );
        upstream.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        upstream.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      }, cells[LATENCY]!);
    });
  };

  const server = createServer(handle);
  server.on('connection', () => cells[slot.connections]!++);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// In a worker started by startLatencyProxy({ worker: true }): serve until told to close.
const job = (workerData as { latencyProxy?: { target: string; cells: Float64Array } } | null)?.latencyProxy;
if (!isMainThread && job !== undefined && parentPort !== null) {
  const port = parentPort;
  const { url, stop } = await serveProxy(job.target, job.cells);
  port.on('message', (m) => {
    if (m === 'close') void stop().then(() => port.close());
  });
  port.postMessage({ url });
}
