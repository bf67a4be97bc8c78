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
  return { GET: 0, HEAD: 0, PUT: 0, DELETE: 0, LIST: 0, OTHER: 0, bytesDown: 0, bytesUp: 0, maxInFlight: 0 };
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

export async function startLatencyProxy(options: { target: string; latencyMs?: number }): Promise<LatencyProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  let counts = emptyCounts();
  let inFlight = 0;
  const proxy: LatencyProxy = {
    url: '',
    latencyMs: options.latencyMs ?? 20,
    get counts() {
      return counts;
    },
    reset() {
      counts = emptyCounts();
    },
    total() {
      return counts.GET + counts.HEAD + counts.PUT + counts.DELETE + counts.LIST + counts.OTHER;
    },
    close: async () => {},
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const kind = classify(req.method ?? 'GET', req.url ?? '/');
    counts[kind]++;
    inFlight++;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on('close', finish);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      counts.bytesUp += c.length;
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
              counts.bytesDown += c.length;
              res.write(c);
            });
            up.on('end', () => res.end());
          },
        );
        upstream.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        upstream.end(Buffer.concat(chunks));
      }, proxy.latencyMs);
    });
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (proxy as { url: string }).url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
