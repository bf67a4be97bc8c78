/**
 * Writes over S3 with injected latency (issue 6, "a 10,000-row insert transaction; a one-row
 * update"), in both writer modes:
 *
 *   safe      `Database.open(…, { readonly: false })`: capability probe (once per store), the
 *             writer's lease `P-lock`, the rollback journal `P-journal/…` around each commit
 *   no lock   `{ locking: 'none' }`: no probe, no lease; the journal is kept
 *
 * The chain of servers, all on 127.0.0.1:
 *
 *   client ─► latency proxy (bench/latency-proxy.ts: delay + counts by kind)
 *          ─► conditional proxy (test/support/conditional-s3-proxy.ts: ENFORCES If-None-Match /
 *             If-Match as S3 documents it; fauxqs ignores them and safe mode refuses such a store)
 *          ─► fauxqs; proxy and fauxqs together in a child process (bench/conditional-fauxqs-process.ts)
 *
 * On the client side a `RecordingObjectStore` logs every request (op, key, start, end), so each
 * scenario prints requests by role (block / journal / lease / probe), the longest chain of
 * requests that had to wait for one another (sequential round trips, measured, not inferred),
 * and wall ÷ latency. Bounds, per commit, from the design (DESIGN.md "Commit protocol on S3"):
 *
 *   pages     ⌈(dirty blocks − 1) / 64⌉ rounds + 1 (page 1 goes last, alone)
 *   journal   ⌈journal blocks / 64⌉ (records) + 1 (header) + 1 (zero the header: the commit point) + 1 (delete)
 *   lease     1 (acquire, If-None-Match) + 1 (release, If-Match); safe mode only
 *   begin     1 (GET block 0: the header, re-read when a transaction begins), when it begins in the phase
 *
 * Figures are printed, never asserted. The database is checked by `sqlite3 PRAGMA
 * integrity_check` after the runs (export of the blocks to a file).
 *
 *   npx tsx bench/s3-write.ts [--latency 0,20] [--write-mb 4] [--rows 10000] [--quick] [--unguarded]
 *
 * `--unguarded`: the writer cannot learn block etags, so its block writes carry no If-Match /
 * If-None-Match (the second guard off, src/vfs/block-file.ts), to compare the guard's cost.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Database } from '../src/api/database.js';
import { BlockStore } from '../src/store/block-store.js';
import { MemoryObjectStore } from '../src/store/memory-store.js';
import type { LockingMode } from '../src/store/capability-probe.js';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../src/store/s3-store.js';
import { deserialize } from '../src/transfer/deserialize.js';
import { serialize } from '../src/transfer/serialize.js';
import { BlockVfs } from '../src/vfs/block-vfs.js';
import { OpenFlags } from '../src/vfs/vfs.js';
import { makeBenchDatabase } from './bench-db.js';
import { startConditionalFauxqsProcess } from './conditional-fauxqs-process.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { RecordingObjectStore, type LoggedRequest, formatSequence, roleOf, sequentialRounds, summarizeByRole } from './recording-store.js';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const QUICK = process.argv.includes('--quick');
const LATENCIES = (argValue('latency') ?? (QUICK ? '20' : '0,20')).split(',').map(Number);
const DB_MB = Number(argValue('write-mb') ?? (QUICK ? 2 : 4));
const ROWS = Number(argValue('rows') ?? 10_000);
const WARM_REPS = 5;
const CONCURRENCY = 64;
const PREFIX = 'db';
const PAGE = 4096;
const MODES: readonly LockingMode[] = ['lease', 'none'];
const modeName = (m: LockingMode): string => (m === 'lease' ? 'safe' : 'no lock');

interface Phase {
  ms: number;
  log: LoggedRequest[];
  proxyCounts: string;
  proxyTotal: number;
  maxInFlight: number;
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

async function phase(proxy: LatencyProxy, rec: RecordingObjectStore, fn: () => Promise<void>): Promise<Phase> {
  proxy.reset();
  rec.reset();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  return { ms, log: [...rec.log], proxyCounts: fmtCounts(proxy), proxyTotal: proxy.total(), maxInFlight: proxy.counts.maxInFlight };
}

const count = (log: readonly LoggedRequest[], role: string, op?: string): number =>
  log.filter((r) => roleOf(PREFIX, r.key) === role && (op === undefined || r.op === op)).length;

/** The design's minimum number of sequential round trips for a commit (see the top of the file). */
function commitRounds(log: readonly LoggedRequest[], mode: LockingMode, begins: boolean): { pages: number; journal: number; lease: number; begin: number } {
  const dirty = count(log, 'block', 'PUT');
  const journalBlocks = new Set(log.filter((r) => roleOf(PREFIX, r.key) === 'journal' && r.op === 'PUT').map((r) => r.key)).size;
  const pages = dirty === 0 ? 0 : Math.ceil(Math.max(0, dirty - 1) / CONCURRENCY) + 1;
  const journal = journalBlocks === 0 ? 0 : Math.ceil(journalBlocks / CONCURRENCY) + 3;
  // The lease is taken by the transaction's first write (acquire) and released after the commit.
  const lease = mode === 'lease' ? (begins ? 2 : 1) : 0;
  // A transaction that begins here re-reads block 0 (another writer may have committed).
  const begin = begins ? 1 : 0;
  return { pages, journal, lease, begin };
}

