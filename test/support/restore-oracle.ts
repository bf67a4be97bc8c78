/**
 * The oracle for `import --replace`: what SQLite's own backup API makes of replacing database
 * `old` by `src` (`sqlite3 DEST ".restore SRC"` on a copy of `old`). A replace must leave exactly
 * these bytes, but for offset 96..99, where every writer stores its own SQLITE_VERSION_NUMBER
 * (sqlite3's here, s3lite's in ours): the oracle's bytes there are set to s3lite's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SQLITE_VERSION_NUMBER } from '../../src/pager/pager.js';
import { sqlite3, tempDir } from './sqlite3.js';

export function restoredBySqlite(old: Uint8Array, src: Uint8Array): Uint8Array {
  const { dir, cleanup } = tempDir('s3lite-restore');
  try {
    const dest = join(dir, 'dest.db');
    const from = join(dir, 'src.db');
    writeFileSync(dest, old);
    writeFileSync(from, src);
    sqlite3(dest, `.restore ${from}`);
    const out = new Uint8Array(readFileSync(dest));
    new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(96, SQLITE_VERSION_NUMBER);
    return out;
  } finally {
    cleanup();
  }
}
