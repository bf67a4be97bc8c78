/**
 * Whole-process speed, as a user sees it (issue 15): the BUILT command (`node bin/s3lite.js …`,
 * rebuilt first by `npm run build` unless --no-build) against a small sql.js script doing the same
 * work (bench/sqljs-json-lines.mjs: read the file, step the SELECT, print JSON Lines), and the
 * start-up of `--help` and `tables` against a bare `node -e 0`.
 *
 * Every process runs in turn within one round (alternated, so that a change of machine load hits
 * both sides alike); the median of --reps rounds (default 5) counts. Output goes to a file, not a
 * terminal. Two figures each: wall time, and user+sys CPU time of the child (from /usr/bin/time;
 * less sensitive to other load on a shared machine than wall time).
 *
 *   npx tsx bench/cli-process.ts [--mb 20] [--reps 5] [--no-build] [--cli OTHER/bin/s3lite.js]
 *
 * --cli times another build's command in place of this one (a before/after comparison).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBenchDatabase } from './bench-db.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const MB = Number(argValue('mb') ?? 20);
const REPS = Math.max(1, Number(argValue('reps') ?? 5));
const TIME = '/usr/bin/time';

interface Sample {
  readonly wallMs: number;
  /** user+sys of the child, when /usr/bin/time is there. */
  readonly cpuMs: number | undefined;
}

/** Runs `node ARGS` with stdout to `outFile`, timed; throws on a non-zero exit. */
function run(args: readonly string[], outFile: string, timesFile: string): Sample {
  const out = openSync(outFile, 'w');
  try {
    const withTime = existsSync(TIME);
    const [cmd, argv] = withTime
      ? [TIME, ['-f', '%U %S', '-o', timesFile, process.execPath, ...args]]
      : [process.execPath, [...args]];
    const t0 = performance.now();
    const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: ['ignore', out, 'pipe'], maxBuffer: 2 ** 24 });
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
    let cpuMs: number | undefined;
    if (withTime) {
      const [user, sys] = readFileSync(timesFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      cpuMs = ((user ?? NaN) + (sys ?? NaN)) * 1000;
    }
    return { wallMs, cpuMs };
  } finally {
    closeSync(out);
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function summary(samples: readonly Sample[]): { wall: number; cpu: number | undefined } {
  const cpus = samples.map((s) => s.cpuMs).filter((c): c is number => c !== undefined);
  return { wall: median(samples.map((s) => s.wallMs)), cpu: cpus.length === samples.length ? median(cpus) : undefined };
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(3)} s`);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;

if (!process.argv.includes('--no-build')) {
  console.log('building (npm run build) …');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
}
const dir = mkdtempSync(join(tmpdir(), 's3lite-bench-cli-'));
try {
  const db = makeBenchDatabase(dir, MB);
  const cli = resolve(ROOT, argValue('cli') ?? 'bin/s3lite.js');
  const sqljs = resolve(ROOT, 'bench/sqljs-json-lines.mjs');
  const SELECT = 'SELECT * FROM t';
  const cases: ReadonlyArray<readonly [string, readonly string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['s3lite --help', [cli, '--help']],
    ['s3lite tables fixtures/sample.sqlite', [cli, 'tables', resolve(ROOT, 'fixtures/sample.sqlite')]],
    [`s3lite query DB '${SELECT}' --json`, [cli, 'query', db.path, SELECT, '--json']],
    ['s3lite rows DB t --json', [cli, 'rows', db.path, 't', '--json']],
    ['sql.js script, same SELECT to JSON Lines', [sqljs, db.path, SELECT]],
  ];
  const samples = cases.map(() => [] as Sample[]);
  const outputs = cases.map((_, i) => join(dir, `out-${i}.txt`));
  const times = join(dir, 'times.txt');
  // One warm-up round (file cache, compiled code on disk) that does not count.
  for (let rep = -1; rep < REPS; rep++) {
    cases.forEach(([, args], i) => {
      const s = run(args, outputs[i]!, times);
      if (rep >= 0) samples[i]!.push(s);
    });
  }
  const lines = (i: number): number => readFileSync(outputs[i]!, 'utf8').split('\n').length - 1;
  const [q, r, s] = [3, 4, 5].map(lines);
  if (q !== db.rows || r !== db.rows || s !== db.rows) throw new Error(`row counts differ: query ${q}, rows ${r}, sql.js ${s}, table ${db.rows}`);

  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`database: ${db.rows} rows, ${(statSync(db.path).size / 2 ** 20).toFixed(1)} MiB; median of ${REPS} alternated rounds; load average ${load}`);
  const stats = samples.map(summary);
  const base = stats[0]!;
  const sqljsStats = stats[5]!;
  console.log('| process | wall | user+sys CPU | vs node -e 0 (wall / CPU) | vs sql.js (wall / CPU) |');
  console.log('|---|---|---|---|---|');
  cases.forEach(([name], i) => {
    const st = stats[i]!;
    const vsNode = i === 1 || i === 2 ? `${ratio(st.wall, base.wall)} / ${ratio(st.cpu, base.cpu)}` : '';
    const vsSqljs = i === 3 || i === 4 ? `${ratio(st.wall, sqljsStats.wall)} / ${ratio(st.cpu, sqljsStats.cpu)}` : '';
    console.log(`| ${name} | ${fmt(st.wall)} | ${fmt(st.cpu)} | ${vsNode} | ${vsSqljs} |`);
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