interface SummaryRow {
  scenario: string;
  latency: number;
  mode: string;
  ms: number;
  requests: string;
  byRole: string;
  rounds: number;
  bound: string;
  boundRounds: number | undefined;
  ratio: string;
}
const summary: SummaryRow[] = [];

function report(scenario: string, latency: number, mode: LockingMode, p: Phase, boundRounds: number | undefined, note = ''): void {
  const rounds = sequentialRounds(p.log);
  const bound = boundRounds === undefined ? '-' : `${boundRounds} rounds = ${boundRounds * latency} ms`;
  const ratio = boundRounds === undefined || latency === 0 ? (boundRounds === undefined ? '-' : `${rounds}/${boundRounds} rounds`) : (p.ms / (boundRounds * latency)).toFixed(2);
  const perRound = latency > 0 ? `; wall/latency ${(p.ms / latency).toFixed(1)}` : '';
  console.log(
    `  ${scenario.padEnd(30)} ${modeName(mode).padEnd(7)} ${p.ms.toFixed(0).padStart(7)} ms  ${p.proxyCounts.padEnd(36)} ` +
      `${rounds} sequential rounds${perRound}; bound ${bound}; ratio ${ratio}${note === '' ? '' : `  (${note})`}`,
  );
  console.log(`      by role: ${summarizeByRole(PREFIX, p.log)}; max ${p.maxInFlight} in flight`);
  summary.push({ scenario, latency, mode: modeName(mode), ms: p.ms, requests: p.proxyCounts, byRole: summarizeByRole(PREFIX, p.log), rounds, bound, boundRounds, ratio });
}

