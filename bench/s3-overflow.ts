/**
 * Overflow read-ahead over S3 (issue 6): a cold full scan of a table whose rows carry 10–20 KB
 * blobs, at 4 KiB pages, so that every row's payload spills onto a chain of 3–5 overflow pages.
 *
 * Each overflow page holds the number of the next one, so one chain is inherently sequential:
 * one round trip per page. What can run in parallel is several chains at once: the first
 * overflow page of every cell is written in the cell, so a scan can start the chains of the next
 * rows while the current one is read (src/btree/overflow-read-ahead.ts).
 *
 * fauxqs behind `latency-proxy.ts` (default 20 ms per request, requests counted by kind). Scenarios:
 *
 *   no read-ahead          one GET per page, one after another (time-boxed, extrapolated)
 *   leaf read-ahead only   the next leaves in parallel; each chain still one page per round trip
 *   leaf + overflow        chains of the next rows walked in parallel (the default)
 *   LIMIT 10               what a short read costs with everything on (no runaway prefetch)
 *
 * Physical limit: the pages of the table (leaves, interior, overflow) / 64 in flight × latency,
 * plus one round trip per level of the tree. Figures are printed, never asserted.
 *
 * A second part, CPU only (local bytes, no S3), measures the scan to values behind `db.rows()`: a
 * 23 MiB table of small rows (as bench/s3-read.ts makes it) scanned to JSON lines through
 * `tableRows` wrapped in two more async generators (what `Database.rows()` does today), through
 * `tableRows`, and through `tableRowValues`, with sql.js on the same bytes for reference.
 *
 *   npx tsx bench/s3-overflow.ts [--latency 20] [--rows 2000] [--min-kb 10] [--max-kb 20] [--full] [--fauxqs-child]
 *                                [--cpu-only | --no-cpu] [--cpu-mb 23]
 *
 * `--full` runs the leaf-read-ahead-only scan to the end (about 3 minutes at 20 ms for the
 * default table) instead of extrapolating it from its first 12 seconds.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';
import { readSchemaRows } from '../src/api/schema-rows.js';
import { tableRowValues, tableRows } from '../src/api/table-rows.js';
import { censusPages } from '../src/btree/page-census.js';
import { TableCursor } from '../src/btree/table-cursor.js';
import type { CursorOptions } from '../src/btree/cursor-base.js';
import { BytesPageFile } from '../src/pager/page-file.js';
import { Pager } from '../src/pager/pager.js';
import { readSchema } from '../src/schema/read-schema.js';
import type { TableInfo } from '../src/schema/schema-types.js';
import { BlockStore } from '../src/store/block-store.js';
import type { ObjectStore } from '../src/store/object-store.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { BlockVfs } from '../src/vfs/block-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';
import { sqljs } from '../test/support/sqljs.js';
import { startFauxqsProcess } from './fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const LATENCY = arg('latency', 20);
const ROWS = arg('rows', 2000);
const MIN_KB = arg('min-kb', 10);
const MAX_KB = arg('max-kb', 20);
const FULL = process.argv.includes('--full');
const CONCURRENCY = 64;

function makeDatabase(dir: string): string {
  const path = join(dir, 'overflow.sqlite');
  const min = MIN_KB * 1024;
  const spread = Math.max(1, (MAX_KB - MIN_KB) * 1024);
  execFileSync('sqlite3', [path], {
    input: `PRAGMA page_size=4096;
CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT, data BLOB);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${ROWS})
INSERT INTO b SELECT i, 'blob-' || i, randomblob(${min} + abs(random()) % ${spread}) FROM seq;`,
  });
  return path;
}

function fmtCounts(p: LatencyProxy): string {
  const c = p.counts;
  return (
    (['GET', 'HEAD', 'PUT', 'DELETE', 'LIST', 'OTHER'] as const)
      .filter((k) => c[k] > 0)
      .map((k) => `${c[k]} ${k}`)
      .join(', ') || '0'
  );
}

async function tableInfo(pager: Pager, name: string): Promise<TableInfo> {
  const rel = readSchema(await readSchemaRows(pager)).relation(name);
  if (rel === undefined || rel.kind !== 'table') throw new Error(`no table ${name}`);
  return rel;
}

/** A cursor-level scan: every payload assembled (overflow included), nothing decoded. */
async function scanPayloads(
  pager: Pager,
  root: number,
  options: CursorOptions,
  budgetMs = Infinity,
  limit = Infinity,
): Promise<{ rows: number; bytes: number }> {
  const c = new TableCursor(pager, root, options);
  const t0 = performance.now();
  let rows = 0;
  let bytes = 0;
  for (let ok = await c.first(); ok; ok = c.nextInLeaf() ?? (await c.next())) {
    bytes += (c.localPayload() ?? (await c.payload())).length;
    if (++rows >= limit || (rows % 16 === 0 && performance.now() - t0 > budgetMs)) break;
  }
  return { rows, bytes };
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-overflow-'));
  const server = process.argv.includes('--fauxqs-child')
    ? await startFauxqsProcess()
    : await (async () => {
        const s = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
        return { endpoint: `http://127.0.0.1:${s.port}`, stop: () => s.stop() };
      })();
  const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0 });
  try {
    const path = makeDatabase(dir);
    const bytes = new Uint8Array(readFileSync(path));
    const local = await Pager.open(new BytesPageFile(bytes));
    const info = await tableInfo(local, 'b');
    const census = await censusPages(local, [{ name: 'b', rootPgno: info.rootPage }]);
    const tree = census.trees.find((x) => x.name === 'b')!;
    const tPages = tree.tableInterior + tree.tableLeaf + tree.overflow;
    let depth = 0;
    {
      const c = new TableCursor(local, info.rootPage);
      await c.first();
      depth = (c as unknown as { stack: unknown[] }).stack.length;
    }
    const bound = Math.ceil(tPages / CONCURRENCY) * LATENCY + depth * LATENCY;

    const bucket = 'overflow';
    const objects: ObjectStore = new S3ObjectStore({
      bucket,
      endpoint: proxy.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await (objects as S3ObjectStore).client.send(new CreateBucketCommand({ Bucket: bucket }));
    const chunks = function* (): Generator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, at + (1 << 20));
    };
    await deserialize(new BlockStore(objects, 'db'), chunks(), { blockSize: 4096, sourceSize: bytes.length });
    proxy.latencyMs = LATENCY;

    console.log(`\n## Overflow read-ahead over S3 (fauxqs behind a ${LATENCY} ms latency proxy), ${new Date().toISOString()}`);
    console.log(
      `database: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${bytes.length / 4096} pages of 4096 bytes; table b: ${ROWS} rows of ${MIN_KB}–${MAX_KB} KB blobs; ` +
        `${tree.tableLeaf} leaves, ${tree.tableInterior} interior, ${tree.overflow} overflow pages; depth ${depth}`,
    );
    console.log(`physical limit: ${tPages} pages / ${CONCURRENCY} in flight × ${LATENCY} ms + depth ${depth} × ${LATENCY} ms = ${bound} ms\n`);

    const open = async () => {
      const file = await new BlockVfs(objects).xOpen('db', OpenFlags.SQLITE_OPEN_READONLY);
      const pager = await Pager.open(file);
      const t = await tableInfo(pager, 'b');
      return { file, pager, t };
    };
    const run = async (name: string, fn: () => Promise<{ rows: number; note?: string }>): Promise<number> => {
      proxy.reset();
      const t0 = performance.now();
      const r = await fn();
      const ms = performance.now() - t0;
      console.log(
        `  ${name.padEnd(38)} ${ms.toFixed(0).padStart(7)} ms  ${fmtCounts(proxy).padEnd(20)} rows ${String(r.rows).padStart(5)}  max ${String(proxy.counts.maxInFlight).padStart(2)} in flight  ratio ${(ms / bound).toFixed(2)}${r.note ? `  (${r.note})` : ''}`,
      );
      return ms;
    };

    // Open + schema are part of every run (3 requests at most); the scans below start cold.
    const budget = 6000;
    await run('full scan, no read-ahead (extrapolated)', async () => {
      const { file, pager, t } = await open();
      const t0 = performance.now();
      const r = await scanPayloads(pager, t.rootPage, { readAhead: false }, budget);
      const ms = performance.now() - t0;
      await file.xClose();
      return { rows: r.rows, note: `${r.rows} rows in ${(ms / 1000).toFixed(1)} s → ~${((ms / r.rows) * ROWS / 1000).toFixed(1)} s for ${ROWS}` };
    });
    // Leaf read-ahead alone walks one chain at a time (~one round trip per overflow page): time-boxed
    // unless --full, then extrapolated.
    let leafOnly = 0;
    await run(`full scan, leaf read-ahead only${FULL ? '' : ' (extrap.)'}`, async () => {
      const { file, pager, t } = await open();
      const t0 = performance.now();
      const r = await scanPayloads(pager, t.rootPage, { readAhead: { overflow: false } }, FULL ? Infinity : budget * 2);
      const ms = performance.now() - t0;
      await file.xClose();
      leafOnly = (ms / r.rows) * ROWS;
      return { rows: r.rows, note: FULL ? `${(r.bytes / 2 ** 20).toFixed(1)} MiB of payload` : `${r.rows} rows in ${(ms / 1000).toFixed(1)} s → ~${(leafOnly / 1000).toFixed(1)} s for ${ROWS}` };
    });
    const both = await run('full scan, leaf + overflow read-ahead', async () => {
      const { file, pager, t } = await open();
      const r = await scanPayloads(pager, t.rootPage, {});
      await file.xClose();
      return { rows: r.rows };
    });
    const saved = proxy.latencyMs;
    proxy.latencyMs = 0;
    await run('the same at 0 ms latency (floor)', async () => {
      const { file, pager, t } = await open();
      const r = await scanPayloads(pager, t.rootPage, {});
      await file.xClose();
      return { rows: r.rows, note: 'what the requests cost in CPU (SDK, proxy, server) with no latency at all' };
    });
    proxy.latencyMs = saved;
    await run('tableRows (decoded), default options', async () => {
      const { file, pager, t } = await open();
      let rows = 0;
      for await (const _ of tableRows(pager, t)) rows++;
      await file.xClose();
      return { rows };
    });
    await run('LIMIT 10 (tableRows), default options', async () => {
      const { file, pager, t } = await open();
      let rows = 0;
      for await (const _ of tableRows(pager, t, { limit: 10 })) rows++;
      await file.xClose();
      return { rows, note: 'incl. open + schema' };
    });
    await run('LIMIT 10, overflow read-ahead off', async () => {
      const { file, pager, t } = await open();
      const r = await scanPayloads(pager, t.rootPage, { readAhead: { overflow: false } }, Infinity, 10);
      await file.xClose();
      return { rows: r.rows, note: 'incl. open + schema; leaf read-ahead still on' };
    });
    console.log(`\n  overflow read-ahead: ${(leafOnly / both).toFixed(1)}x faster than leaf read-ahead alone`);
  } finally {
    await proxy.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU: scan to JSON lines of a table of small rows from local bytes; best of 7 (wall and process CPU). */
async function cpuScan(): Promise<void> {
  const mb = arg('cpu-mb', 23);
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-values-'));
  try {
    const path = join(dir, 'small-rows.sqlite');
    const rows = Math.round((mb * 2 ** 20) / 262);
    execFileSync('sqlite3', [path], {
      input: `PRAGMA page_size=4096;
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${rows})
INSERT INTO t SELECT i, 'name-' || (i * 7919 % ${rows}), i / 3.0, randomblob(200) FROM seq;`,
    });
    const bytes = new Uint8Array(readFileSync(path));
    const toJson = (v: unknown): unknown => (v instanceof Uint8Array ? v.length : typeof v === 'bigint' ? v.toString() : v);
    const open = async () => {
      const pager = await Pager.open(new BytesPageFile(bytes));
      return { pager, info: await tableInfo(pager, 't') };
    };
    const variants: Array<[string, () => Promise<number>]> = [
      [
        'tableRows + 2 generators (db.rows today)',
        async () => {
          const { pager, info } = await open();
          async function* typedRows() {
            yield* tableRows(pager, info);
          }
          async function* values() {
            for await (const r of typedRows()) yield r.values;
          }
          let len = 0;
          for await (const r of values()) len += JSON.stringify(r.map(toJson)).length;
          return len;
        },
      ],
      [
        'tableRows',
        async () => {
          const { pager, info } = await open();
          let len = 0;
          for await (const r of tableRows(pager, info)) len += JSON.stringify(r.values.map(toJson)).length;
          return len;
        },
      ],
      [
        'tableRowValues',
        async () => {
          const { pager, info } = await open();
          let len = 0;
          for await (const r of tableRowValues(pager, info)) len += JSON.stringify(r.map(toJson)).length;
          return len;
        },
      ],
      [
        'sql.js (SELECT * FROM t)',
        async () => {
          const SQL = await sqljs();
          const db = new SQL.Database(bytes);
          const stmt = db.prepare('SELECT * FROM t');
          let len = 0;
          while (stmt.step()) len += JSON.stringify(stmt.get(null, { useBigInt: true }).map(toJson)).length;
          stmt.free();
          db.close();
          return len;
        },
      ],
    ];
    console.log(`\n## CPU: full scan to JSON lines, ${rows} rows, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, local bytes (best of 7, variants interleaved)`);
    // Interleaved rounds, so that a burst of load on a shared machine does not land on one variant only.
    const best = variants.map(() => ({ wall: Infinity, cpu: Infinity, len: 0 }));
    for (let rep = 0; rep < 7; rep++) {
      for (let v = 0; v < variants.length; v++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const len = await variants[v]![1]();
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        const b = best[v]!;
        b.wall = Math.min(b.wall, wall);
        b.cpu = Math.min(b.cpu, (c.user + c.system) / 1000);
        b.len = len;
      }
    }
    variants.forEach(([name], v) => {
      const b = best[v]!;
      // (sql.js hands back integers as bigints here, so its JSON differs; ours must agree.)
      if (!name.startsWith('sql.js') && b.len !== best[0]!.len) throw new Error(`${name}: ${b.len} JSON characters, expected ${best[0]!.len}`);
      console.log(`  ${name.padEnd(42)} wall ${b.wall.toFixed(0).padStart(5)} ms   process CPU ${b.cpu.toFixed(0).padStart(5)} ms`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!process.argv.includes('--cpu-only')) await main();
if (!process.argv.includes('--no-cpu')) await cpuScan();
