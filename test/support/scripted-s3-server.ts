/**
 * A tiny HTTP server on 127.0.0.1 that answers S3 requests from a script, for the failure modes
 * the fauxqs test server cannot produce (AccessDenied, throttling, 412/409, per-key DeleteObjects
 * errors, a paginating server that repeats its continuation token). The store under test still
 * goes through the real AWS SDK and a real socket; only the server's answers are scripted.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ScriptedRequest {
  readonly method: string;
  /** Path and query, e.g. `/bucket/key?x-id=GetObject`. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export type Script = (req: ScriptedRequest, index: number) => ScriptedResponse;

export interface ScriptedS3Server {
  readonly endpoint: string;
  /** Every request received, in order. */
  readonly requests: ScriptedRequest[];
  /** Replaces the answering function. */
  setScript(script: Script): void;
  close(): Promise<void>;
}

/** An S3 XML error document, as S3 sends it. */
export function s3ErrorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>test</RequestId></Error>`;
}

export async function startScriptedS3Server(initial: Script): Promise<ScriptedS3Server> {
  let script = initial;
  const requests: ScriptedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ScriptedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      let answer: ScriptedResponse;
      try {
        answer = script(request, requests.length - 1);
      } catch (err) {
        answer = { status: 500, body: s3ErrorXml('InternalError', String(err)) };
      }
      const body = req.method === 'HEAD' ? '' : (answer.body ?? '');
      res.writeHead(answer.status, {
        'content-type': 'application/xml',
        'x-amz-request-id': 'test',
        ...(req.method === 'HEAD' ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        ...answer.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('scripted S3 server has no port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    setScript(next) {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
