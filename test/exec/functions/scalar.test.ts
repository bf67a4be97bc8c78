/**
 * Focused differential tests against SQLite (sql.js) for the functions with the most corner
 * cases: substr (negative and zero positions/lengths, text vs blob), round (halves, digits),
 * LIKE/GLOB (wildcards, sets, ESCAPE, case), trim/instr/replace with unicode.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runWithPython } from '../../support/python-sqlite.js';
import { ours, sameOutcome, show, theirs } from '../expr/oracle.js';

async function agree(sql: string): Promise<void> {
  const a = ours(sql);
  const b = await theirs(sql);
  if (!sameOutcome(a, b)) throw new Error(`${sql}\n  ours:   ${show(a)}\n  sqlite: ${show(b)}`);
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

describe('scalar functions agree with SQLite', () => {
  it('substr over text and blobs with any start and length', async () => {
    const subject = fc.constantFrom("'hello'", "'héllo wörld'", "''", "x'0102030405'", '12345', "'a'", '1.5');
    const pos = fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constantFrom(-9223372036854775808n, 9223372036854775807n, 2147483648n));
    await fc.assert(
      fc.asyncProperty(subject, pos, fc.option(pos, { nil: undefined }), async (s, p, n) => {
        const arg = (v: number | bigint) => (v < 0 ? `(${v})` : `${v}`);
        await agree(n === undefined ? `substr(${s}, ${arg(p)})` : `substr(${s}, ${arg(p)}, ${arg(n)})`);
      }),
      { numRuns: 600 },
    );
  });

  it('round with and without digits', async () => {
    const x = fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.integer({ min: -100000, max: 100000 }).map((i) => i / 1000 + 0.0005),
      fc.constantFrom(0.5, 1.5, 2.5, -0.5, -2.5, 2.675, 1.005, 0.49999999999999994, 4503599627370497, 1e300, -0),
    );
    await fc.assert(
      fc.asyncProperty(x, fc.option(fc.integer({ min: -2, max: 35 }), { nil: undefined }), async (v, n) => {
        const lit = Object.is(v, -0) ? '(-0.0)' : v < 0 ? `(${v.toExponential(17)})` : v.toExponential(17);
        await agree(n === undefined ? `round(${lit})` : `round(${lit}, ${n < 0 ? `(${n})` : n})`);
      }),
      { numRuns: 600 },
    );
  });

  it('LIKE and GLOB with random patterns', async () => {
    const alphabet = ['a', 'b', 'A', 'é', 'É', '%', '_', '*', '?', '[', ']', '^', '-', '\\', 'x'];
    const str = fc.array(fc.constantFrom(...alphabet), { maxLength: 6 }).map((a) => a.join(''));
    await fc.assert(
      fc.asyncProperty(str, str, fc.constantFrom('LIKE', 'GLOB', 'LIKE-ESC', 'GLOB-ESC'), async (s, p, op) => {
        if (op.endsWith('-ESC')) await agree(`${quote(s)} ${op.slice(0, -4)} ${quote(p)} ESCAPE '\\'`);
        else await agree(`${quote(s)} ${op} ${quote(p)}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('trim, instr, replace, upper, lower, length, hex, unicode over unicode text', async () => {
    const alphabet = ['a', 'B', ' ', 'é', 'ß', '😀', 'x', 'y'];
    const str = fc.array(fc.constantFrom(...alphabet), { maxLength: 6 }).map((a) => quote(a.join('')));
    await fc.assert(
      fc.asyncProperty(str, str, str, fc.constantFrom('trim', 'ltrim', 'rtrim', 'instr', 'replace', 'upper', 'lower', 'length', 'hex', 'unicode', 'quote', 'octet_length'), async (a, b, c, f) => {
        if (f === 'replace') await agree(`replace(${a}, ${b}, ${c})`);
        else if (f === 'trim' || f === 'ltrim' || f === 'rtrim' || f === 'instr') await agree(`${f}(${a}, ${b})`);
        else await agree(`${f}(${a})`);
      }),
      { numRuns: 800 },
    );
  });
});

describe('sign() agrees with the sqlite3 shell', () => {
  // sql.js replaces sign() with an old extension function, so the shell is the oracle here.
  it('numbers, numeric text, other text, blobs and NULL', () => {
    const args = ['5', '-3', '0', '0.0', '-0.5', '1e300', "'12'", "' -4 '", "'abc'", "'3x'", "x'31'", 'NULL', '9223372036854775807'];
    const sql = `SELECT ${args.map((a) => `quote(sign(${a}))`).join(" || '|' || ")};`;
    const shell = execFileSync('sqlite3', [':memory:'], { input: sql, encoding: 'utf8' }).trim();
    const mine = args
      .map((a) => {
        const o = ours(`quote(sign(${a}))`);
        return o.ok ? String(o.value) : `error ${o.error}`;
      })
      .join('|');
    expect(mine).toBe(shell);
  });
});

describe('math functions agree with the sqlite3 shell', () => {
  // sql.js swaps several math functions for an old extension's, so the shell is the oracle here.
  it('on integers, reals, numeric text, other text, blobs and NULL', () => {
    const calls = [
      'sqrt(4)', 'sqrt(-1)', "sqrt('abc')", "sqrt('4')", 'pi()', 'ceil(1.2)', 'ceil(1)', 'ceiling(-0.5)', 'floor(-1.5)', "floor('2.5')",
      'trunc(-1.7)', 'trunc(5)', 'log(100)', 'log(2, 8)', 'log(1, 8)', 'log(0)', 'log(-2, 8)', 'log(0.5, 8)', 'ln(1)', 'ln(2.718281828459045)', 'log10(1000)',
      'log2(8)', 'exp(1)', 'pow(2, 10)', 'power(2, 0.5)', "pow('2', 3)", 'pow(2, NULL)', 'mod(7, 3)', 'mod(7.5, 2)', 'mod(1, 0)', 'mod(-7, 3)',
      'atan2(1, 1)', 'degrees(pi())', 'radians(180)', 'sin(0)', 'cos(0)', 'tan(0)', 'acos(2)', 'asin(1)', 'atan(1)', 'sinh(1)', 'cosh(0)',
      'tanh(1)', "ceil(x'31')", 'floor(NULL)', 'acosh(1)', 'asinh(0)', 'atanh(0.5)',
    ];
    const render = (c: string) => `coalesce(printf('%.12g', ${c}), 'NULL') || ':' || typeof(${c})`;
    const shell = execFileSync('sqlite3', [':memory:'], { input: `SELECT ${calls.map(render).join(" || '|' || ")};`, encoding: 'utf8' }).trim();
    const mine = calls
      .map((c) => {
        const o = ours(render(c));
        return o.ok ? String(o.value) : `error ${o.error}`;
      })
      .join('|');
    expect(mine.split('|')).toEqual(shell.split('|'));
  });

  it('build facts: compile options list what this engine has; load_extension is refused as SQLite refuses it when extension loading is off', () => {
    // The options are this engine's, so the expected values are its own: R*Tree is built in.
    expect(ours("sqlite_compileoption_get(0)")).toMatchObject({ ok: true, value: 'ENABLE_RTREE' });
    expect(ours('sqlite_compileoption_get(1)')).toMatchObject({ ok: true, value: null });
    expect(ours("sqlite_compileoption_used('SQLITE_ENABLE_RTREE')")).toMatchObject({ ok: true, value: 1n });
    expect(ours("sqlite_compileoption_used('enable_rtree')")).toMatchObject({ ok: true, value: 1n });
    expect(ours("sqlite_compileoption_used('ENABLE_FTS5')")).toMatchObject({ ok: true, value: 0n });
    expect(ours('typeof(sqlite_source_id())')).toMatchObject({ ok: true, value: 'text' });
    // Python's sqlite3 module keeps extension loading off: SQLite's own answer.
    const [python] = runWithPython(["SELECT load_extension('nope')"]);
    expect(python).toMatchObject({ ok: false });
    const mine = ours("load_extension('nope')");
    expect(mine.ok).toBe(false);
    expect(!mine.ok && python !== undefined && !python.ok && mine.error === python.message).toBe(true);
  });
});
