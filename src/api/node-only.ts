/**
 * The Node-only modules — the block directory store, the plain-file VFS and the directory probe
 * — loaded on demand when a local path is opened; and the S3 store's fenced HTTP agents, loaded
 * with its first request in Node.
 *
 * Why the specifier is computed: bundlers follow every `import('literal')`, even one a browser
 * never reaches, and then fail on (esbuild, webpack) or stub (Vite) the `node:*` modules inside.
 * A computed specifier is left alone, so the public entry bundles for browsers and edge workers
 * with no Node built-in in it (test/web/edge-bundle.test.ts). Node, tsx and vitest resolve it
 * relative to this file as they would the literal. Where it cannot load (a browser, a worker),
 * opening a local path is a CantOpenError that says so.
 */
import { CantOpenError } from '../errors.js';

type DirectoryStoreModule = typeof import('../store/directory-store.js');
type PlainFileVfsModule = typeof import('../vfs/plain-file-vfs.js');
type DirectoryProbeModule = typeof import('../store/directory-probe.js');
type FencedHttpModule = typeof import('../store/fenced-http.js');

export const loadDirectoryStore = (): Promise<DirectoryStoreModule> => load('../store/directory-store.js');
export const loadPlainFileVfs = (): Promise<PlainFileVfsModule> => load('../vfs/plain-file-vfs.js');
export const loadDirectoryProbe = (): Promise<DirectoryProbeModule> => load('../store/directory-probe.js');
export const loadFencedHttp = (): Promise<FencedHttpModule> => load('../store/fenced-http.js');

async function load<T>(specifier: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T;
  } catch (err) {
    const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
    if (typeof proc?.versions?.node === 'string') throw err;
    throw new CantOpenError('local files and block directories can only be opened in Node.js', { cause: err });
  }
}
