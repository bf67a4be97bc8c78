/**
 * Date and time functions against SQLite (sql.js): fixed corner cases and random moments with
 * random modifier chains. 'now' is never used (CURRENT_* is checked against the statement's
 * fixed EvalContext.now instead).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ctx, FIXED_NOW, ours, sameOutcome, show, theirs } from '../expr/oracle.js';

// 'localtime' and 'utc' are left out: they depend on the machine's time zone in SQLite
// (this engine treats both as no-ops, see datetime.ts).
const MODIFIERS = [
  "'+1 day'", "'-3 days'", "'+1.5 days'", "'+5 hours'", "'-90 minutes'", "'+3600 seconds'", "'+0.25 seconds'", "'+1 month'",
  "'-1 month'", "'+13 months'", "'+1 year'", "'-2 years'", "'start of month'", "'start of year'", "'start of day'", "'weekday 0'",
  "'weekday 3'", "'weekday 6'", "'+02:30'", "'-01:15:30'", "'+1.75 hours'", "'-0.5 months'", "'bogus'", "'subsec'",
  // SQLite ≥ 3.43/3.46: year-month-day offsets, and floor/ceiling after month arithmetic.
  "'+0001-01-00'", "'-0000-01-30'", "'+0000-11-00 12:30'", "'-0002-00-05 01:02:03.5'", "'+00001-02-03'", "'+0000-12-00'", "'floor'", "'ceiling'",
];
const FORMATS = ["'%Y-%m-%d'", "'%H:%M:%S'", "'%j'", "'%w'", "'%W'", "'%U'", "'%s'", "'%f'", "'%J'", "'%d/%m %% %u'", "'%e|%k|%l|%I|%p|%P'", "'%F %T %R'"];
const FUNCS = ['date', 'time', 'datetime', 'julianday', 'unixepoch'];

describe('date and time functions agree with SQLite', () => {
  it('random moments with random modifiers', async () => {
    const moment = fc.oneof(
      fc.integer({ min: 0, max: 253402300799 }).map((s) => `'${new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ')}'`),
      fc.integer({ min: -100000000, max: 4000000000 }).map((s) => `${s}, 'unixepoch'`),
      fc.double({ min: 1000000, max: 5373484, noNaN: true }).map((d) => `${d}`),
      fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 999 })).map(
        ([h, m, ms]) => `'${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:07.${String(ms).padStart(3, '0')}'`,
      ),
      fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 })).map(
        ([y, m, d]) => `'${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T23:59:59.999Z'`,
      ),
    );
    const call = fc.oneof(
      fc.tuple(fc.constantFrom(...FUNCS), moment, fc.array(fc.constantFrom(...MODIFIERS), { maxLength: 3 })).map(
        ([f, m, mods]) => `${f}(${[m, ...mods].join(', ')})`,
      ),
      fc.tuple(fc.constantFrom(...FORMATS), moment, fc.array(fc.constantFrom(...MODIFIERS), { maxLength: 2 })).map(
        ([f, m, mods]) => `strftime(${[f, m, ...mods].join(', ')})`,
      ),
    );
    const diff = fc.tuple(moment, moment).map(([a, b]) => `timediff(${a.replace(/, 'unixepoch'$/, '')}, ${b.replace(/, 'unixepoch'$/, '')})`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(call, diff), async (sql) => {
        const a = ours(sql);
        const b = await theirs(sql);
        if (!sameOutcome(a, b)) throw new Error(`${sql}\n  ours:   ${show(a)}\n  sqlite: ${show(b)}`);
      }),
      { numRuns: 1500 },
    );
  }, 60_000);

  it('CURRENT_DATE / CURRENT_TIME / CURRENT_TIMESTAMP and date() without arguments use the statement time', () => {
    // FIXED_NOW is 2024-02-29T13:45:30.250Z
    expect(ours('CURRENT_DATE')).toEqual({ ok: true, value: '2024-02-29', cls: 'text' });
    expect(ours('CURRENT_TIME')).toEqual({ ok: true, value: '13:45:30', cls: 'text' });
    expect(ours('CURRENT_TIMESTAMP')).toEqual({ ok: true, value: '2024-02-29 13:45:30', cls: 'text' });
    expect(ours("datetime('now', '+1 day')")).toEqual({ ok: true, value: '2024-03-01 13:45:30', cls: 'text' });
    expect(ours('unixepoch()')).toEqual({ ok: true, value: BigInt(Math.floor(FIXED_NOW.getTime() / 1000)), cls: 'integer' });
    expect(ours("strftime('%f')", undefined, [], ctx())).toEqual({ ok: true, value: '30.250', cls: 'text' });
  });
});
