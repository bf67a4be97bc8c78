/**
 * `import URL …` reads the body of one GET. Node's fetch cancels the body of a Response that is
 * garbage-collected, silently (the stream just ends): the source must hold its Response until
 * the body is read. Collections are forced here between the GET and the first read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openUrlSource } from '../../src/cli/commands/url-source.js';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const body = Buffer.alloc(300_000, 0x5a);
let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(200, { 'content-length': String(body.length) }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function chunksOnly(): Promise<{ chunks: AsyncIterable<Uint8Array>; size: number | undefined }> {
  const { chunks, size } = await openUrlSource(`${base}/db.sqlite`);
  return { chunks, size }; // the caller keeps nothing else of the source
}

it('yields the whole body although collections run before it is read', async () => {
  const { chunks, size } = await chunksOnly();
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    collect();
  }
  let read = 0;
  for await (const chunk of chunks) {
    read += chunk.length;
    collect();
  }
  expect(size).toBe(body.length);
  expect(read).toBe(body.length);
});
