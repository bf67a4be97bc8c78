/**
 * The public entry at the edge: esbuild bundles src/index.ts for browsers and for no platform at
 * all (`neutral`) with no Node built-in allowed (web/edge-bundles.ts refuses any), and the
 * neutral bundle runs in a bare `node:vm` context that has only web globals — no `process`, no
 * `require`, no `Buffer` — beside the AWS SDK's web build (as an edge bundler would put it).
 * There it queries a memory database, the sample database deserialized into memory, the sample in
 * the tests' S3 server (as blocks and as one object) and at an http:// URL; every answer is
 * compared with the real sqlite3 shell or the CLI on the same database.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonRow } from '../../src/cli/output.js';
import type { SqlValue, StorageClass } from '../../src/record/value.js';
import { buildBundle, GLOBAL_NAME } from '../../web/edge-bundles.js';
import { runCli } from '../cli/support.js';
import { s3Endpoint, testS3Client, uniqueBucketName } from '../support/s3.js';
import { sqlite3 } from '../support/sqlite3.js';

const SAMPLE = 'fixtures/sample.sqlite';

/**
 * The web platform's globals an edge runtime offers (the WinterCG minimum common API, the part
 * s3lite and the SDK's web build touch), taken from Node's own implementations. Nothing else:
 * the context's own intrinsics (Object, Uint8Array, Promise, …) are the vm's.
 */
function webGlobals(): Record<string, unknown> {
  return {
    fetch,
    Request,
    Response,
    Headers,
    AbortController,
    AbortSignal,
    crypto: globalThis.crypto,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    ReadableStream,
    Blob,
    atob,
    btoa,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    console,
  };
}

interface Result {
  readonly columns: string[];
  readonly rows: { values: SqlValue[]; classes: StorageClass[] }[];
}

/** JSON Lines as the CLI prints them (`--json`), from rows computed inside the vm. */
function jsonLines(result: Result): string {
  return result.rows.map((r) => `${jsonRow(r.values, r.classes)}\n`).join('');
}

/** Rows as the shell's `-json` mode gives them: objects by column, integers as JSON numbers. */
function objects(result: Result): Record<string, unknown>[] {
  const plain = (v: SqlValue): unknown => (typeof v === 'bigint' ? Number(v) : v);
  return result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, plain(r.values[i] ?? null)])));
}

/** The sqlite3 shell's answer in JSON mode, parsed (the oracle). */
function oracle(path: string, sql: string): unknown[] {
  const out = sqlite3(path, sql, ['-json']).trim();
  return out === '' ? [] : (JSON.parse(out) as unknown[]);
}

/** In-vm helpers: a query's typed rows with their storage classes (bigint INTEGER, number REAL). */
const PRELUDE = `
  const classOf = (v) => v === null ? 'null' : typeof v === 'bigint' ? 'integer' : typeof v === 'number' ? 'real' : typeof v === 'string' ? 'text' : 'blob';
  async function typedQuery(db, sql) {
    const stmt = await db.prepare(sql);
    const rows = [];
    for await (const row of stmt.typedIterate()) rows.push({ values: row.values, classes: row.values.map(classOf) });
    return { columns: stmt.columns(), rows };
  }
`;

