/**
 * Pass rates of SQLite's sqllogictest corpus on s3lite and on sql.js, per family:
 *
 *   npx tsx test/slt/report.ts DIR [--per-folder N] [--timeout S] [--file-budget S] [--only PATTERN] [--failures]
 *
 * DIR is the corpus's `test/` tree (select1–5.test, evidence/, index/…, random/…). Every
 * top-level script and everything under evidence/ runs; of each leaf folder under index/ and
 * random/ the N smallest non-empty scripts run (default 1). Each script runs in a child
 * process per engine; a record that runs longer than --timeout seconds (default 10) counts as
 * failed ("timeout") and the script resumes after it; when a script has used --file-budget
 * seconds (default 180) its remaining records count as failed ("not run: file budget").
 * Records are counted as the reference driver counts them: statements and queries that apply
 * to SQLite (skipif/onlyif), each once. --only keeps the scripts whose path under DIR starts
 * with one of its comma-separated prefixes (`--only select4,index/view`). --failures lists every
 * record that fails on s3lite but passes on sql.js (path:line and the failure), to classify them.
 */
import { fork } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineName } from './engines.js';
import type { WorkerJob, WorkerMessage } from './report-worker.js';
import { appliesTo, parseScript } from './script.js';

interface Outcome {
  readonly line: number;
  readonly pass: boolean;
  readonly detail: string;
}

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1] ?? fallback;
  args.splice(i, 2);
  return v;
};
const perFolder = Number(option('--per-folder', '1'));
const timeoutMs = Number(option('--timeout', '10')) * 1000;
const budgetMs = Number(option('--file-budget', '180')) * 1000;
const only = option('--only', '');
const flagAt = args.indexOf('--failures');
const listFailures = flagAt >= 0;
if (listFailures) args.splice(flagAt, 1);
const root = args[0];
if (root === undefined) {
  console.error('usage: npx tsx test/slt/report.ts DIR [--per-folder N] [--timeout S] [--file-budget S] [--only PATTERN] [--failures]');
  process.exit(2);
}

/** The scripts to run: top-level and evidence/ whole, the N smallest of each leaf folder elsewhere. */
function pickScripts(dir: string): string[] {
  const picked: string[] = [];
  const walk = (d: string, depth: number): void => {
    const entries = readdirSync(d).sort();
    const files = entries.filter((e) => e.endsWith('.test') && statSync(join(d, e)).size > 0).map((e) => join(d, e));
    const sampled = depth === 0 || relative(dir, d) === 'evidence';
    if (sampled) picked.push(...files);
    else picked.push(...files.sort((a, b) => statSync(a).size - statSync(b).size || a.localeCompare(b)).slice(0, perFolder));
    for (const e of entries) if (statSync(join(d, e)).isDirectory()) walk(join(d, e), depth + 1);
  };
  walk(dir, 0);
  return picked.filter((f) => only === '' || only.split(',').some((o) => relative(dir, f).startsWith(o)));
}

/** select1 … select5, evidence, index/between, random/expr, … */
function familyOf(file: string): string {
  const parts = relative(root!, file).split(sep);
  if (parts.length === 1) return parts[0]!.replace(/\.test$/, '');
  if (parts[0] === 'evidence') return 'evidence';
  return `${parts[0]}/${parts[1]}`;
}

const workerPath = fileURLToPath(new URL('./report-worker.ts', import.meta.url));

