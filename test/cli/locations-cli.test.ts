/**
 * Locations as a user types them (issue 12): the command and what exists decide, never a name.
 * `import` writes blocks at any key (`…/cool.sqlite` included), every reading command finds the
 * blocks there, and a plain `.sqlite` uploaded whole is read in place by every reading command.
 * The real CLI in a child process, against the real S3 test server; sqlite3 is the oracle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { TEST_CREDENTIALS, newTestBucket, s3Endpoint } from '../support/s3.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const FIXTURE = 'fixtures/sample.sqlite';
const fixture = readFileSync(FIXTURE);
const { dir, cleanup } = tempDir('s3lite-locations');
afterAll(cleanup);

/** What a command prints for the local copy of the file (its output is checked against sqlite3 in read-cli/query-cli tests). */
const local = (args: readonly string[]): string => runCli([args[0]!, FIXTURE, ...args.slice(1)]).stdout.toString();

describe('s3://bucket/k: blocks when k/0000000000 exists, else the object k', { timeout: 180_000 }, () => {
  it('imports into blocks at a name ending in .sqlite, and every command reads them there', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      const endpoint = ['--endpoint', s3Endpoint()];
      const at = `s3://${bucket}/my/path/cool.sqlite`;
      const imported = runCli(['import', FIXTURE, at, ...endpoint]);
      expect(imported.stderr).toContain(`into 140 blocks of 4096 bytes at ${at}`);
      expect(imported.status).toBe(0);
      const keys: string[] = [];
      for await (const info of store.list('my/')) keys.push(info.key);
      expect(keys[0]).toBe('my/path/cool.sqlite/0000000000');
      expect(keys).toHaveLength(140);

      const tables = runCli(['tables', at, ...endpoint]);
      expect(tables.status).toBe(0);
      for (const name of ['customers', 'orders', 'documents', 'big_spenders']) expect(tables.stdout.toString()).toContain(name);
      const rows = runCli(['rows', at, 'tags', '--json', ...endpoint]);
      expect(rows.stdout.toString()).toBe(local(['rows', 'tags', '--json']));
      expect(rows.stdout.toString().split('\n')).toHaveLength(Number(sqlite3(FIXTURE, 'SELECT count(*) FROM tags;')) + 1);
      const sql = 'SELECT customer_id, count(*) AS n FROM orders GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5';
      expect(runCli(['query', at, sql, '--csv', ...endpoint]).stdout.toString()).toBe(local(['query', sql, '--csv']));
      const out = join(dir, 'cool-export.sqlite');
      expect(runCli(['export', at, out, ...endpoint]).status).toBe(0);
      expect(Buffer.compare(readFileSync(out), fixture)).toBe(0);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  describe('a plain .sqlite uploaded whole', () => {
    let bucket = '';
    let at = '';
    let endpoint: string[] = [];
    let done: () => Promise<void> = async () => {};
    beforeAll(async () => {
      const t = await newTestBucket();
      bucket = t.bucket;
      done = async () => {
        t.client.destroy();
        await t.store.close();
      };
      endpoint = ['--endpoint', s3Endpoint()];
      await t.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'uploads/app.sqlite', Body: fixture }));
      at = `s3://${bucket}/uploads/app.sqlite`;
    });
    afterAll(() => done());

    it('is described, listed and read in place by info, schema, tables and rows', () => {
      const info = runCli(['info', at, '--json', ...endpoint]);
      expect(info.status).toBe(0);
      const facts = JSON.parse(info.stdout.toString()) as Record<string, unknown>;
      expect(facts['pageCount']).toBe(140);
      expect(facts['fileBytes']).toBe(fixture.length);
      expect(facts['layout']).toBe('single object, read in place (read-only)');
      expect(runCli(['schema', at, ...endpoint]).stdout.toString()).toContain('CREATE TABLE orders');
      expect(runCli(['tables', at, ...endpoint]).stdout.toString()).toContain('orders_by_customer');
      expect(runCli(['rows', at, 'numbers', '--json', ...endpoint]).stdout.toString()).toBe(local(['rows', 'numbers', '--json']));
    });

    it('is queried, planned, counted, checked and opened in the shell in place', () => {
      const sql = 'SELECT id, length(body) AS len FROM documents ORDER BY len DESC LIMIT 3';
      expect(runCli(['query', at, sql, '--json', ...endpoint]).stdout.toString()).toBe(local(['query', sql, '--json']));
      expect(runCli(['plan', at, 'SELECT * FROM orders WHERE customer_id = 7', ...endpoint]).stdout.toString()).toContain('orders_by_customer');
      expect(runCli(['pages', at, ...endpoint]).status).toBe(0);
      expect(runCli(['check', at, ...endpoint]).stdout.toString().trim()).toBe('ok');
      const shell = runCli(['shell', at, ...endpoint], { input: new TextEncoder().encode('SELECT count(*) FROM orders;\n.quit\n') });
      expect(shell.stdout.toString()).toContain('3000');
    });

    it('exports byte for byte, imports into blocks, and refuses a write in one line, writing nothing', async () => {
      const out = join(dir, 'app-export.sqlite');
      expect(runCli(['export', at, out, ...endpoint]).status).toBe(0);
      expect(Buffer.compare(readFileSync(out), fixture)).toBe(0);
      expect(integrityCheck(out)).toBe('ok');
      expect(runCli(['import', at, `s3://${bucket}/writable`, '-q', ...endpoint]).status).toBe(0);
      const store = new S3ObjectStore({ bucket, endpoint: s3Endpoint(), region: 'us-east-1', credentials: TEST_CREDENTIALS });
      try {
        expect((await store.get('writable/0000000139'))?.length).toBe(4096);
        const write = runCli(['exec', at, 'DELETE FROM tags', ...endpoint]);
        expect(write.status).toBe(1);
        expect(write.stderr.trim().split('\n')).toHaveLength(1);
        expect(write.stderr).toMatch(/^SQLITE_READONLY: .*single object.*import it into blocks/);
        const keys: string[] = [];
        for await (const i of store.list('uploads')) keys.push(i.key);
        expect(keys).toEqual(['uploads/app.sqlite']);
      } finally {
        await store.close();
      }
    });
  });

  it('says in one line what is missing or wrong', async () => {
    const { bucket, client, store } = await newTestBucket();
    try {
      const endpoint = ['--endpoint', s3Endpoint()];
      const missing = runCli(['tables', `s3://${bucket}/no/such.sqlite`, ...endpoint]);
      expect(missing.status).toBe(1);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.stderr).toMatch(/^SQLITE_CANTOPEN: .*no\/such\.sqlite\/0000000000.*the object no\/such\.sqlite/);
      const exportMissing = runCli(['export', `s3://${bucket}/no/such.sqlite`, join(dir, 'never.sqlite'), ...endpoint]);
      expect(exportMissing.stderr).toMatch(/^SQLITE_CANTOPEN: /);

      const junk = join(dir, 'junk.bin');
      writeFileSync(junk, Buffer.from('certainly not a sqlite database\n'.repeat(200)));
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'junk.sqlite', Body: readFileSync(junk) }));
      const notDb = runCli(['tables', `s3://${bucket}/junk.sqlite`, ...endpoint]);
      expect(notDb.status).toBe(1);
      expect(notDb.stderr.trim().split('\n')).toHaveLength(1);
      expect(notDb.stderr).toMatch(/^SQLITE_NOTADB: /);
    } finally {
      client.destroy();
      await store.close();
    }
  });
});
