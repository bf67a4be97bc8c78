/**
 * A sample of SQLite's own sqllogictest corpus (fixtures/sqllogictest/, see its README) run
 * against s3lite through the public API and against sql.js as the control. Every record that
 * fails is listed, with its reason, in expected-failures.ts; the test asserts the list exactly:
 * a new failure fails the test, and so does a listed record that now passes (remove it).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openEngine, type EngineName } from './engines.js';
import { EXPECTED_FAILURES, GAPS, type GapName } from './expected-failures.js';
import { SAMPLE } from './make-sample.js';
import { runScript, type RecordOutcome } from './runner.js';

const fixture = (path: string): string => readFileSync(new URL(`../../fixtures/sqllogictest/${path}`, import.meta.url), 'utf8');

/** What differs between the failures seen and the failures listed, one line each ([] when none). */
function differences(engine: EngineName, path: string, outcomes: readonly RecordOutcome[]): string[] {
  const listed = new Map<number, GapName>();
  for (const [gap, lines] of Object.entries(EXPECTED_FAILURES[engine][path] ?? {}) as Array<[GapName, readonly number[]]>) {
    for (const line of lines) listed.set(line, gap);
  }
  const out: string[] = [];
  const seen = new Set<number>();
  for (const o of outcomes) {
    seen.add(o.line);
    const gap = listed.get(o.line);
    if (o.pass && gap !== undefined) out.push(`${path}:${o.line} passes now: remove it from '${gap}' in test/slt/expected-failures.ts`);
    if (!o.pass && gap === undefined) out.push(`${path}:${o.line} fails: ${o.detail}`);
    if (!o.pass && gap !== undefined && !GAPS[gap].detail.test(o.detail)) out.push(`${path}:${o.line} fails otherwise than '${gap}' says: ${o.detail}`);
  }
  for (const [line, gap] of listed) if (!seen.has(line)) out.push(`${path}:${line} is listed under '${gap}' but is no record that runs`);
  return out;
}

for (const engine of ['sqljs', 's3lite'] as const) {
  describe(`sqllogictest sample on ${engine}`, () => {
    for (const [path] of SAMPLE) {
      it(path, async () => {
        const db = await openEngine(engine);
        try {
          const outcomes = await runScript(fixture(path), db);
          expect(outcomes.length).toBeGreaterThan(0);
          expect(differences(engine, path, outcomes)).toEqual([]);
        } finally {
          await db.close();
        }
      });
    }
  });
}

it('lists only files of the sample', () => {
  const paths = new Set(SAMPLE.map(([p]) => p));
  for (const engine of ['sqljs', 's3lite'] as const) {
    for (const path of Object.keys(EXPECTED_FAILURES[engine])) expect(paths.has(path), path).toBe(true);
  }
});
