/**
 * A read-only `VfsFile` over a `Blob` (a file picked or dropped into the page): every `xRead` is
 * one `blob.slice(offset, end).arrayBuffer()`, so the browser reads just those bytes from disk
 * and the file is never copied whole into memory. The pager's cache and read-ahead work over it as
 * over S3 blocks.
 */
import {
  DeviceCharacteristics,
  IoError,
  MisuseError,
  ReadOnlyError,
  markShortRead,
  type LockLevel,
  type VfsFile,
} from '../../src/index.js';

export class BlobFile implements VfsFile {
  /** Slices read and bytes read so far (shown on the page). */
  reads = 0;
  bytesRead = 0;
  #closed = false;

  constructor(
    private readonly blob: Blob,
    readonly name: string,
    /** Called before and after each read: throws to cancel (see work.ts). */
    private readonly guard: () => void = () => {},
  ) {}

  async xRead(amount: number, offset: number): Promise<Uint8Array> {
    this.#open();
    if (!Number.isSafeInteger(amount) || amount < 0 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new MisuseError(`xRead(${amount}, ${offset}): amount and offset must be non-negative integers`);
    }
    this.guard();
    const out = new Uint8Array(amount);
    const end = Math.min(offset + amount, this.blob.size);
    if (end > offset) {
      let bytes: ArrayBuffer;
      try {
        bytes = await this.blob.slice(offset, end).arrayBuffer();
      } catch (err) {
        // A file changed or removed on disk after it was picked cannot be read any more.
        throw new IoError(`cannot read ${this.name} at offset ${offset}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      this.reads++;
      this.bytesRead += bytes.byteLength;
      out.set(new Uint8Array(bytes));
    }
    this.guard();
    // Past the end of the file: zero-filled and flagged, as SQLite's short read.
    return end - offset < amount ? markShortRead(out) : out;
  }

  async xWrite(_data: Uint8Array, _offset: number): Promise<void> {
    throw new ReadOnlyError(`attempt to write a readonly database (${this.name} is a local file read in place)`);
  }

  async xTruncate(_size: number): Promise<void> {
    throw new ReadOnlyError(`attempt to write a readonly database (${this.name} is a local file read in place)`);
  }

  async xSync(_flags: number): Promise<void> {}

  async xFileSize(): Promise<number> {
    this.#open();
    return this.blob.size;
  }

  async xLock(_level: LockLevel): Promise<void> {}

  async xUnlock(_level: LockLevel): Promise<void> {}

  async xCheckReservedLock(): Promise<boolean> {
    return false;
  }

  xSectorSize(): number {
    return 4096;
  }

  xDeviceCharacteristics(): number {
    return DeviceCharacteristics.SQLITE_IOCAP_IMMUTABLE;
  }

  async xClose(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new MisuseError(`${this.name} is closed`);
  }
}
