/**
 * A full scan in the browser: s3lite (the browser bundle, web/edge-bundles.ts) against sql.js
 * (SQLite compiled to WebAssembly) in the same headless Chromium, on the same database held in
 * the page's memory — s3lite through a MemoryObjectStore, sql.js through its in-memory database.
 * Both read every row of t (the benchmark table, bench/bench-db.ts) and touch every value; each is
 * warmed up once and the best of `--runs` (default 3) is printed, with the ratio ours ÷ sql.js
 * (below 1 means faster). Printed, never asserted.
 *
 *   npx tsx bench/browser-scan.ts [--mb 20] [--runs 3]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../test/web/support/static-server.js';
import { buildBundle, GLOBAL_NAME } from '../web/edge-bundles.js';
import { makeBenchDatabase } from './bench-db.js';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const mb = arg('--mb', 20);
const runs = arg('--runs', 3);
const SQLJS = fileURLToPath(new URL('../node_modules/sql.js/dist/', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Timing {
  readonly ms: number;
  readonly rows: number;
  readonly size: number;
}
interface ScanResult {
  readonly s3lite: Timing;
  readonly sqljs: Timing;
  readonly agent: string;
}

/** Runs in the page: both scans, each warmed up once, best of `runs`. */
const PAGE_SCAN = `async (globalName, runs) => {
  const lib = globalThis[globalName];
  const bytes = new Uint8Array(await (await fetch('bench.sqlite')).arrayBuffer());
  const touch = (v) => (v === null ? 1 : typeof v === 'string' ? v.length : typeof v === 'number' ? 8 : typeof v === 'bigint' ? 8 : v.length);

  const objects = new lib.MemoryObjectStore();
  await lib.deserialize(new lib.BlockStore(objects, 'bench'), [bytes]);
  const ours = await lib.Database.open({ objects, prefix: 'bench' });
  const scanOurs = async () => {
    let n = 0, size = 0;
    for await (const row of ours.rows('t')) { n++; for (const v of row) size += touch(v); }
    return [n, size];
  };

  const SQL = await initSqlJs({ locateFile: (f) => f });
  const theirs = new SQL.Database(bytes);
  const scanTheirs = () => {
    const stmt = theirs.prepare('SELECT * FROM t');
    let n = 0, size = 0;
    while (stmt.step()) { n++; for (const v of stmt.get()) size += touch(v); }
    stmt.free();
    return [n, size];
  };

  const time = async (f) => {
    await f();
    let best = Infinity, out = [0, 0];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      out = await f();
      best = Math.min(best, performance.now() - t0);
    }
    return { ms: best, rows: out[0], size: out[1] };
  };
  const s3lite = await time(scanOurs);
  const sqljs = await time(scanTheirs);
  await ours.close();
  theirs.close();
  return { s3lite, sqljs, agent: navigator.userAgent };
}`;

const dir = mkdtempSync(join(tmpdir(), 's3lite-browser-scan-'));
try {
  makeBenchDatabase(dir, mb);
  const bundle = await buildBundle('browser', 'iife');
  writeFileSync(join(dir, 's3lite.js'), bundle.code);
  writeFileSync(join(dir, 'sql-wasm.js'), readFileSync(join(SQLJS, 'sql-wasm-browser.js')));
  writeFileSync(join(dir, 'sql-wasm-browser.wasm'), readFileSync(join(SQLJS, 'sql-wasm-browser.wasm')));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script src="s3lite.js"></script><script src="sql-wasm.js"></script>');
  const site = await serveStatic(dir);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(site.url);
    // The page's code is a string: tsx would wrap a function's inner functions in its `__name`
    // helper, which the page does not have.
    const result = (await page.evaluate(`(${PAGE_SCAN})(${JSON.stringify(GLOBAL_NAME)}, ${runs})`)) as ScanResult;
    const agree = result.s3lite.rows === result.sqljs.rows && result.s3lite.size === result.sqljs.size ? '' : ' — RESULTS DIFFER';
    console.log(`\n## Full scan in Chromium (${result.agent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}), ${mb} MiB database in the page's memory, best of ${runs}`);
    console.log(`  table t, ${result.sqljs.rows} rows     s3lite ${result.s3lite.ms.toFixed(0)} ms (db.rows)   sql.js ${result.sqljs.ms.toFixed(0)} ms (step/get)   ratio ${(result.s3lite.ms / result.sqljs.ms).toFixed(2)}${agree}`);
  } finally {
    await browser.close();
    await site.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