/** Runs one script on one engine in child processes, stopping records that run too long. */
async function runFile(file: string, engine: EngineName): Promise<{ outcomes: Outcome[]; ms: number }> {
  const applicable = parseScript(readFileSync(file, 'utf8')).filter(
    (r) => (r.kind === 'statement' || r.kind === 'query') && appliesTo(r, 'sqlite'),
  );
  const outcomes = new Map<number, Outcome>();
  const giveUp = new Map<number, string>();
  const started = Date.now();
  let resumeAt: number | undefined;
  let stopped = '';
  for (;;) {
    const result = await new Promise<{ kind: 'done' } | { kind: 'stuck'; line: number; record: string } | { kind: 'crashed'; line: number }>((resolve) => {
      const child = fork(workerPath, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      let current = { line: 0, kind: 'start-up' };
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (r: Parameters<typeof resolve>[0]): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve(r);
      };
      // Starting a child (tsx compiles the engine) is not a record: it gets two minutes of its own.
      const arm = (startUp = false): void => {
        clearTimeout(timer);
        const left = startUp ? 120_000 : Math.min(timeoutMs, budgetMs - (Date.now() - started));
        timer = setTimeout(() => settle({ kind: 'stuck', line: current.line, record: current.kind }), Math.max(left, 0));
      };
      child.on('message', (m: WorkerMessage) => {
        if (m.type === 'start') current = { line: m.line, kind: m.kind };
        else if (m.type === 'outcome') outcomes.set(m.line, m);
        else settle({ kind: 'done' });
        arm();
      });
      child.on('exit', () => settle({ kind: 'crashed', line: current.line }));
      const job: WorkerJob = { file, engine, giveUp: [...giveUp], ...(resumeAt !== undefined && { resumeAt }) };
      child.send(job);
      arm(true);
    });
    if (result.kind === 'done') break;
    if (Date.now() - started >= budgetMs) {
      stopped = `not run: file budget of ${budgetMs / 1000} s used`;
      break;
    }
    if (result.kind === 'crashed' || result.record === 'start-up') {
      stopped = result.kind === 'crashed' ? `not run: the engine's process died at line ${result.line}` : 'not run: the engine did not start within two minutes';
      break;
    }
    if (result.record !== 'query') {
      stopped = `not run: the statement at line ${result.line} ran over ${timeoutMs / 1000} s`;
      outcomes.set(result.line, { line: result.line, pass: false, detail: `timeout (${timeoutMs / 1000} s)` });
      break;
    }
    giveUp.set(result.line, `timeout (${timeoutMs / 1000} s)`);
    resumeAt = result.line;
  }
  const all = applicable.map((r) => outcomes.get(r.line) ?? { line: r.line, pass: false, detail: stopped || 'not run' });
  return { outcomes: all, ms: Date.now() - started };
}

/** A failure reason with its particulars (numbers, hashes, quoted values) blanked, for grouping. */
function cause(detail: string): string {
  return detail
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/no such (table|column|function): \S+/, 'no such $1: X')
    .replace(/\d+/g, 'N')
    .slice(0, 120);
}

interface Tally {
  passed: number;
  run: number;
  ms: number;
}
const families = new Map<string, Record<EngineName, Tally>>();
const causes: Record<EngineName, Map<string, number>> = { s3lite: new Map(), sqljs: new Map() };
const scripts = pickScripts(root);
console.log(`${scripts.length} scripts; record timeout ${timeoutMs / 1000} s, file budget ${budgetMs / 1000} s`);
for (const file of scripts) {
  const family = familyOf(file);
  const tally = families.get(family) ?? { s3lite: { passed: 0, run: 0, ms: 0 }, sqljs: { passed: 0, run: 0, ms: 0 } };
  families.set(family, tally);
  const line: string[] = [relative(root, file)];
  const sqljsPassed = new Set<number>();
  const ours: Outcome[] = [];
  for (const engine of ['sqljs', 's3lite'] as const) {
    const { outcomes, ms } = await runFile(file, engine);
    for (const o of outcomes) if (o.pass && engine === 'sqljs') sqljsPassed.add(o.line);
    if (engine === 's3lite') ours.push(...outcomes);
    const passed = outcomes.filter((o) => o.pass).length;
    tally[engine].passed += passed;
    tally[engine].run += outcomes.length;
    tally[engine].ms += ms;
    line.push(`${engine} ${passed}/${outcomes.length} (${(ms / 1000).toFixed(1)} s)`);
    for (const o of outcomes) if (!o.pass) causes[engine].set(cause(o.detail), (causes[engine].get(cause(o.detail)) ?? 0) + 1);
  }
  console.log(line.join('  '));
  if (listFailures) for (const o of ours) if (!o.pass && sqljsPassed.has(o.line)) console.log(`  FAIL ${relative(root, file)}:${o.line}  ${o.detail.slice(0, 300)}`);
}

const pct = (t: Tally): string => `${t.passed}/${t.run} ${((100 * t.passed) / Math.max(t.run, 1)).toFixed(1)}%`;
console.log('\nfamily | s3lite passed/run | sql.js passed/run | s3lite s | sql.js s');
const total = { s3lite: { passed: 0, run: 0, ms: 0 }, sqljs: { passed: 0, run: 0, ms: 0 } };
for (const [family, t] of families) {
  console.log(`${family} | ${pct(t.s3lite)} | ${pct(t.sqljs)} | ${(t.s3lite.ms / 1000).toFixed(1)} | ${(t.sqljs.ms / 1000).toFixed(1)}`);
  for (const e of ['s3lite', 'sqljs'] as const) {
    total[e].passed += t[e].passed;
    total[e].run += t[e].run;
    total[e].ms += t[e].ms;
  }
}
console.log(`all | ${pct(total.s3lite)} | ${pct(total.sqljs)} | ${(total.s3lite.ms / 1000).toFixed(1)} | ${(total.sqljs.ms / 1000).toFixed(1)}`);
for (const engine of ['s3lite', 'sqljs'] as const) {
  console.log(`\n${engine} failures by cause:`);
  for (const [c, n] of [...causes[engine]].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${String(n).padStart(7)}  ${c}`);
}
