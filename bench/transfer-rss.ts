/**
 * The memory of import and export themselves (issue 6: "a 1 GiB database imports and exports
 * with under 200 MB of resident memory").
 *
 * bench/transfer.ts reports the peak RSS of its whole process — tsx, the S3 test server's
 * client, the latency proxy's worker thread — which starts at ~120–150 MiB before any transfer.
 * Here each transfer runs alone in a lean child process (bench/transfer-rss-child.mjs: plain
 * Node on the built dist/ code, nothing else loaded), and the child reports its own resident
 * memory: sampled every 10 ms and the kernel's high-water mark (`process.resourceUsage().maxRSS`).
 *
 *   this process: fauxqs (child process) ◄─ latency proxy (worker thread) ◄─ transfer child
 *
 * Runs, per store: import into an empty prefix, export (sha-256 checked against the file), and
 * a re-import over the same prefix (nothing stale: one LIST, however many blocks are there).
 *
 *   npx tsx bench/transfer-rss.ts [--mb 1024] [--db file.sqlite] [--latency 0] [--blocks 4096]
 *                                 [--store s3,dir] [--no-build] [--child-flags '--max-old-space-size=48']
 *
 * `--db` reuses an existing database file (e.g. one kept from an earlier run) instead of making
 * one with the sqlite3 shell (about 30 s for 1 GiB). dist/ is rebuilt first (`npm run build`)
 * unless `--no-build`. At 1 GiB with 4 KiB blocks (264,610 objects) it takes several minutes, so
 * `npm run bench` runs it only with `--only transfer-rss` (see bench/run.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { makeBenchDatabase } from './bench-db.js';
import { startFauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const TARGET_MB = Number(arg('mb') ?? 1024);
const LATENCY = Number(arg('latency') ?? 0);
// bench/run.ts passes its options to every benchmark: of a list (`--blocks 4096,65536`) take the first.
const BLOCK_SIZE = Number((arg('blocks') ?? '4096').split(',')[0]);
const STORES = (arg('store') ?? 's3').split(',') as Array<'s3' | 'dir'>;
const ROOT = new URL('..', import.meta.url).pathname;
const CHILD = new URL('./transfer-rss-child.mjs', import.meta.url).pathname;
/** Node flags for the child, e.g. `--child-flags --max-old-space-size=48` (a heap cap proves the live set is small). */
const CHILD_FLAGS = (arg('child-flags') ?? '').split(' ').filter((f) => f !== '');

interface ChildReport {
  ms: number;
  requests: Record<'get' | 'head' | 'put' | 'delete' | 'list', number>;
  baselineRssMiB: number;
  peakRssMiB: number;
  maxRssMiB: number;
  peakHeapMiB: number;
  peakArrayBuffersMiB: number;
  quarterPeakRssMiB: number[];
  removedBlocks?: number;
}

function runChild(spec: Record<string, unknown>): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CHILD_FLAGS, CHILD, JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`transfer child (${String(spec.op)}) exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ChildReport);
      } catch (err) {
        reject(new Error(`transfer child printed no report: ${out}`, { cause: err }));
      }
    });
  });
}

async function sha256(path: string): Promise<string> {
  const digest = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) digest.update(chunk as Buffer);
  return digest.digest('hex');
}

function requestsOf(r: ChildReport['requests']): string {
  return (['get', 'head', 'put', 'delete', 'list'] as const)
    .filter((k) => r[k] > 0)
    .map((k) => `${r[k]} ${k.toUpperCase()}`)
    .join(', ');
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  if (!process.argv.includes('--no-build')) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    } catch {
      // tsc still emits when files of work in progress elsewhere fail to typecheck.
      console.warn('warning: the build reported errors; dist/ as emitted is used');
    }
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is missing: run npm run build');
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-rss-'));
  const given = arg('db');
  const server = STORES.includes('s3') ? await startFauxqsProcess() : undefined;
  let proxy: LatencyProxy | undefined;
  try {
    const t0 = performance.now();
    const path = given ?? makeBenchDatabase(dir, TARGET_MB).path;
    const size = statSync(path).size;
    const hash = await sha256(path);
    console.log(`\n## Resident memory of import / export in a child process, ${new Date().toISOString()}`);
    console.log(
      `database: ${(size / 2 ** 20).toFixed(1)} MiB, ${Math.ceil(size / BLOCK_SIZE)} blocks of ${BLOCK_SIZE} bytes` +
        `${given === undefined ? ` (made in ${((performance.now() - t0) / 1000).toFixed(0)} s)` : ''}; ` +
        `latency ${LATENCY} ms; Node ${process.version}${CHILD_FLAGS.length > 0 ? ` ${CHILD_FLAGS.join(' ')}` : ''}; concurrency 64 (the default)`,
    );
    console.log(
      '| store | op | wall s | requests | max in flight | RSS after loading MiB | peak RSS (sampled) MiB | maxRSS MiB | peak RSS by quarter MiB | peak heap MiB | peak ArrayBuffers MiB |',
    );
    console.log('|---|---|---:|---|---:|---:|---:|---:|---|---:|---:|');
    for (const store of STORES) {
      let target: Record<string, unknown>;
      if (store === 's3') {
        proxy = await startLatencyProxy({ target: server!.endpoint, latencyMs: LATENCY, worker: true });
        const client = new S3Client({
          endpoint: server!.endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        });
        await client.send(new CreateBucketCommand({ Bucket: 'rss' }));
        client.destroy();
        target = { store, endpoint: proxy.url, bucket: 'rss' };
      } else {
        target = { store, root: join(dir, 'objects') };
      }
      const ops = [
        ['import', { op: 'import', file: path, size }],
        ['export', { op: 'export', hash }],
        ['re-import', { op: 'import', file: path, size }],
      ] as const;
      for (const [label, op] of ops) {
        proxy?.reset();
        const r = await runChild({ ...target, ...op, prefix: 'db', blockSize: BLOCK_SIZE });
        console.log(
          `| ${store === 's3' ? 'S3 (fauxqs via proxy)' : 'directory'} | ${label} | ${(r.ms / 1000).toFixed(1)} | ${requestsOf(r.requests)} | ` +
            `${proxy?.counts.maxInFlight ?? '-'} | ${r.baselineRssMiB.toFixed(0)} | ${r.peakRssMiB.toFixed(0)} | ${r.maxRssMiB.toFixed(0)} | ` +
            `${r.quarterPeakRssMiB.map((q) => q.toFixed(0)).join(' / ')} | ` +
            `${r.peakHeapMiB.toFixed(0)} | ${r.peakArrayBuffersMiB.toFixed(0)} |`,
        );
      }
      await proxy?.close();
      proxy = undefined;
    }
    console.log(
      '\nRSS after loading = the child once Node and dist/ (AWS SDK included) are loaded, before the transfer; ' +
        'maxRSS = the kernel\'s high-water mark for the child over its whole life; by quarter = the sampled peak ' +
        'while the first, second, third and last quarter of the bytes moved.',
    );
  } finally {
    await proxy?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
