/**
 * `https://` / `http://` databases read in place (src/store/http-ranges.ts under
 * src/vfs/range-file.ts), against a local Node `http` server of this test's own — never an
 * outside address: with Range support (206 + Content-Range, ETag or only Last-Modified, 412 on
 * a failed If-Match / If-Unmodified-Since), and without (200 with the whole body).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { openLocation } from '../../src/api/open-location.js';
import { BusyError, CantOpenError, IoError, NotADatabaseError, ReadOnlyError } from '../../src/errors.js';
import { HttpRanges } from '../../src/store/http-ranges.js';
import { RangeFile } from '../../src/vfs/range-file.js';
import { makeDatabaseBytes, sqlite3 } from '../support/sqlite3.js';

const FIXTURE = 'fixtures/sample.sqlite';
const fixture = readFileSync(FIXTURE);
const sqlite3Json = (sql: string): unknown => JSON.parse(sqlite3(FIXTURE, sql, ['-json']) || '[]');

interface Served {
  body: Uint8Array;
  /** Honour Range (206) or send the whole body (200). */
  ranges: boolean;
  /** Send an ETag (else only Last-Modified). */
  etag: boolean;
  lastModified: string;
  status?: number;
}

/** path → what it serves; every request is logged (method, path with query, headers). */
const files = new Map<string, Served>();
const log: { url: string; range: string | undefined; ifMatch: string | undefined; ifUnmodifiedSince: string | undefined }[] = [];
let server: Server;
let base = '';

function etagOf(body: Uint8Array): string {
  return `"${createHash('sha1').update(body).digest('hex')}"`;
}

