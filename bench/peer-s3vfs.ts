/**
 * The peer: sqlite-s3vfs (Python: APSW + boto3), measured through the same latency proxy as
 * s3lite, on the same database, in the same run (issue 6: "with sqlite-s3vfs through the same
 * proxy when it is present on the machine").
 *
 * Needs `python3` able to `import apsw, boto3, sqlite_s3vfs` (Debian: python3-apsw,
 * python3-boto3; sqlite_s3vfs is one Python file, put it on PYTHONPATH). When any is missing the
 * benchmark prints one line saying what is missing and does nothing else.
 *
 * Scenarios, each for sqlite-s3vfs and for s3lite (both with 4096-byte blocks, both layouts are
 * the same: `P/0000000000`, …):
 *   import        the local file into blocks (sqlite-s3vfs: `deserialize_iter`)
 *   point lookup  open + `SELECT … WHERE id = ?` for one rowid, cold
 *
 * The Python side times only the operation (not its own start-up or boto3's import); the proxy
 * counts every request. Figures are printed, never asserted.
 *
 *   npx tsx bench/peer-s3vfs.ts [--latency 20] [--mb 23] [--quick]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Database } from '../src/api/database.js';
import { BlockStore } from '../src/store/block-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { makeBenchDatabase } from './bench-db.js';
import { startFauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const QUICK = process.argv.includes('--quick');
const LATENCY = Number(argValue('latency') ?? 20);
const MB = Number(argValue('mb') ?? (QUICK ? 4 : 23));
const PYTHON = process.env['PYTHON'] ?? 'python3';

/** The Python side: one operation per process, its own wall time and result as one JSON line. */
const PEER_SCRIPT = `
import json, sys, time
import apsw, boto3, sqlite_s3vfs
from botocore.config import Config

endpoint, bucket_name, prefix, op, arg = sys.argv[1:6]
bucket = boto3.resource(
    's3', endpoint_url=endpoint, region_name='us-east-1',
    aws_access_key_id='x', aws_secret_access_key='x',
    config=Config(s3={'addressing_style': 'path'}),
).Bucket(bucket_name)
vfs = sqlite_s3vfs.S3VFS(bucket=bucket, block_size=4096)

t0 = time.perf_counter()
if op == 'import':
    def chunks():
        with open(arg, 'rb') as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    return
                yield b
    vfs.deserialize_iter(key_prefix=prefix, bytes_iter=chunks())
    result = None
elif op == 'lookup':
    db = apsw.Connection(prefix, vfs=vfs.name, flags=apsw.SQLITE_OPEN_READONLY)
    result = db.cursor().execute('SELECT id, name FROM t WHERE id = ?', (int(arg),)).fetchone()
    db.close()
else:
    raise SystemExit('unknown op ' + op)
print(json.dumps({'ms': (time.perf_counter() - t0) * 1000, 'result': result}))
`;

/** The modules python3 cannot import, or ['python3'] when there is no python3 at all. */
export function missingPeerModules(): string[] {
  const probe = spawnSync(PYTHON, ['-c', 'import apsw, boto3, sqlite_s3vfs'], { encoding: 'utf8' });
  if (probe.error !== undefined) return [PYTHON];
  if (probe.status === 0) return [];
  return ['apsw', 'boto3', 'sqlite_s3vfs'].filter((m) => spawnSync(PYTHON, ['-c', `import ${m}`]).status !== 0);
}

function fmtCounts(p: LatencyProxy): string {
  const c = p.counts;
  return (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST', 'OTHER'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`).join(', ') || '0';
}

async function main(): Promise<void> {
  const missing = missingPeerModules();
  if (missing.length > 0) {
    console.log(
      `\n## sqlite-s3vfs peer: skipped — ${PYTHON} cannot import ${missing.join(', ')} ` +
        '(Debian: apt-get install python3-apsw python3-boto3; sqlite_s3vfs.py on PYTHONPATH)',
    );
    return;
  }
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-peer-'));
  const fauxqs = await startFauxqsProcess();
  const proxy = await startLatencyProxy({ target: fauxqs.endpoint, latencyMs: LATENCY, worker: true });
  const bucket = 'peer';
  const s3 = new S3ObjectStore({ bucket, endpoint: proxy.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    const { path, rows } = makeBenchDatabase(dir, MB);
    const bytes = new Uint8Array(readFileSync(path));
    const script = join(dir, 'peer.py');
    writeFileSync(script, PEER_SCRIPT);
    proxy.latencyMs = 0;
    await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
    proxy.latencyMs = LATENCY;
    console.log(`\n## sqlite-s3vfs vs s3lite through the same ${LATENCY} ms proxy, ${new Date().toISOString()}`);
    console.log(`database: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${bytes.length / 4096} blocks of 4096 bytes\n`);

    const peer = (op: string, arg: string): { ms: number; result: unknown; requests: string } => {
      proxy.reset();
      const out = execFileSync(PYTHON, [script, proxy.url, bucket, 'peer', op, arg], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const parsed = JSON.parse(out.trim().split('\n').pop()!) as { ms: number; result: unknown };
      return { ...parsed, requests: fmtCounts(proxy) };
    };
    const ours = async (fn: () => Promise<unknown>): Promise<{ ms: number; result: unknown; requests: string }> => {
      proxy.reset();
      const t0 = performance.now();
      const result = await fn();
      return { ms: performance.now() - t0, result, requests: fmtCounts(proxy) };
    };
    const rowid = Math.floor(rows / 2);
    const table: string[] = [];
    const show = (scenario: string, theirs: { ms: number; requests: string }, mine: { ms: number; requests: string }): void => {
      console.log(`  ${scenario.padEnd(22)} sqlite-s3vfs ${theirs.ms.toFixed(0).padStart(7)} ms ${theirs.requests.padEnd(24)} s3lite ${mine.ms.toFixed(0).padStart(7)} ms ${mine.requests.padEnd(24)} ${(theirs.ms / mine.ms).toFixed(1)}x`);
      table.push(`| ${scenario} | ${theirs.ms.toFixed(0)} ms, ${theirs.requests} | ${mine.ms.toFixed(0)} ms, ${mine.requests} | ${(theirs.ms / mine.ms).toFixed(1)}x |`);
    };

    const theirImport = peer('import', path);
    const ourImport = await ours(() => deserialize(new BlockStore(s3, 'ours'), [bytes], { blockSize: 4096, sourceSize: bytes.length }));
    show('import', theirImport, ourImport);

    const theirLookup = peer('lookup', String(rowid));
    const ourLookup = await ours(async () => {
      const db = await Database.open({ objects: s3, prefix: 'ours' });
      try {
        return await db.query('SELECT id, name FROM t WHERE id = ?', [rowid]);
      } finally {
        await db.close();
      }
    });
    show('cold point lookup', theirLookup, ourLookup);
    const same = JSON.stringify(theirLookup.result) === JSON.stringify(Object.values((ourLookup.result as Record<string, unknown>[])[0] ?? {}));
    if (!same) console.log(`  (results differ: ${JSON.stringify(theirLookup.result)} vs ${JSON.stringify(ourLookup.result)})`);

    console.log('\n| scenario | sqlite-s3vfs | s3lite | s3lite faster by |');
    console.log('|---|---|---|---:|');
    for (const l of table) console.log(l);
  } finally {
    await s3.close();
    await proxy.close();
    await fauxqs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