async function main(): Promise<void> {
  suppressSdkNodeVersionWarning();
  const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-write-'));
  const server = await startConditionalFauxqsProcess();
  // The proxy runs in a worker thread: its delay and forwarding cost the measured client no CPU.
  const proxy = await startLatencyProxy({ target: server.endpoint, latencyMs: 0, worker: true });
  const stores: S3ObjectStore[] = [];
  try {
    const base = makeBenchDatabase(dir, DB_MB);
    const bytes = new Uint8Array(readFileSync(base.path));
    console.log(`\n## Writes over S3 (fauxqs behind the conditional-write proxy and a latency proxy), ${new Date().toISOString()}`);
    console.log(
      `database: ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${bytes.length / PAGE} pages of ${PAGE} bytes; table t: ${base.rows} rows ` +
        `(rowid + index on name); insert transaction: ${ROWS} rows (~130 bytes each); concurrency ${CONCURRENCY}`,
    );
    console.log('bounds in sequential round trips: pages ⌈(dirty−1)/64⌉+1 (page 1 last); journal ⌈blocks/64⌉+3 (records, header, commit point, delete); lease 2 (safe only); begin 1 (header re-read)\n');

    // Warm the JIT on the same statements against memory, so that the first measured mode
    // (safe) does not pay for compiling the insert path.
    {
      const warm = await Database.create({ objects: new MemoryObjectStore(), prefix: 'warm' });
      await warm.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB); CREATE INDEX t_name ON t(name)');
      await warm.transaction(async () => {
        for (let i = 0; i < 3000; i++) await warm.run('INSERT INTO t(name, value, payload) VALUES (?, ?, ?)', [`w${i}`, i, new Uint8Array(100)]);
      });
      for (let i = 1; i < 50; i++) await warm.run('UPDATE t SET value = ? WHERE id = ?', [-i, i * 40]);
      await warm.close();
    }

    const updates: Record<string, Record<string, Phase>> = {};
    const inserts: Record<string, Record<string, Phase>> = {};
    for (const latency of LATENCIES) {
      console.log(`### latency ${latency} ms`);
      for (const mode of MODES) {
        const bucket = `write-${mode}-${latency}-${Date.now() % 100000}`;
        const s3 = new S3ObjectStore({
          bucket,
          endpoint: proxy.url,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        });
        stores.push(s3);
        proxy.latencyMs = 0;
        await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
        await deserialize(new BlockStore(s3, PREFIX), [bytes], { blockSize: PAGE, sourceSize: bytes.length });
        proxy.latencyMs = latency;
        const rec = new RecordingObjectStore(s3, { guard: !process.argv.includes('--unguarded') });

        let db: Database | undefined;
        const open = await phase(proxy, rec, async () => {
          db = await Database.open({ objects: rec, prefix: PREFIX }, { readonly: false, locking: mode });
        });
        report('open for writing', latency, mode, open, undefined, 'GET block 0 + HEADs for the size, journal check');
        const d = db!;

        // 10,000-row insert transaction: the statements (reads of the pages they change, no
        // writes), then COMMIT (every write of the transaction).
        const payload = new Uint8Array(100).fill(7);
        const statements = await phase(proxy, rec, async () => {
          await d.exec('BEGIN');
          for (let i = 0; i < ROWS; i++) {
            await d.run('INSERT INTO t(name, value, payload) VALUES (?, ?, ?)', [`new-${String(i).padStart(6, '0')}`, i / 7, payload]);
          }
        });
        report(`insert ${ROWS} rows: statements`, latency, mode, statements, undefined, `${Math.round(ROWS / (statements.ms / 1000))} rows/s; lease taken at the first write`);
        const commit = await phase(proxy, rec, () => d.exec('COMMIT'));
        const cr = commitRounds(commit.log, mode, false);
        const dirty = count(commit.log, 'block', 'PUT');
        const jput = count(commit.log, 'journal', 'PUT');
        report(
          `insert ${ROWS} rows: COMMIT`,
          latency,
          mode,
          commit,
          cr.pages + cr.journal + cr.lease + cr.begin,
          `${dirty} dirty blocks, ${jput} journal PUTs; pages alone: ${cr.pages} rounds` +
            (latency > 0 ? ` = ${cr.pages * latency} ms; a client making one request at a time: ${commit.log.length * latency} ms` : ''),
        );

        if (latency === LATENCIES[LATENCIES.length - 1]) {
          console.log(`    request sequence of the ${ROWS}-row COMMIT (${modeName(mode)}, ${latency} ms):`);
          for (const line of formatSequence(PREFIX, commit.log)) console.log(`    ${line}`);
        }

        // One-row UPDATE by rowid, autocommit. Cold: its leaf is not cached yet (a page far
        // from the rows just inserted). Warm: the same row again — the commit alone.
        const id = Math.floor(base.rows / 2);
        const cold = await phase(proxy, rec, async () => {
          await d.run('UPDATE t SET value = ? WHERE id = ?', [-1.5, id]);
        });
        const coldRounds = commitRounds(cold.log, mode, true);
        report('one-row UPDATE, cold leaf', latency, mode, cold, coldRounds.pages + coldRounds.journal + coldRounds.lease + coldRounds.begin, 'bound counts the commit only; + the reads of the path');
        // Best of 5 (the machine is shared; the request sequence is the same every time).
        let warm: Phase | undefined;
        for (let rep = 0; rep < WARM_REPS; rep++) {
          const value = rep === WARM_REPS - 1 ? -2.5 : -10 - rep;
          const run = await phase(proxy, rec, async () => {
            await d.run('UPDATE t SET value = ? WHERE id = ?', [value, id]);
          });
          if (warm === undefined || run.ms < warm.ms) warm = { ...run, log: run.log };
        }
        const wr = commitRounds(warm!.log, mode, true);
        report(`one-row UPDATE, warm (best of ${WARM_REPS})`, latency, mode, warm!, wr.pages + wr.journal + wr.lease + wr.begin);
        (updates[String(latency)] ??= {})[mode] = warm!;
        (inserts[String(latency)] ??= {})[mode] = { ms: statements.ms + commit.ms, log: [...statements.log, ...commit.log], proxyCounts: '', proxyTotal: 0, maxInFlight: 0 };
        if (latency === LATENCIES[LATENCIES.length - 1]) {
          console.log(`    request sequence of the warm one-row UPDATE (${modeName(mode)}, ${latency} ms), in order; one "round" = requests issued before the first answer came back:`);
          for (const line of formatSequence(PREFIX, warm!.log)) console.log(`    ${line}`);
        }
        await d.close();

        // The result must be a sound SQLite database with every row.
        if (latency === LATENCIES[0]) {
          proxy.latencyMs = 0;
          const out = join(dir, `check-${mode}.sqlite`);
          const file = await new BlockVfs(s3).xOpen(PREFIX, OpenFlags.SQLITE_OPEN_READONLY);
          const parts: Uint8Array[] = [];
          for await (const chunk of serialize(file)) parts.push(chunk);
          await file.xClose();
          writeFileSync(out, Buffer.concat(parts));
          const check = execFileSync('sqlite3', [out, 'PRAGMA integrity_check; SELECT count(*) FROM t; SELECT value FROM t WHERE id = ' + id], { encoding: 'utf8' })
            .trim()
            .split('\n');
          const expected = ['ok', String(base.rows + ROWS), '-2.5'];
          console.log(`  sqlite3 on the exported result: ${check.join(' | ')} ${check.join() === expected.join() ? '(as expected)' : `(EXPECTED ${expected.join(' | ')})`}`);
          proxy.latencyMs = latency;
        }
      }
      for (const [what, phases] of [
        ['warm one-row UPDATE', updates],
        [`${ROWS}-row insert transaction (statements + COMMIT)`, inserts],
      ] as const) {
        const safe = phases[String(latency)]?.['lease'];
        const none = phases[String(latency)]?.['none'];
        if (safe === undefined || none === undefined) continue;
        const extra = safe.log.filter((r) => ['lease', 'probe'].includes(roleOf(PREFIX, r.key)));
        console.log(
          `  safe vs no lock, ${what}: +${safe.log.length - none.log.length} requests (${extra.map((r) => `${r.op} ${roleOf(PREFIX, r.key)}`).join(', ')}), ` +
            `wall ${safe.ms.toFixed(0)} vs ${none.ms.toFixed(0)} ms (${safe.ms >= none.ms ? '+' : ''}${(safe.ms - none.ms).toFixed(0)} ms)`,
        );
      }
      console.log('');
    }
  } finally {
    for (const s of stores) await s.close();
    await proxy.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // One row per scenario and mode; the latency-dependent columns side by side. "latency cost"
  // = (wall at L − wall at 0) / L: the round trips the wall time actually paid for.
  console.log('\n## Summary (writes over S3)');
  const lat = LATENCIES.filter((l) => l > 0);
  const zero = LATENCIES.includes(0);
  console.log(
    `| scenario | mode | requests | by role | sequential rounds | bound (rounds) |${zero ? ' wall at 0 ms |' : ''}${lat.map((l) => ` wall at ${l} ms | ratio to bound | latency cost (rounds) |`).join('')}`,
  );
  console.log(`|---|---|---|---|---:|---:|${zero ? '---:|' : ''}${lat.map(() => '---:|---:|---:|').join('')}`);
  const keys = [...new Set(summary.map((r) => `${r.scenario}\u0000${r.mode}`))];
  for (const key of keys) {
    const rows = summary.filter((r) => `${r.scenario}\u0000${r.mode}` === key);
    const first = rows[rows.length - 1]!;
    const at0 = rows.find((r) => r.latency === 0);
    const cells = lat.map((l) => {
      const r = rows.find((x) => x.latency === l);
      if (r === undefined) return ' | | |';
      const cost = at0 === undefined ? '-' : ((r.ms - at0.ms) / l).toFixed(1);
      return ` ${r.ms.toFixed(0)} | ${r.ratio} | ${cost} |`;
    });
    console.log(
      `| ${first.scenario} | ${first.mode} | ${first.requests} | ${first.byRole} | ${first.rounds} | ${first.boundRounds ?? '-'} |${zero ? ` ${at0?.ms.toFixed(0) ?? '-'} |` : ''}${cells.join('')}`,
    );
  }
}

await main();
