/**
 * The fenced HTTP agents (src/store/fenced-http.ts): a request whose write fence shuts while it
 * waits for a socket is never sent, and a new socket reaches a request only once connected.
 * Real sockets on 127.0.0.1, real Node agents; the fence's wall clock is the test's.
 */
import { type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BusyError } from '../../src/errors.js';
import { FencedHttpAgent } from '../../src/store/fenced-http.js';
import { WriteFence, monotonicNow, requestFences } from '../../src/store/write-fence.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server that records each request's path and answers when `release(path)` is called. */
async function holdingServer() {
  const seen: string[] = [];
  const held = new Map<string, ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      seen.push(req.url ?? '');
      if (req.url?.startsWith('/hold')) held.set(req.url, res);
      else res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const port = (server.address() as AddressInfo).port;
  return { port, seen, release: (path: string) => held.get(path)?.end('released'), arrived: (path: string) => seen.includes(path) };
}

/** A fence open until the test moves its wall clock past the deadline. */
function testFence() {
  let wall = 0;
  const fence = new WriteFence('db-lock', () => wall);
  fence.extend(monotonicNow(), 0, 60_000, 0);
  return { fence, shut: () => (wall = 120_000) };
}

function send(agent: FencedHttpAgent, port: number, path: string, fence?: WriteFence): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (fence !== undefined) requestFences.set(headers, fence);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'PUT', headers, agent }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end('page bytes');
  });
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('fenced HTTP agents', () => {
  it('never sends a request whose fence shut while it waited for a free socket', async () => {
    const server = await holdingServer();
    const agent = new FencedHttpAgent({ maxSockets: 1, connectionTimeoutMs: 5_000 });
    closers.push(async () => agent.destroy());
    const first = send(agent, server.port, '/hold/1');
    await until(() => server.arrived('/hold/1'));
    const { fence, shut } = testFence();
    const second = send(agent, server.port, '/page/2', fence); // queued: the only socket is busy
    const third = send(agent, server.port, '/page/3'); // unfenced: goes when the socket frees
    shut();
    server.release('/hold/1');
    expect(await first).toBe('released');
    const refused = await second.then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(BusyError);
    expect(String((refused as Error).message)).toMatch(/lost the write lease db-lock/);
    expect(await third).toBe('ok');
    expect(server.seen).toEqual(['/hold/1', '/page/3']);
  });

  it('sends a fenced request while its fence is open, on a reused keep-alive socket too', async () => {
    const server = await holdingServer();
    const agent = new FencedHttpAgent({ maxSockets: 1, connectionTimeoutMs: 5_000 });
    closers.push(async () => agent.destroy());
    const { fence } = testFence();
    expect(await send(agent, server.port, '/page/a', fence)).toBe('ok');
    expect(await send(agent, server.port, '/page/b', fence)).toBe('ok');
    expect(server.seen).toEqual(['/page/a', '/page/b']);
  });

  it('hands a new socket out only once it is connected', async () => {
    const server = await holdingServer();
    const agent = new FencedHttpAgent({ maxSockets: 4, connectionTimeoutMs: 5_000 });
    closers.push(async () => agent.destroy());
    const got = await new Promise<{ returned: unknown; socket: Socket }>((resolve, reject) => {
      let returned: unknown = 'not yet';
      returned = agent.createConnection({ host: '127.0.0.1', port: server.port }, (err, stream) => {
        if (err !== null) reject(err);
        else resolve({ returned, socket: stream as Socket });
      });
    });
    expect(got.returned).toBeUndefined(); // nothing handed out synchronously, while connecting
    expect(got.socket.connecting).toBe(false);
    expect(got.socket.remotePort).toBe(server.port);
    got.socket.destroy();
  });
});
