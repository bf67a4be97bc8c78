/**
 * The published package: `import { Database } from 's3lite'` works from the built files, and
 * the main entry point's static import graph never touches a `node:` module (so it loads in
 * browsers and edge workers; Node-only pieces are behind dynamic imports or `s3lite/node`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);

/** Every module reachable from `entry` through static imports/exports (not `import()`). */
function staticGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (graph.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    graph.set(file, specifiers);
    for (const s of specifiers) {
      if (s.startsWith('.')) {
        const target = resolve(dirname(file), s);
        if (existsSync(target)) visit(target);
      }
    }
  };
  visit(entry);
  return graph;
}

describe('package entry points', () => {
  it('import { Database } from "s3lite" reads a database', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { Database } from 's3lite';
         const db = await Database.open('fixtures/sample.sqlite');
         const rows = [];
         for await (const r of db.rows('tags')) rows.push(r);
         console.log(JSON.stringify({ tables: (await db.tables()).length, rows }));
         await db.close();`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const result = JSON.parse(out) as { tables: number; rows: unknown[] };
    expect(result.tables).toBe(8);
    expect(result.rows).toEqual([['Delta', 12], ['alpha', 3], ['beta', 7], ['gamma', 0], ['épsilon', 1]]);
  });

  it('the main entry point statically imports no node: module', () => {
    const graph = staticGraph(resolve(ROOT, 'dist/index.js'));
    expect(graph.size).toBeGreaterThan(20);
    const offenders = [...graph].flatMap(([file, specs]) =>
      specs.filter((s) => s.startsWith('node:') || ['fs', 'path', 'os', 'stream', 'crypto'].includes(s)).map((s) => `${file} → ${s}`),
    );
    expect(offenders).toEqual([]);
  });
});
