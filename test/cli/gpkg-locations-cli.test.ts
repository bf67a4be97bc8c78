/**
 * `s3lite tables` and `s3lite rows --bbox/--geojson` on a GDAL GeoPackage where it lies: as blocks
 * in S3 (imported), as one S3 object (uploaded whole) and at an http URL (this test's own server,
 * Range requests) — each prints exactly what the same command prints for the local file (whose
 * output test/cli/gpkg-cli.test.ts checks against GDAL and sqlite3). The CLI runs as an async
 * child process, so that this process keeps serving the URL.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTestBucket, s3Endpoint } from '../support/s3.js';
import { tempDir } from '../support/sqlite3.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { dir, cleanup } = tempDir('s3lite-gpkg-locations');
let gpkg = '';
let bytes: Buffer = Buffer.alloc(0);
let server: Server;
let url = '';
let bucket = '';
let done: () => Promise<void> = async () => {};

function runCli(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  const lines = ['name,WKT'];
  for (let i = 1; i <= 1500; i++) {
    const x = 500000 + ((i * 7919) % 10000) * 6;
    const y = 170000 + ((i * 104729) % 10000) * 3;
    lines.push(`f${i},"POLYGON ((${x} ${y}, ${x + 90} ${y}, ${x + 90} ${y + 70}, ${x} ${y}))"`);
  }
  writeFileSync(join(dir, 'p.csv'), `${lines.join('\n')}\n`);
  gpkg = join(dir, 'p.gpkg');
  execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, join(dir, 'p.csv'), '-oo', 'GEOM_POSSIBLE_NAMES=WKT', '-oo', 'KEEP_GEOM_COLUMNS=NO', '-a_srs', 'EPSG:27700', '-nln', 'parcels', '-nlt', 'POLYGON']);
  bytes = readFileSync(gpkg);
  server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (m === null) return void res.writeHead(200, { etag: '"v1"', 'content-length': String(bytes.length) }).end(bytes);
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), bytes.length - 1);
    res.writeHead(206, { etag: '"v1"', 'content-range': `bytes ${start}-${end}/${bytes.length}` }).end(bytes.subarray(start, end + 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/p.gpkg`;
  const t = await newTestBucket();
  bucket = t.bucket;
  done = async () => {
    t.client.destroy();
    await t.store.close();
  };
  await t.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'whole/p.gpkg', Body: bytes }));
}, 120_000);
afterAll(async () => {
  await done();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  cleanup();
});

describe('GeoPackage commands where the database lies', { timeout: 180_000 }, () => {
  it('blocks in S3, one S3 object and an http URL print what the local file prints', async () => {
    const endpoint = ['--endpoint', s3Endpoint()];
    const imported = await runCli(['import', gpkg, `s3://${bucket}/blocks/p.gpkg`, '-q', ...endpoint]);
    expect(imported.status).toBe(0);
    const commands = [
      ['tables', '--json'],
      ['rows', 'parcels', '--bbox', '520000,180000,530000,185000', '--json', '--geojson'],
      ['rows', 'parcels', '--bbox', '500000,170000,503000,171000', '--csv', '--limit', '3'],
    ];
    for (const args of commands) {
      const [cmd, ...rest] = args as [string, ...string[]];
      const local = await runCli([cmd, gpkg, ...rest]);
      expect(local.status).toBe(0);
      expect(local.stdout.length).toBeGreaterThan(100);
      const [blocks, object, http] = await Promise.all([
        runCli([cmd, `s3://${bucket}/blocks/p.gpkg`, ...rest, ...endpoint]),
        runCli([cmd, `s3://${bucket}/whole/p.gpkg`, ...rest, ...endpoint]),
        runCli([cmd, url, ...rest]),
      ]);
      for (const r of [blocks, object, http]) {
        expect(r.stderr, args.join(' ')).toBe('');
        expect(r.stdout, args.join(' ')).toBe(local.stdout);
      }
    }
  });
});
