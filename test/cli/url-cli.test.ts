/**
 * `https://` / `http://` locations on the command line: reading commands read the file in place,
 * `import URL DEST` copies it into blocks, and a presigned query string never reaches stderr.
 * The server is this test's own (Node `http` on 127.0.0.1), so the CLI runs as an async child
 * process (a synchronous one would block the server in this process).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite3, tempDir } from '../support/sqlite3.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'fixtures/sample.sqlite';
const fixture = readFileSync(FIXTURE);
const { dir, cleanup } = tempDir('s3lite-url-cli');
const SECRET = 'X-Amz-Signature=0123456789abcdef&X-Amz-Credential=AKIAEXAMPLE';

function runCli(args: readonly string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/app.sqlite') return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m === null) return void res.writeHead(200, { etag: '"v1"', 'content-length': String(fixture.length) }).end(fixture);
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), fixture.length - 1);
    res.writeHead(206, { etag: '"v1"', 'content-range': `bytes ${start}-${end}/${fixture.length}` }).end(fixture.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  cleanup();
});

describe('s3lite with an http(s) URL', { timeout: 120_000 }, () => {
  it('lists and queries the file in place, and imports it into blocks', async () => {
    const url = `${base}/app.sqlite?${SECRET}`;
    const [tables, query, imported] = await Promise.all([
      runCli(['tables', url]),
      runCli(['query', url, 'SELECT count(*) AS n FROM orders', '--csv']),
      runCli(['import', url, join(dir, 'from-url/')]),
    ]);
    expect(tables.status, tables.stderr).toBe(0);
    for (const name of ['customers', 'orders', 'documents']) expect(tables.stdout).toContain(name);
    expect(query.stdout.trim().split(/\r?\n/).at(-1)).toBe(sqlite3(FIXTURE, 'SELECT count(*) FROM orders;').trim());
    expect(imported.status, imported.stderr).toBe(0);
    expect(readdirSync(join(dir, 'from-url'))).toHaveLength(140);
    for (const r of [tables, query, imported]) {
      expect(r.stderr).not.toContain('0123456789abcdef');
      expect(r.stderr).not.toContain('AKIA');
    }
    const out = join(dir, 'exported.sqlite');
    const [missing, importMissing, exported] = await Promise.all([
      runCli(['tables', `${base}/gone.sqlite?${SECRET}`]),
      runCli(['import', `${base}/gone.sqlite?${SECRET}`, join(dir, 'never/')]),
      runCli(['export', url, out]),
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^SQLITE_CANTOPEN: unable to open http:\/\/127\.0\.0\.1:\d+\/gone\.sqlite\?…: no such URL \(HTTP 404\)\n$/);
    expect(importMissing.status).toBe(1);
    expect(importMissing.stderr).toMatch(/^SQLITE_CANTOPEN: unable to open http:\/\/127\.0\.0\.1:\d+\/gone\.sqlite\?…: no such URL \(HTTP 404\)\n$/);
    expect(existsSync(join(dir, 'never'))).toBe(false);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stderr).not.toContain('0123456789abcdef');
    expect(Buffer.compare(readFileSync(out), fixture)).toBe(0);
  });

  it('shell on a URL: queries answer, a write is refused read-only and the session goes on', async () => {
    const r = await runCli(['shell', `${base}/app.sqlite?${SECRET}`], "INSERT INTO tags VALUES ('x', 'y');\n.mode csv\n.headers on\nSELECT count(*) AS n FROM customers;\n");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^Runtime error near line 1: .*read-only here: import it into blocks.* \(8\)\n$/); // SQLITE_READONLY
    expect(r.stdout.split(/\r?\n/).slice(0, 2)).toEqual(['n', sqlite3(FIXTURE, 'SELECT count(*) FROM customers;').trim()]);
    expect(r.stdout + r.stderr).not.toContain('0123456789abcdef');
  });
});
