/**
 * Import/export benchmark (issue 6: "import/export at 20 ms latency within 3x of the physical
 * limit at the default concurrency").
 *
 *   client (this process) ─► latency proxy (bench/latency-proxy.ts, in a worker thread: delay +
 *                            counts by kind + most requests in flight) ─► fauxqs (S3-compatible
 *                            server) in a child process (bench/fauxqs-process.ts)
 *
 * The database is made by the sqlite3 shell (~23 MiB by default, the size sqlite-s3vfs was
 * measured with), streamed from disk on import and hashed on export (so resident memory shows
 * what the transfer itself holds), at latency 0 and 20 ms. Each run prints wall time, requests by
 * kind, the most requests in flight, the peak resident memory, and against the bounds:
 *
 *   physical limit  blocks / concurrency (64) × latency: every block must be moved once, 64 at a time
 *   sqlite-s3vfs    blocks × latency: one request after the other (computed; the Python library is
 *                   not installed here)
 *
 *   npx tsx bench/transfer.ts [--mb 23] [--latency 20] [--blocks 4096,65536] [--levers] [--quick] [--in-process]
 *
 * `--levers` also runs the 20 ms import/export with each client-side lever switched off in turn
 * (the SDK's default settings, then the lean settings without the fast path), to show what each
 * buys. `--in-process` runs fauxqs and the proxy inside this process instead (the setup of the
 * earlier figures in RESULTS.md). `--mb 200` is the memory check: peak RSS must stay far below
 * the database size. This is the RSS of this whole process (tsx, the proxy thread); the memory of
 * a transfer alone, for 1 GiB, is measured by bench/transfer-rss.ts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { serialize } from '../src/transfer/serialize.js';
import { BlockVfs } from '../src/vfs/block-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';
import { startFauxqsProcess, type FauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const TARGET_MB = arg('mb', 23);
const LATENCY = arg('latency', 20);
const CONCURRENCY = 64; // the default of deserialize and serialize
const LEVERS = process.argv.includes('--levers');
/** The setup of earlier sessions, for comparison: fauxqs and the proxy on this process's event loop. */
const IN_PROCESS = process.argv.includes('--in-process');
const blocksArg = process.argv.indexOf('--blocks');
const BLOCK_SIZES =
  blocksArg > 0 ? process.argv[blocksArg + 1]!.split(',').map(Number) : process.argv.includes('--quick') ? [4096] : [4096, 65536, 1 << 20];

function makeDatabase(dir: string): string {
  const path = join(dir, 'bench.sqlite');
  const rows = Math.round((TARGET_MB * 2 ** 20) / 262); // ~262 file bytes per row (payload + index entry)
  execFileSync('sqlite3', [path], {
    input: `PRAGMA page_size=4096;
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB);
CREATE INDEX t_name ON t(name);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${rows})
INSERT INTO t SELECT i, 'name-' || (i * 7919 % ${rows}), i / 3.0, randomblob(200) FROM seq;`,
  });
  return path;
}

/**
 * CPU milliseconds used so far by a process, or by one thread with `/proc/<pid>/task/<tid>` (Linux
 * /proc; undefined elsewhere).
 */
function childCpuMs(pid: number | undefined, tid?: number): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
  } catch {
    return undefined;
  }
}

interface Measured {
  ms: number;
  counts: string;
  maxInFlight: number;
  connections: number;
  peakRssMiB: number;
  cpuMs: number;
  /** This process's main thread alone: the client without the proxy's worker thread. */
  mainThreadCpuMs: number | undefined;
  serverCpuMs: number | undefined;
}

