/**
 * An HTTP proxy on 127.0.0.1 in front of the fauxqs test server that answers CORS — a STAND-IN
 * FOR A BUCKET'S CORS CONFIGURATION (fauxqs answers no preflight). It does what the README's CORS
 * rule makes S3 do for the page's origin:
 *
 *   OPTIONS (preflight)  → 204, Access-Control-Allow-Origin: <the origin>, the methods, the
 *                          requested headers (Authorization, x-amz-*, Range, If-Match, …) allowed
 *   every other request  → forwarded unchanged; the answer gets Access-Control-Allow-Origin and
 *                          Access-Control-Expose-Headers: ETag, Content-Range, Content-Length, …
 *
 * Every request is logged (method, path, preflight or not), so the test can count what the page
 * cost; `delayMs` holds each forwarded answer back, to give the page long work to cancel.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
}

export interface CorsProxy {
  /** `http://127.0.0.1:<port>`: the endpoint the page is given. */
  readonly endpoint: string;
  readonly log: LoggedRequest[];
  delayMs: number;
  close(): Promise<void>;
}

/** The headers S3 must expose to scripts: the ETag pins reads to a version, Content-Range sizes ranged reads. */
export const EXPOSED_HEADERS = ['ETag', 'Content-Range', 'Content-Length', 'Accept-Ranges', 'x-amz-request-id', 'x-amz-version-id'];

export async function startCorsProxy(upstream: string): Promise<CorsProxy> {
  const target = new URL(upstream);
  const proxy: CorsProxy = { endpoint: '', log: [], delayMs: 0, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    proxy.log.push({ method: req.method ?? '?', path: req.url ?? '' });
    const cors: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, HEAD, PUT, POST, DELETE',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '3000',
      });
      res.end();
      return;
    }
    const forward = (): void => {
      const out = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          const headers = { ...answer.headers, ...cors, ...(origin !== undefined && { 'access-control-expose-headers': EXPOSED_HEADERS.join(', ') }) };
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        },
      );
      out.on('error', (err) => {
        res.writeHead(502, cors);
        res.end(String(err));
      });
      req.pipe(out);
    };
    if (proxy.delayMs > 0) setTimeout(forward, proxy.delayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
