/**
 * The CLI's import/export/info commands, run as a user runs them: a child process, real files,
 * a real block directory, the real S3 test server.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startConditionalS3Proxy } from '../support/conditional-s3-proxy.js';
import { restoredBySqlite } from '../support/restore-oracle.js';
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

/** `runCli` without blocking this process (for servers that live in it). */
function runCliAsync(args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: join(import.meta.dirname, '../..'),
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (status) => resolve({ status, stderr })));
}

/** Every file of a block directory and its bytes (to show that a refused import wrote nothing). */
function snapshot(blocks: string): Map<string, Buffer> {
  return new Map(readdirSync(blocks).sort().map((name) => [name, readFileSync(join(blocks, name))]));
}

describe('s3lite import over an existing database', () => {
  const other = join(dir, 'other.sqlite');
  sqlite3(other, `PRAGMA page_size=1024; CREATE TABLE z(q); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<300) INSERT INTO z SELECT randomblob(500) FROM c;`);
  const otherBytes = readFileSync(other);

  it('block directory: refused in one line without --replace, nothing written; replaced as SQLite .restore does with it', () => {
    const blocks = join(dir, 'existing/');
    expect(runCli(['import', FIXTURE, blocks, '-q']).status).toBe(0);
    const before = snapshot(blocks);
    const refused = runCli(['import', other, blocks]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^SQLITE_CANTOPEN: a database already exists at .*existing; import --replace .*Nothing was written/);
    expect(snapshot(blocks)).toEqual(before);

    const replaced = runCli(['import', other, blocks, '--replace']);
    expect(replaced.status, replaced.stderr).toBe(0);
    const blocksNow = Math.ceil(otherBytes.length / 4096);
    expect(replaced.stderr).toBe(
      `replaced the database at ${blocks} with ${otherBytes.length} bytes in ${blocksNow} blocks of 4096 bytes ` +
        `(the old ${fixture.length} bytes journaled first, removed ${fixture.length / 4096 - blocksNow} stale blocks)\n`,
    );
    const out = join(dir, 'replaced.sqlite');
    expect(runCli(['export', blocks, out]).status).toBe(0);
    expect(Buffer.compare(readFileSync(out), restoredBySqlite(fixture, otherBytes))).toBe(0);
    expect(integrityCheck(out)).toBe('ok');
    expect(existsSync(join(dir, 'existing-lock'))).toBe(false);
  }, 300_000);

  it('S3: refused without --replace; --replace needs enforced conditional writes (or --unsafe-no-lock)', async () => {
    const { bucket, client } = await newTestBucket();
    const proxy = await startConditionalS3Proxy(s3Endpoint());
    try {
      const direct = ['--endpoint', s3Endpoint()];
      const db = `s3://${bucket}/db`;
      expect(runCli(['import', FIXTURE, db, '-q', ...direct]).status).toBe(0);
      const refused = runCli(['import', other, db, ...direct]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^SQLITE_CANTOPEN: a database already exists at s3:\/\/.*\/db; import --replace/);
      expect(Buffer.compare(runCli(['export', db, '-', ...direct]).stdout, fixture)).toBe(0);

      // fauxqs itself ignores If-None-Match: a lease there protects nothing, so a replace is refused…
      const unsafe = runCli(['import', other, db, '--replace', ...direct]);
      expect(unsafe.status).toBe(1);
      expect(unsafe.stderr).toMatch(/^SQLITE_ERROR: .*ignores conditional writes.*--unsafe-no-lock/);
      expect(Buffer.compare(runCli(['export', db, '-', ...direct]).stdout, fixture)).toBe(0);
      // …unless asked for by name;
      expect(runCli(['import', other, db, '--replace', '--unsafe-no-lock', '-q', ...direct]).status).toBe(0);
      const once = restoredBySqlite(fixture, otherBytes);
      expect(Buffer.compare(runCli(['export', db, '-', ...direct]).stdout, once)).toBe(0);
      // through the stand-in for S3's conditional writes, the replace runs under the lease.
      // (Run without blocking this process: the proxy answers from its event loop.)
      const viaProxy = await runCliAsync(['import', FIXTURE, db, '--replace', '--endpoint', proxy.endpoint]);
      expect(viaProxy.status, viaProxy.stderr).toBe(0);
      const twice = runCli(['export', db, '-', ...direct]).stdout;
      expect(Buffer.compare(twice, restoredBySqlite(once, fixture))).toBe(0);
      const path = join(dir, 'twice.sqlite');
      writeFileSync(path, twice);
      expect(integrityCheck(path)).toBe('ok');
    } finally {
      await proxy.close();
      client.destroy();
    }
  }, 300_000);

  it('says where credentials are looked for when there are none', () => {
    const result = runCli(['import', FIXTURE, 's3://some-bucket/db', '--endpoint', s3Endpoint()], {
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^SQLITE_IOERR: no AWS credentials found for s3:\/\/some-bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*AWS_PROFILE .*~\/\.aws\/credentials.*instance or container role/,
    );
  });
});
