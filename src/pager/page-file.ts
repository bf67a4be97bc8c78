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

/**
 * What the write side of the pager needs on top of reads (structurally a subset of `VfsFile`):
 * any VfsFile opened read-write can be passed.
 */
export interface WritablePageFile extends PageFile {
  xWrite(data: Uint8Array, offset: number): Promise<void>;
  xTruncate(size: number): Promise<void>;
  xSync(flags: number): Promise<void>;
}

/** Whether `file` can be written through (has xWrite/xTruncate/xSync). */
export function isWritablePageFile(file: PageFile): file is WritablePageFile {
  const f = file as Partial<WritablePageFile>;
  return typeof f.xWrite === 'function' && typeof f.xTruncate === 'function' && typeof f.xSync === 'function';
}

/** A growable in-memory WritablePageFile (tests, building a database before upload). */
export class MemoryPageFile implements WritablePageFile {
  private buf: Uint8Array;
  private size: number;

  constructor(initial: Uint8Array = new Uint8Array(0)) {
    this.buf = initial.slice();
    this.size = initial.length;
  }

  /** A copy of the file's bytes. */
  get bytes(): Uint8Array {
    return this.buf.slice(0, this.size);
  }

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    const out = new Uint8Array(amount);
    if (offset < this.size) out.set(this.buf.subarray(offset, Math.min(offset + amount, this.size)));
    return out;
  }

  async xWrite(data: Uint8Array, offset: number): Promise<void> {
    const end = offset + data.length;
    if (end > this.buf.length) {
      const grown = new Uint8Array(Math.max(end, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.size));
      this.buf = grown;
    }
    this.buf.set(data, offset);
    if (end > this.size) this.size = end;
  }

  async xTruncate(size: number): Promise<void> {
    if (size < this.size) this.buf.fill(0, size, this.size);
    else if (size > this.buf.length) {
      const grown = new Uint8Array(size);
      grown.set(this.buf.subarray(0, this.size));
      this.buf = grown;
    }
    this.size = size;
  }

  async xSync(): Promise<void> {}

  async xFileSize(): Promise<number> {
    return this.size;
  }
}
