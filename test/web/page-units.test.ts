/**
 * The inspector page's own pieces, in Node: the Blob-backed VfsFile (reads exactly the slices asked
 * for, flags short reads, refuses writes) and the value forms that must stay the CLI's — JSON Lines
 * values, table-mode display and plan drawing, checked against src/cli's functions on random input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawPlan as cliDrawPlan } from '../../src/cli/commands/query.js';
import { displayValue as cliDisplay, jsonValue as cliJson } from '../../src/cli/output.js';
import { Database, isShortRead, type SqlValue, type StorageClass } from '../../src/index.js';
import { BlobFile } from '../../web/src/blob-file.js';
import { drawPlan, displayValue, jsonValue } from '../../web/src/values.js';
import { readFileSync } from 'node:fs';

const value = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v): [SqlValue, StorageClass] => [v, 'integer']),
  fc.integer().map((v): [SqlValue, StorageClass] => [v, 'integer']),
  fc.double().map((v): [SqlValue, StorageClass] => [v, 'real']),
  fc.string({ maxLength: 40 }).map((v): [SqlValue, StorageClass] => [v, 'text']),
  fc.uint8Array({ maxLength: 40 }).map((v): [SqlValue, StorageClass] => [v, 'blob']),
).map((v) => (v === null ? ([null, 'null'] as [SqlValue, StorageClass]) : v));

describe('the page prints values as the CLI does', () => {
  it('JSON Lines values equal the CLI’s', () => {
    fc.assert(fc.property(value, ([v, cls]) => jsonValue(v, cls) === cliJson(v, cls)));
  });

  it('cells show the CLI’s table text (cut only when long)', () => {
    fc.assert(
      fc.property(value, ([v, cls]) => {
        const { text, full } = displayValue(v, cls);
        const cli = cliDisplay(v, cls);
        if (v === null) return text === 'NULL';
        if (v instanceof Uint8Array) return full === cli && (v.length > 48 || text === cli);
        return full === cli && (text === cli || (typeof v === 'string' && text === `${v.slice(0, 300)}…`));
      }),
    );
  });

  it('plans are drawn as `s3lite plan` draws them', () => {
    // Random trees as plan() gives them: each line indented two spaces per level, a child at most one level deeper.
    const tree = fc.array(fc.tuple(fc.nat(3), fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() === s && s !== '')), { minLength: 1, maxLength: 12 }).map((items) => {
      let depth = 0;
      return items.map(([step, text], i) => {
        depth = i === 0 ? 0 : Math.min(depth + 1, step);
        return `${'  '.repeat(depth)}${text}`;
      });
    });
    fc.assert(
      fc.property(tree, (lines) => {
        const cli = cliDrawPlan(lines.map((l) => ({ depth: (l.length - l.trimStart().length) / 2, text: l.trimStart() })));
        return drawPlan(lines) === cli.join('\n');
      }),
    );
  });
});

describe('BlobFile: a database file read in place through Blob.slice', () => {
  const bytes = new Uint8Array(readFileSync('fixtures/sample.sqlite'));

  it('reads exactly the bytes asked for, and flags a read past the end as short (zero-filled)', async () => {
    const file = new BlobFile(new Blob([bytes]), 'sample.sqlite');
    expect(await file.xFileSize()).toBe(bytes.length);
    expect(await file.xRead(100, 4096)).toEqual(bytes.subarray(4096, 4196));
    const tail = await file.xRead(200, bytes.length - 50);
    expect(isShortRead(tail)).toBe(true);
    expect(tail.subarray(0, 50)).toEqual(bytes.subarray(bytes.length - 50));
    expect(tail.subarray(50).every((b) => b === 0)).toBe(true);
    expect(isShortRead(await file.xRead(10, 0))).toBe(false);
    expect(file.bytesRead).toBe(100 + 50 + 10);
  });

  it('opens a database read-only, reading only some of it, and refuses writes', async () => {
    const file = new BlobFile(new Blob([bytes]), 'sample.sqlite');
    const db = await Database.open(file);
    try {
      expect((await db.query('SELECT count(*) AS n FROM tags'))[0]).toEqual({ n: 5 });
      expect(file.bytesRead).toBeLessThan(bytes.length / 4);
      await expect(file.xWrite(new Uint8Array(1), 0)).rejects.toMatchObject({ code: 'SQLITE_READONLY' });
    } finally {
      await db.close();
    }
  });

  it('stops when its guard throws (the page’s Cancel)', async () => {
    let cancelled = false;
    const file = new BlobFile(new Blob([bytes]), 'sample.sqlite', () => {
      if (cancelled) throw Object.assign(new Error('interrupted'), { code: 'SQLITE_INTERRUPT' });
    });
    await file.xRead(10, 0);
    cancelled = true;
    await expect(file.xRead(10, 0)).rejects.toMatchObject({ code: 'SQLITE_INTERRUPT' });
  });
});
