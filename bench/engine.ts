/**
 * The library the in-process CPU benchmarks time: the BUILT one (dist/, compiled by tsc — what a
 * user's `import { Database } from 's3lite'` runs), rebuilt first by `npm run build`; `--src`
 * times the TypeScript sources through tsx instead, and `--no-build` skips the build.
 *
 * Why not the sources: tsx compiles them with esbuild's keepNames, which wraps every function
 * and closure created at run time in a `__name(fn, "…")` call (an Object.defineProperty): on the
 * insert path, which makes a few closures per statement, that was a third of the measured time
 * (bulk insert, 100,000 rows), none of which exists in the built library.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database as DatabaseClass } from '../src/api/database.js';
import type { MemoryObjectStore as MemoryObjectStoreClass } from '../src/store/memory-store.js';

export interface Engine {
  readonly Database: typeof DatabaseClass;
  readonly MemoryObjectStore: typeof MemoryObjectStoreClass;
  /** 'dist' or 'src (tsx)': say which in the output. */
  readonly label: string;
}

let loaded: Promise<Engine> | undefined;

export function loadEngine(): Promise<Engine> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<Engine> {
  if (process.argv.includes('--src')) {
    const [{ Database }, { MemoryObjectStore }] = await Promise.all([import('../src/api/database.js'), import('../src/store/memory-store.js')]);
    return { Database, MemoryObjectStore, label: 'src (tsx)' };
  }
  if (!process.argv.includes('--no-build')) {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'inherit' });
  }
  // Computed specifiers: dist/ need not exist when the sources are type-checked.
  const dist = (file: string): string => new URL(`../dist/${file}`, import.meta.url).href;
  const [{ Database }, { MemoryObjectStore }] = (await Promise.all([import(dist('api/database.js')), import(dist('store/memory-store.js'))])) as [
    { Database: typeof DatabaseClass },
    { MemoryObjectStore: typeof MemoryObjectStoreClass },
  ];
  return { Database, MemoryObjectStore, label: 'dist' };
}
