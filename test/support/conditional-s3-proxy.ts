/**
 * An HTTP proxy on 127.0.0.1 in front of the fauxqs test server that ENFORCES conditional
 * writes — a STAND-IN FOR S3'S DOCUMENTED BEHAVIOUR, which fauxqs accepts but ignores
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html):
 *
 *   PUT    If-None-Match: *   and the key exists               → 412 PreconditionFailed
 *   PUT    If-Match: <etag>   and the key is missing           → 404 NoSuchKey
 *   PUT    If-Match: <etag>   and the current etag differs     → 412 PreconditionFailed
 *   DELETE If-Match: <etag>   and the key is missing           → 404 NoSuchKey
 *   DELETE If-Match: <etag>   and the current etag differs     → 412 PreconditionFailed
 *
 * S3 evaluates the condition and applies the write atomically; here every PUT/DELETE of one key
 * runs one at a time (a per-key queue) between the upstream HEAD that checks the condition and
 * the forwarded write, so check + write is atomic as far as clients of the proxy can tell.
 * Everything else is forwarded unchanged, byte for byte. Requests are counted by kind.
 */
import { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';

export interface ConditionalS3Proxy {
  /** `http://127.0.0.1:<port>`: give it to the S3 client instead of the upstream endpoint. */
  readonly endpoint: string;
  /** Requests seen, by method, and how many a condition refused. */
  readonly counts: { GET: number; HEAD: number; PUT: number; DELETE: number; POST: number; refused: number };
  close(): Promise<void>;
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function send(upstream: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer | undefined): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: upstream.hostname, port: upstream.port, method, path, headers: { ...headers, host: upstream.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(xml)), 'x-amz-request-id': 'proxy' });
  res.end(xml);
}

/** `/bucket/key` of a path-style object request, or undefined for bucket-level requests. */
function objectPath(url: string): string | undefined {
  const path = url.split('?')[0] ?? '';
  const slash = path.indexOf('/', 1);
  if (slash < 0 || slash === path.length - 1) return undefined;
  return path;
}

export async function startConditionalS3Proxy(upstreamEndpoint: string): Promise<ConditionalS3Proxy> {
  const upstream = new URL(upstreamEndpoint);
  const counts = { GET: 0, HEAD: 0, PUT: 0, DELETE: 0, POST: 0, refused: 0 };
  const queues = new Map<string, Promise<unknown>>();

  const serialize = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = queues.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    if (method in counts) counts[method as keyof typeof counts]++;
    const forward = async (): Promise<void> => {
      const out = await send(upstream, method, url, req.headers, method === 'GET' || method === 'HEAD' ? undefined : body);
      res.writeHead(out.status, out.headers);
      res.end(method === 'HEAD' ? undefined : out.body);
    };
    const key = objectPath(url);
    if (key === undefined || (method !== 'PUT' && method !== 'DELETE')) return forward();
    const ifNoneMatch = req.headers['if-none-match'];
    const ifMatch = req.headers['if-match'];
    await serialize(key, async () => {
      if (ifNoneMatch !== undefined || ifMatch !== undefined) {
        const head = await send(upstream, 'HEAD', key, {}, undefined);
        const exists = head.status === 200;
        const etag = head.headers.etag;
        if (method === 'PUT' && ifNoneMatch === '*' && exists) {
          counts.refused++;
          return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        }
        if (ifMatch !== undefined) {
          if (!exists) {
            counts.refused++;
            return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
          }
          if (etag !== ifMatch) {
            counts.refused++;
            return s3Error(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
          }
        }
      }
      return forward();
    });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) s3Error(res, 500, 'InternalError', String(err));
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    counts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}
