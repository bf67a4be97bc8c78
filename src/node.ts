/**
 * Node-only additions: the local directory store, the plain-file VFS, and export as a Node
 * `Readable`. Import from `s3lite/node`.
 */
import { Readable } from 'node:stream';
import { serialize, type SerializeOptions } from './transfer/serialize.js';
import type { VfsFile } from './vfs/vfs.js';

export { DirectoryObjectStore } from './store/directory-store.js';
export { PlainFileVfs } from './vfs/plain-file-vfs.js';

/** The bytes of the database as a Node `Readable` (pipe it to a file, an HTTP response, …). */
export function serializeToNodeReadable(file: VfsFile, options?: SerializeOptions): Readable {
  return Readable.from(serialize(file, options));
}
