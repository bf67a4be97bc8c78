/** Runs one script through sqlite3 and through `s3lite shell`, and compares what they did. */
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { integrityCheck, sqlite3 } from '../support/sqlite3.js';
import { runCli } from './support.js';

/** A script, or one per side when it names files the shells write (each writes its own). */
export type Script = string | ((side: 'ref' | 'mine') => string);

let files = 0;

/** Runs `script` through sqlite3 and through s3lite shell, each on its own copy of `seed`. */
export function runBoth(dir: string, seed: string | undefined, script: Script) {
  const n = files++;
  const ref = join(dir, `ref-${n}.sqlite`);
  const mine = join(dir, `mine-${n}.sqlite`);
  if (seed !== undefined) {
    copyFileSync(seed, ref);
    copyFileSync(seed, mine);
  } else {
    sqlite3(ref, 'CREATE TABLE seed(x);');
    copyFileSync(ref, mine);
  }
  const input = (side: 'ref' | 'mine'): Uint8Array => new TextEncoder().encode(typeof script === 'string' ? script : script(side));
  const r = spawnSync('sqlite3', [ref], { input: input('ref'), maxBuffer: 64 * 2 ** 20 });
  const m = runCli(['shell', mine], { input: input('mine') });
  return {
    ref: { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() },
    mine: m,
    dumps: () => [sqlite3(mine, '.dump'), sqlite3(ref, '.dump')] as const,
    mineFile: mine,
  };
}

/** The same standard output, standard error, exit status and resulting database (.dump). */
export function expectSame(run: ReturnType<typeof runBoth>): void {
  expect(run.mine.stderr).toBe(run.ref.stderr);
  expect(run.mine.stdout.toString('latin1')).toBe(run.ref.stdout.toString('latin1'));
  expect(run.mine.status).toBe(run.ref.status);
  const [mine, ref] = run.dumps();
  expect(mine).toBe(ref);
  expect(integrityCheck(run.mineFile)).toBe('ok');
}
