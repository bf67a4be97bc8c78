/**
 * The CLI's import/export/info commands, run as a user runs them: a child process, real files,
 * a real block directory, the real S3 test server.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { newTestBucket, s3Endpoint } from '../support/s3.js';
import { integrityCheck, sqlite3, tempDir } from '../support/sqlite3.js';
import { runCli } from './support.js';

const FIXTURE = 'fixtures/sample.sqlite';
const fixture = readFileSync(FIXTURE);
const { dir, cleanup } = tempDir('s3lite-cli');
afterAll(cleanup);

describe('s3lite import / export with a block directory', () => {
  it('round-trips the sample byte for byte, and sqlite3 accepts the export', () => {
    const blocks = join(dir, 'sample-db/');
    const imported = runCli(['import', FIXTURE, blocks]);
    expect(imported.stderr).toContain('imported 573440 bytes into 140 blocks');
    expect(imported.status).toBe(0);
    expect(readdirSync(blocks).sort()).toEqual(Array.from({ length: 140 }, (_, i) => String(i).padStart(10, '0')));

    const out = join(dir, 'copy.sqlite');
    const exported = runCli(['export', blocks, out]);
    expect(exported.status).toBe(0);
    expect(Buffer.compare(readFileSync(out), fixture)).toBe(0);
    expect(integrityCheck(out)).toBe('ok');
  });

  it('reads stdin and writes stdout', () => {
    const blocks = join(dir, 'piped/');
    expect(runCli(['import', '-', blocks, '--block-size', '65536', '-q'], { input: fixture }).status).toBe(0);
    expect(readdirSync(blocks)).toHaveLength(Math.ceil(fixture.length / 65536));
    const exported = runCli(['export', blocks, '-']);
    expect(exported.status).toBe(0);
    expect(Buffer.compare(exported.stdout, fixture)).toBe(0);
  });

  it('info decodes the header as sqlite3 reports it', () => {
    const blocks = join(dir, 'sample-db/');
    const info = runCli(['info', blocks, '--json']);
    expect(info.status).toBe(0);
    const facts = JSON.parse(info.stdout.toString()) as Record<string, unknown>;
    const pragma = (name: string): string => sqlite3(FIXTURE, `PRAGMA ${name};`).trim();
    expect(facts['pageSize']).toBe(Number(pragma('page_size')));
    expect(facts['pageCount']).toBe(Number(pragma('page_count')));
    expect(facts['freelistPages']).toBe(Number(pragma('freelist_count')));
    expect(facts['schemaCookie']).toBe(Number(pragma('schema_version')));
    expect(facts['textEncoding']).toBe(pragma('encoding'));
    expect(facts['blockSize']).toBe(4096);
    expect(facts['blocks']).toBe(140);
    expect(facts['fileBytes']).toBe(fixture.length);
    const human = runCli(['info', blocks]);
    expect(human.stdout.toString()).toMatch(/page size\s+4096/);
  });

  it('refuses a file that is not a database, writing nothing, with a one-line error', () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from('this is certainly not a sqlite database, just some text'.repeat(100)));
    const blocks = join(dir, 'junk-db/');
    const result = runCli(['import', junk, blocks]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^SQLITE_NOTADB: /);
    expect(existsSync(blocks) ? readdirSync(blocks) : []).toEqual([]);
  });

  it('refuses a truncated file', () => {
    const cut = join(dir, 'cut.sqlite');
    writeFileSync(cut, fixture.subarray(0, 300_000));
    const result = runCli(['import', cut, join(dir, 'cut-db/')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^SQLITE_NOTADB: .*truncated/);
  });

  it('explains usage errors and prints help', () => {
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout.toString()).toMatch(/import[\s\S]*export[\s\S]*info/);
    expect(help.stdout.toString()).toContain('s3://bucket/k');
    const wrong = runCli(['import', FIXTURE, join(dir, 'plain.sqlite')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^SQLITE_MISUSE: import writes blocks/);
    expect(runCli(['import']).status).toBe(2);
  });
});

describe('s3lite with S3', () => {
  it('imports into S3, exports to a single object with a multipart upload, and back', async () => {
    const { bucket, client } = await newTestBucket();
    try {
      const endpoint = ['--endpoint', s3Endpoint()];
      expect(runCli(['import', FIXTURE, `s3://${bucket}/dbs/sample`, ...endpoint]).status).toBe(0);
      const toObject = runCli(['export', `s3://${bucket}/dbs/sample`, `s3://${bucket}/backup/sample.sqlite`, ...endpoint]);
      expect(toObject.stderr).toContain('exported 573440 bytes');
      expect(toObject.status).toBe(0);
      // And back from the single object into blocks, then out to stdout.
      expect(runCli(['import', `s3://${bucket}/backup/sample.sqlite`, `s3://${bucket}/dbs/again`, ...endpoint]).status).toBe(0);
      const out = runCli(['export', `s3://${bucket}/dbs/again`, '-', ...endpoint]);
      expect(out.status).toBe(0);
      expect(Buffer.compare(out.stdout, fixture)).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('exports a database larger than one part as a multipart upload', async () => {
    const { bucket, client } = await newTestBucket();
    try {
      const big = join(dir, 'big.sqlite');
      sqlite3(big, 'CREATE TABLE t(x); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i<1800) INSERT INTO t SELECT randomblob(6000) FROM s;');
      const endpoint = ['--endpoint', s3Endpoint()];
      expect(runCli(['import', big, `s3://${bucket}/big`, '--block-size', '1048576', ...endpoint]).status).toBe(0);
      expect(runCli(['export', `s3://${bucket}/big`, `s3://${bucket}/big.sqlite`, ...endpoint]).status).toBe(0);
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.sqlite' }));
      // S3 gives a multipart object the ETag "<md5 of part md5s>-<parts>".
      expect(head.ETag).toMatch(/-2"$/);
      expect(head.ContentLength).toBe(readFileSync(big).length);
      const back = runCli(['import', `s3://${bucket}/big.sqlite`, join(dir, 'big-db/'), ...endpoint]);
      expect(back.status).toBe(0);
      expect(Buffer.compare(runCli(['export', join(dir, 'big-db/'), '-']).stdout, readFileSync(big))).toBe(0);
    } finally {
      client.destroy();
    }
  });

  it('names a missing bucket in a one-line IoError', () => {
    const result = runCli(['info', 's3://no-such-bucket-here/db', '--endpoint', s3Endpoint()]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^SQLITE_IOERR: .*no-such-bucket-here/);
  });
});
