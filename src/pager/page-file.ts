/**
 * The part of the VFS file interface the read-side pager needs. Structurally compatible with
 * `VfsFile` (src/vfs/vfs.ts): any VfsFile can be passed where a PageFile is expected.
 */
export interface PageFile {
  /** Reads `amount` bytes at `offset`; a short read past the end of the file is zero-filled. */
  xRead(amount: number, offset: number): Promise<Uint8Array>;
  xFileSize(): Promise<number>;
}

/** A PageFile over bytes in memory (tests, imports of a file already read). */
export class BytesPageFile implements PageFile {
  constructor(readonly bytes: Uint8Array) {}

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    const out = new Uint8Array(amount);
    if (offset < this.bytes.length) out.set(this.bytes.subarray(offset, Math.min(offset + amount, this.bytes.length)));
    return out;
  }

  async xFileSize(): Promise<number> {
    return this.bytes.length;
  }
}
