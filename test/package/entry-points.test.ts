/**
 * The published package: `import { Database } from 's3lite'` works from the built files, and
 * the main entry point's static import graph never touches a `node:` module (so it loads in
 * browsers and edge workers; Node-only pieces are behind dynamic imports or `s3lite/node`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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

/** The built command (`bin/s3lite.js`, the bundle of scripts/bundle-cli.mjs). */
function builtCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/s3lite.js', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The command run from source through tsx, as test/cli runs it. */
function sourceCli(args: readonly string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('the built s3lite command', () => {
  it('loads no command, engine or AWS SDK module statically: each action imports its own', () => {
    // The source's start-up graph (run from source through tsx as the tests run it): main.js
    // and what it statically reaches (start-up, issue 15).
    const graph = staticGraph(resolve(ROOT, 'dist/cli/run.js'));
    const specs = [...graph].flatMap(([file, s]) => s.map((spec) => `${file} → ${spec}`));
    expect(specs.filter((s) => /@aws-sdk|cli-table3|cli-progress/.test(s))).toEqual([]);
    expect([...graph.keys()].filter((f) => /[\\/](commands|exec|sql|btree|pager|store|vfs)[\\/]|[\\/]api[\\/](?!location\.js)/.test(f))).toEqual([]);
  });

  it('the built command loads a package only when it is used (no AWS SDK for a local file)', () => {
    const loaded = (args: readonly string[], succeeds = true): string[] => {
      const dir = mkdtempSync(join(tmpdir(), 's3lite-modules-'));
      try {
        const list = join(dir, 'modules.txt');
        const r = spawnSync(process.execPath, ['--require', resolve(ROOT, 'test/support/record-modules.cjs'), 'bin/s3lite.js', ...args], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, S3LITE_TEST_MODULES: list },
        });
        if (succeeds) {
          expect(r.stderr).toBe('');
          expect(r.status).toBe(0);
        } else expect(r.status).toBe(1);
        return readFileSync(list, 'utf8').split('\n');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const packages = (files: string[]): string[] => [...new Set(files.flatMap((f) => /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(f)?.[1] ?? []))].sort();
    expect(packages(loaded(['--help']))).toEqual([]);
    expect(packages(loaded(['query', 'fixtures/sample.sqlite', 'SELECT * FROM tags', '--json']))).toEqual([]);
    // The table format lays out its cells with cli-table3 (and what it requires); still no AWS SDK.
    const tables = packages(loaded(['tables', 'fixtures/sample.sqlite']));
    expect(tables).toContain('cli-table3');
    expect(tables.filter((p) => /@aws-sdk|@smithy|cli-progress/.test(p))).toEqual([]);
    // An S3 location loads the SDK (the check above would pass on a command that loads nothing).
    const s3 = loaded(['query', 's3://no-such-bucket/db', 'SELECT 1', '--endpoint', 'http://127.0.0.1:9'], false);
    expect(packages(s3)).toContain('@aws-sdk/client-s3');
  });

  it('the built command compiles with the code cache its build made (bin/s3lite.js)', () => {
    // In a plain `node` process, as the command runs (V8 refuses a cache made under other flags).
    const script = `
      const bin = require('./bin/s3lite.js');
      const { writeFileSync, readFileSync } = require('node:fs');
      const out = {};
      for (const command of ['query', 'rows', 'tables', 'default', 'pages']) {
        const l = bin.loadCli(command);
        out[command] = { id: l.id, rejected: l.cacheRejected };
      }
      const id = out.query.id;
      const data = (file) => bin.readCache(file, id) === undefined ? 'none' : 'used';
      out.own = data(bin.cacheFile('query'));
      out.otherBuild = bin.readCache(bin.cacheFile('query'), '0'.repeat(32)) === undefined ? 'none' : 'used';
      const short = process.argv[1] + '/short.cache';
      writeFileSync(short, readFileSync(bin.cacheFile('query')).subarray(0, 40));
      out.short = data(short);
      out.missing = data(process.argv[1] + '/missing.cache');
      console.log(JSON.stringify(out));`;
    const dir = mkdtempSync(join(tmpdir(), 's3lite-cache-'));
    try {
      const out = JSON.parse(execFileSync(process.execPath, ['-e', script, dir], { cwd: ROOT, encoding: 'utf8' })) as Record<string, unknown>;
      for (const command of ['query', 'rows', 'tables', 'default', 'pages']) {
        // V8 took it (same V8, same flags, same source length); 'pages' has none of its own: the default one.
        expect(out[command]).toEqual({ id: expect.stringMatching(/^[0-9a-f]{32}$/), rejected: false });
      }
      // Another build's cache (another id), a cache cut short of its header, none at all: not used.
      expect([out.own, out.otherBuild, out.short, out.missing]).toEqual(['used', 'none', 'none', 'none']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints --help with every command and option', () => {
    const r = builtCli(['--help']);
    expect(r.status).toBe(0);
    for (const command of ['import', 'export', 'info', 'schema', 'tables', 'rows', 'pages', 'query', 'plan', 'shell', 'exec', 'check', 'create']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    const query = builtCli(['query', '--help']);
    expect(query.stdout).toContain('--json');
    expect(query.stdout).toContain('--endpoint <url>');
    expect(query.stdout).toContain('-p, --param <value>');
  });

  it('prints what the source CLI prints (tables, rows --json, query --csv)', () => {
    for (const args of [
      ['tables', 'fixtures/sample.sqlite'],
      ['rows', 'fixtures/sample.sqlite', 'tags', '--json'],
      ['query', 'fixtures/sample.sqlite', 'SELECT * FROM customers ORDER BY 1 DESC LIMIT 20', '--csv'],
    ]) {
      const built = builtCli(args);
      expect(built.stderr).toBe('');
      expect(built.status).toBe(0);
      expect(built.stdout).toBe(sourceCli(args));
    }
  });

  it('imports into a block directory and exports back byte for byte (Node-only modules bundled)', () => {
    const dir = mkdtempSync(join(tmpdir(), 's3lite-bundle-'));
    try {
      expect(builtCli(['import', '-q', 'fixtures/sample.sqlite', join(dir, 'blocks') + '/']).status).toBe(0);
      expect(builtCli(['export', '-q', join(dir, 'blocks') + '/', join(dir, 'out.sqlite')]).status).toBe(0);
      expect(Buffer.compare(readFileSync(join(dir, 'out.sqlite')), readFileSync(resolve(ROOT, 'fixtures/sample.sqlite')))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports errors with their SQLite codes (one copy of the error classes in the bundle)', () => {
    const r = builtCli(['tables', 'fixtures/no-such-file.sqlite']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^SQLITE_CANTOPEN: /);
  });
});