async function measure(proxy: LatencyProxy, server: FauxqsProcess, fn: () => Promise<void>): Promise<Measured> {
  proxy.reset();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpu0 = process.cpuUsage();
  const server0 = childCpuMs(server.pid);
  const main0 = childCpuMs(process.pid, process.pid);
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server1 = childCpuMs(server.pid);
  const main1 = childCpuMs(process.pid, process.pid);
  peak = Math.max(peak, process.memoryUsage().rss);
  const c = proxy.counts;
  return {
    ms,
    counts:
      (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST', 'OTHER'] as const)
        .filter((k) => c[k] > 0)
        .map((k) => `${c[k]} ${k}`)
        .join(', ') || '0',
    maxInFlight: c.maxInFlight,
    connections: c.connections,
    peakRssMiB: peak / 2 ** 20,
    cpuMs: (cpu.user + cpu.system) / 1000,
    mainThreadCpuMs: main0 !== undefined && main1 !== undefined ? main1 - main0 : undefined,
    serverCpuMs: server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined,
  };
}

type Variant = 'fast path (default)' | 'lean SDK settings, no fast path' | 'SDK defaults';

function storeFor(variant: Variant, bucket: string, endpoint: string): S3ObjectStore {
  const common = { region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
  switch (variant) {
    case 'fast path (default)':
      return new S3ObjectStore({ bucket, endpoint, ...common });
    case 'lean SDK settings, no fast path':
      return new S3ObjectStore({ bucket, endpoint, ...common, directRequests: false });
    case 'SDK defaults': {
      // What the store built before issue 6's work: the SDK's defaults, a keep-alive agent.
      const agent = { keepAlive: true, maxSockets: CONCURRENCY };
      const client = new S3Client({ endpoint, ...common, requestHandler: { httpAgent: agent, httpsAgent: agent } });
      return new S3ObjectStore({ bucket, endpoint, client });
    }
  }
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-transfer-'));
  const server: FauxqsProcess = IN_PROCESS
    ? await (async () => {
        const s = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
        return { endpoint: `http://127.0.0.1:${s.port}`, pid: undefined, stop: () => s.stop() };
      })()
    : await startFauxqsProcess();
  const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: !IN_PROCESS });
  try {
    const path = makeDatabase(dir);
    const size = statSync(path).size;
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex');
    console.log(`\n## Import / export over S3, ${new Date().toISOString()}`);
    console.log(
      `database: ${(size / 2 ** 20).toFixed(1)} MiB (${size / 4096} pages of 4096 bytes); ` +
        (IN_PROCESS ? 'fauxqs and the latency proxy in this process' : 'fauxqs in a child process, latency proxy in a worker thread') +
        `; concurrency ${CONCURRENCY}; Node ${process.version}; resident memory before the runs: ` +
        `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log('| variant | block size | op | latency | wall ms | requests | max in flight | new TCP connections | physical limit ms | ratio | sqlite-s3vfs ms (computed) | client CPU ms (main thread) | server CPU ms | peak RSS MiB |');
    console.log('|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const variants: Variant[] = LEVERS ? ['SDK defaults', 'lean SDK settings, no fast path', 'fast path (default)'] : ['fast path (default)'];
    let bucketNo = 0;
    for (const variant of variants) {
      for (const blockSize of BLOCK_SIZES) {
        const blocks = Math.ceil(size / blockSize);
        const bucket = `transfer-${bucketNo++}`;
        const objects = storeFor(variant, bucket, proxy.url);
        proxy.latencyMs = 0;
        await objects.client.send(new CreateBucketCommand({ Bucket: bucket }));
        // Each import into a prefix of its own (import refuses an existing database); export reads the last one.
        let imports = 0;
        const doImport = async (): Promise<void> => {
          const input = createReadStream(path, { highWaterMark: 1 << 20 });
          const result = await deserialize(new BlockStore(objects, `db${++imports}`), input, { blockSize, sourceSize: size });
          if (result.bytes !== size) throw new Error(`imported ${result.bytes} bytes, expected ${size}`);
        };
        const doExport = async (): Promise<void> => {
          const file = await new BlockVfs(objects).xOpen(`db${imports}`, OpenFlags.SQLITE_OPEN_READONLY);
          const digest = createHash('sha256');
          for await (const chunk of serialize(file)) digest.update(chunk);
          await file.xClose();
          if (digest.digest('hex') !== hash) throw new Error('the export is not byte-identical to the file');
        };
        // Latency 0 shows the machine's own cost; the levers are compared at the real latency.
        const latencies = LEVERS && variant !== 'fast path (default)' ? [LATENCY] : [0, LATENCY];
        for (const latency of latencies) {
          proxy.latencyMs = latency;
          for (const [op, fn] of [
            ['import', doImport],
            ['export', doExport],
          ] as const) {
            const m = await measure(proxy, server, fn);
            const limit = Math.ceil(blocks / CONCURRENCY) * latency;
            console.log(
              `| ${variant} | ${blockSize} | ${op} | ${latency} | ${m.ms.toFixed(0)} | ${m.counts} | ${m.maxInFlight} | ${m.connections} | ` +
                `${limit} | ${limit > 0 ? (m.ms / limit).toFixed(2) : '-'} | ${blocks * latency} | ${m.cpuMs.toFixed(0)} (${m.mainThreadCpuMs?.toFixed(0) ?? '?'}) | ` +
                `${m.serverCpuMs?.toFixed(0) ?? '?'} | ${m.peakRssMiB.toFixed(0)} |`,
            );
          }
        }
        await objects.close();
      }
    }
    console.log(
      '\nclient CPU = this process (the client and the proxy worker thread), in brackets its main thread alone ' +
        '(the client); server CPU = the fauxqs child. ' +
        'Wall times depend on the machine load; request counts do not.',
    );
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