function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  log.push({
    url: req.url ?? '',
    range: req.headers.range,
    ifMatch: req.headers['if-match'] as string | undefined,
    ifUnmodifiedSince: req.headers['if-unmodified-since'] as string | undefined,
  });
  const file = files.get(url.pathname);
  if (file === undefined) {
    res.writeHead(404).end('not found');
    return;
  }
  if (file.status !== undefined) {
    res.writeHead(file.status).end('no');
    return;
  }
  const tag = etagOf(file.body);
  const headers: Record<string, string> = { 'last-modified': file.lastModified, 'content-type': 'application/octet-stream' };
  if (file.etag) headers['etag'] = tag;
  const ifMatch = req.headers['if-match'];
  const ifUnmodified = req.headers['if-unmodified-since'];
  if ((ifMatch !== undefined && ifMatch !== tag) || (ifUnmodified !== undefined && ifUnmodified !== file.lastModified)) {
    res.writeHead(412).end();
    return;
  }
  const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (!file.ranges || m === null) {
    res.writeHead(200, { ...headers, 'content-length': String(file.body.length) }).end(file.body);
    return;
  }
  const start = Number(m[1]);
  const end = Math.min(Number(m[2]), file.body.length - 1);
  if (start >= file.body.length) {
    res.writeHead(416, { 'content-range': `bytes */${file.body.length}` }).end();
    return;
  }
  res
    .writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${file.body.length}`, 'content-length': String(end - start + 1) })
    .end(file.body.subarray(start, end + 1));
}

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const put = (path: string, body: Uint8Array, options: Partial<Served> = {}): void => {
  files.set(path, { body, ranges: true, etag: true, lastModified: 'Sun, 06 Dec 2026 10:00:00 GMT', ...options });
};

describe('a database at an http(s) URL', () => {
  it('reads in place with ranged requests pinned by If-Match, and answers as sqlite3 does', async () => {
    put('/db/app.sqlite', fixture);
    const from = log.length;
    const db = await Database.open(`${base}/db/app.sqlite`);
    for (const sql of ['SELECT * FROM sqlite_schema ORDER BY rowid', 'SELECT * FROM orders WHERE id = 2500', 'SELECT count(*) AS n FROM orders']) {
      expect(await db.query(sql), sql).toEqual(sqlite3Json(sql));
    }
    await db.close();
    const seen = log.slice(from);
    expect(seen[0]).toMatchObject({ range: 'bytes=0-65535', ifMatch: undefined });
    expect(seen.length).toBeGreaterThan(1);
    for (const r of seen.slice(1)) {
      expect(r.ifMatch).toBe(etagOf(fixture));
      const [a, b] = r.range!.slice(6).split('-').map(Number);
      expect(a! % 4096).toBe(0);
      expect((b! + 1) % 4096).toBe(0);
    }
  });

  it('pins by Last-Modified when there is no ETag, and ends a read over a replaced file with SQLITE_BUSY', async () => {
    put('/db/moving.sqlite', fixture, { etag: false });
    const db = await Database.open(`${base}/db/moving.sqlite`);
    expect(await db.query('SELECT count(*) AS n FROM tags')).toEqual(sqlite3Json('SELECT count(*) AS n FROM tags'));
    put('/db/moving.sqlite', Buffer.from(fixture), { etag: false, lastModified: 'Sun, 06 Dec 2026 11:00:00 GMT' });
    const read = db.query('SELECT sum(amount_cents) AS s FROM orders');
    await expect(read).rejects.toThrow(BusyError);
    await expect(read).rejects.toThrow(/moving\.sqlite changed during the read; read again/);
    expect(log.at(-1)?.ifUnmodifiedSince).toBe('Sun, 06 Dec 2026 10:00:00 GMT');
    await db.close();
  });

  it('reads a server that ignores Range whole, once, with a one-line warning', async () => {
    put('/plain/app.sqlite', fixture, { ranges: false });
    const warnings: string[] = [];
    const from = log.length;
    const opened = await openLocation({ kind: 'url', url: `${base}/plain/app.sqlite` }, { readonly: true, warn: (w) => warnings.push(w) });
    const db = await Database.open(opened.file);
    expect(await db.query('SELECT count(*) AS n, sum(amount_cents) AS s FROM orders')).toEqual(sqlite3Json('SELECT count(*) AS n, sum(amount_cents) AS s FROM orders'));
    await db.close();
    await opened.close();
    expect(log.length - from).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ignores Range requests; read the whole object \(573440 bytes\) once/);
  });

  it('refuses to hold a file read whole beyond its limit, before reading the body', async () => {
    put('/plain/big.sqlite', fixture, { ranges: false });
    const source = new HttpRanges(`${base}/plain/big.sqlite`, { maxWholeBytes: 100_000 });
    const open = RangeFile.open(source);
    await expect(open).rejects.toThrow(IoError);
    await expect(open).rejects.toThrow(/ignores Range requests and is 573440 bytes: too large to read whole \(at most 100000\)/);
  });

  it('never shows a presigned query string or credentials, in errors or warnings', async () => {
    put('/signed/app.sqlite', fixture, { ranges: false });
    const secret = 'X-Amz-Signature=deadbeefcafe&X-Amz-Credential=AKIASECRET';
    const warnings: string[] = [];
    const opened = await openLocation({ kind: 'url', url: `${base}/signed/app.sqlite?${secret}` }, { readonly: true, warn: (w) => warnings.push(w) });
    expect(opened.url).toBe(`${base}/signed/app.sqlite?…`);
    expect(warnings.join('\n')).not.toContain('deadbeef');
    await opened.close();
    // The query string went to the server (it is the credential), but never into a message.
    expect(log.at(-1)?.url).toContain(secret);
    const missing = Database.open(`${base}/nothing.sqlite?${secret}`);
    await expect(missing).rejects.toThrow(CantOpenError);
    const err = (await missing.then(() => new Error('opened'), (e: unknown) => e)) as Error;
    expect(err.message).not.toContain('deadbeef');
    expect(err.message).not.toContain('AKIA');
    const userinfo = Database.open(`http://user:hunter2@127.0.0.1:${new URL(base).port}/nothing.sqlite`);
    const err2 = (await userinfo.then(() => new Error('opened'), (e: unknown) => e)) as Error;
    expect(err2.message).not.toContain('hunter2');
  });

  it('says in one line, with the right code, what is wrong: 404, 403, not a database, a write', async () => {
    await expect(Database.open(`${base}/missing.sqlite`)).rejects.toThrow(/^unable to open .*missing\.sqlite: no such URL \(HTTP 404\)$/);
    put('/denied.sqlite', fixture, { status: 403 });
    const denied = Database.open(`${base}/denied.sqlite`);
    await expect(denied).rejects.toThrow(CantOpenError);
    await expect(denied).rejects.toThrow(/access denied \(HTTP 403\)/);
    put('/broken.sqlite', fixture, { status: 500 });
    await expect(Database.open(`${base}/broken.sqlite`)).rejects.toThrow(IoError);
    put('/junk.sqlite', new TextEncoder().encode('<html>not a database</html>'.repeat(100)));
    await expect(Database.open(`${base}/junk.sqlite`)).rejects.toThrow(NotADatabaseError);
    put('/ro.sqlite', makeDatabaseBytes('CREATE TABLE t(x); INSERT INTO t VALUES (1);'));
    const db = await Database.open(`${base}/ro.sqlite`, { readonly: false });
    await expect(db.exec('INSERT INTO t VALUES (2)')).rejects.toThrow(ReadOnlyError);
    expect(await db.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
    await db.close();
  });

  it('coalesces pages asked for together into one range', async () => {
    put('/db/coalesce.sqlite', fixture);
    const opened = await openLocation({ kind: 'url', url: `${base}/db/coalesce.sqlite` }, { readonly: true });
    const file = opened.file as RangeFile;
    const from = log.length;
    const reads = await Promise.all([30, 31, 32, 33, 34, 35, 36, 37].map((p) => file.xRead(4096, (p - 1) * 4096)));
    expect(log.slice(from).map((r) => r.range)).toEqual([`bytes=${29 * 4096}-${37 * 4096 - 1}`]);
    reads.forEach((bytes, i) => expect(Buffer.compare(bytes, fixture.subarray((29 + i) * 4096, (30 + i) * 4096))).toBe(0));
    await opened.close();
  });
});
