/**
 * `VACUUM INTO 'target'`: the compact copy (exec/vacuum/vacuum-image.ts) written as a new
 * database at a location, by the location rules every command uses (README "Locations"): a
 * local path is one plain SQLite file; a directory, a path ending in `/` or `s3://bucket/k` is a
 * block database (`k/0000000000`, … — what `create` and `import` make). A target that already
 * holds something fails as in SQLite: "output file already exists", nothing written.
 */
import { CantOpenError, SqliteError } from '../errors.js';
import { BlockStore } from '../store/block-store.js';
import { deserialize } from '../transfer/deserialize.js';
import { OpenFlags } from '../vfs/vfs.js';
import { parseLocation } from './location.js';
import { loadDirectoryProbe, loadPlainFileVfs } from './node-only.js';
import { objectStoreFor } from './open-location.js';
import type { StoreOptions } from './store-options.js';

const EXISTS = 'output file already exists';

export async function writeVacuumInto(spec: string, image: Uint8Array, options: StoreOptions = {}): Promise<void> {
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec) && spec !== '-';
  const isDirectory = local && !spec.endsWith('/') && spec !== '' ? await (await loadDirectoryProbe()).isExistingDirectory(spec) : false;
  const location = parseLocation(spec, () => isDirectory);
  switch (location.kind) {
    case 'file': {
      const { PlainFileVfs } = await loadPlainFileVfs();
      const file = await new PlainFileVfs().xOpen(location.path, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_CREATE);
      try {
        if ((await file.xFileSize()) > 0) throw new SqliteError('SQLITE_ERROR', EXISTS);
        await file.xWrite(image, 0);
        await file.xSync(0x02);
      } finally {
        await file.xClose();
      }
      return;
    }
    case 'block-directory':
    case 's3': {
      const { objects, prefix } = await objectStoreFor(location, options);
      try {
        await deserialize(new BlockStore(objects, prefix), [image]);
      } catch (err) {
        if (err instanceof CantOpenError) throw new SqliteError('SQLITE_ERROR', EXISTS);
        throw err;
      }
      return;
    }
    default:
      throw new CantOpenError(`unable to open database: VACUUM INTO writes a local file, a block directory or s3://bucket/key, not ${spec}`);
  }
}