describe('the public entry bundled for browsers and edge workers', () => {
  it('bundles for the browser platform with nothing left to import, and for no platform with only the AWS SDK outside', async () => {
    const browser = await buildBundle('browser');
    expect(browser.imports).toEqual([]);
    const neutral = await buildBundle('neutral');
    expect(neutral.imports).toEqual(['@aws-sdk/client-s3']);
    expect(neutral.code).not.toMatch(/["']node:/);
    expect(browser.code).not.toMatch(/["']node:/);
  });

  describe('the neutral bundle in a bare vm context with web globals only', () => {
    let context: vm.Context;

    beforeAll(async () => {
      const [sdk, engine] = await Promise.all([buildBundle('sdk', 'iife'), buildBundle('neutral', 'iife')]);
      context = vm.createContext(webGlobals());
      vm.runInContext(sdk.code, context, { filename: 'aws-sdk-client-s3.web.js' });
      vm.runInContext(engine.code, context, { filename: 's3lite.neutral.js' });
      vm.runInContext(PRELUDE, context);
    });

    const run = <T>(body: string): Promise<T> => vm.runInContext(`(async () => { const s = ${GLOBAL_NAME}; ${body} })()`, context) as Promise<T>;

    it('has no Node globals in it', async () => {
      expect(await run(`return [typeof process, typeof require, typeof Buffer, typeof module, typeof s.Database]`)).toEqual([
        'undefined',
        'undefined',
        'undefined',
        'undefined',
        'function',
      ]);
    });

    it('refuses a local path with SQLITE_CANTOPEN, saying that it needs Node', async () => {
      const got = await run<{ code: string; message: string }>(`
        try { await s.Database.open('some/file.sqlite'); return { code: 'opened', message: '' }; }
        catch (err) { return { code: err.code, message: err.message }; }`);
      expect(got).toEqual({ code: 'SQLITE_CANTOPEN', message: 'local files and block directories can only be opened in Node.js' });
    });

    it('creates, changes and queries a memory database', async () => {
      const script = `CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB);
        INSERT INTO t(b, c, d) VALUES ('x', 1.5, x'00ff'), ('yy', NULL, NULL), ('zzz', 2.0, x'');
        UPDATE t SET c = c * 2 WHERE a = 1; DELETE FROM t WHERE a = 2;`;
      const query = 'SELECT a, b, c, hex(d) AS h, length(b) AS n FROM t ORDER BY a';
      const got = await run<Result>(`
        const db = await s.Database.create({ objects: new s.MemoryObjectStore(), prefix: 'm' });
        try {
          await db.exec(${JSON.stringify(script)});
          return await typedQuery(db, ${JSON.stringify(query)});
        } finally { await db.close(); }`);
      expect(objects(got)).toEqual(
        oracle(':memory:', `${script}\n${query};`),
      );
    });

    it('reads the sample database deserialized into memory, as the sqlite3 shell reads the file', async () => {
      const bytes = readFileSync(SAMPLE);
      // The bytes enter as a Uint8Array of the vm's own realm, as a worker's fetch would hand them.
      const inside = vm.runInContext(`new Uint8Array(${bytes.length})`, context) as Uint8Array;
      inside.set(bytes);
      context['sampleBytes'] = inside;
      const query = 'SELECT country, count(*) AS n, min(balance) AS low, max(name) AS last FROM customers GROUP BY country ORDER BY country';
      const got = await run<Result>(`
        const objects = new s.MemoryObjectStore();
        await s.deserialize(new s.BlockStore(objects, 'sample'), [sampleBytes]);
        const db = await s.Database.open({ objects, prefix: 'sample' });
        try { return await typedQuery(db, ${JSON.stringify(query)}); } finally { await db.close(); }`);
      expect(objects(got)).toEqual(oracle(SAMPLE, `${query};`));
    });

    it('opens the sample in S3 (blocks and one object) and at an http:// URL over fetch, and answers as the CLI does', async () => {
      const bucket = uniqueBucketName();
      const client = testS3Client();
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
      const endpoint = ['--endpoint', s3Endpoint()];
      const blocks = `s3://${bucket}/sample`;
      const object = `s3://${bucket}/sample.sqlite`;
      const url = `${s3Endpoint()}/${bucket}/sample.sqlite`;
      expect(runCli(['import', SAMPLE, blocks, ...endpoint, '-q']).status).toBe(0);
      expect(runCli(['export', SAMPLE, object, ...endpoint, '-q']).status).toBe(0);
      const query = 'SELECT id, name, balance FROM customers WHERE id <= 5 ORDER BY id';
      const read = (spec: string, extra: string) =>
        run<{ tables: Result; query: Result }>(`
        const db = await s.Database.open(${JSON.stringify(spec)}${extra});
        try {
          const tables = (await db.tables()).map((t) => ({
            values: [t.type, t.name, t.tblName, t.rootPage, t.rowCount],
            classes: ['text', 'text', 'text', 'integer', t.rowCount === null ? 'null' : 'integer'],
          }));
          return { tables: { columns: [], rows: tables }, query: await typedQuery(db, ${JSON.stringify(query)}) };
        } finally { await db.close(); }`);
      const s3Options = `, { endpoint: ${JSON.stringify(s3Endpoint())}, region: 'us-east-1', forcePathStyle: true,
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }`;
      for (const [spec, extra, cliArgs] of [
        [blocks, s3Options, endpoint],
        [object, s3Options, endpoint],
        [url, '', []],
      ] as const) {
        const got = await read(spec, extra);
        expect(jsonLines(got.tables)).toBe(runCli(['tables', spec, ...cliArgs, '--json']).stdout.toString());
        expect(jsonLines(got.query)).toBe(runCli(['query', spec, query, ...cliArgs, '--json']).stdout.toString());
      }
      // Eight CLI runs (≈1 s of CPU each through tsx): ~10 s on two idle cores; the margin is for a shared machine.
    }, 240_000);
  });
});
