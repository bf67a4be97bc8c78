/**
 * The model for VFS property tests: a plain growable byte array, and random operation
 * sequences to run against both it and a real `VfsFile`.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { isShortRead, type VfsFile } from '../../src/vfs/vfs.js';

export type Op =
  | { readonly kind: 'write'; readonly offset: number; readonly length: number; readonly seed: number }
  | { readonly kind: 'read'; readonly offset: number; readonly length: number }
  | { readonly kind: 'truncate'; readonly size: number }
  | { readonly kind: 'sync' }
  | { readonly kind: 'reopen'; readonly blockSize: number; readonly verify: boolean };

/** Deterministic non-constant bytes (rarely zero), so holes and stale data are told apart. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let k = 0; k < length; k++) out[k] = ((seed + k * 13 + (k >> 7) * 5) % 255) + 1;
  return out;
}

/** A growable byte array with the semantics a file should have. */
export class FileModel {
  bytes = new Uint8Array(0);

  get size(): number {
    return this.bytes.length;
  }

  write(data: Uint8Array, offset: number): void {
    const end = offset + data.length;
    if (data.length === 0) return;
    if (end > this.bytes.length) this.resize(end);
    this.bytes.set(data, offset);
  }

  truncate(size: number): void {
    this.resize(size);
  }

  read(length: number, offset: number): Uint8Array {
    const out = new Uint8Array(length);
    if (offset < this.bytes.length) out.set(this.bytes.subarray(offset, Math.min(offset + length, this.bytes.length)));
    return out;
  }

  private resize(size: number): void {
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, Math.min(size, this.bytes.length)));
    this.bytes = next;
  }
}

/** Random operation sequences over a file of at most about `extent` bytes. */
export function opsArbitrary(extent: number, maxIo: number, blockSizes: readonly number[]): fc.Arbitrary<Op[]> {
  const offset = fc.integer({ min: 0, max: extent });
  const length = fc.integer({ min: 0, max: maxIo });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), offset, length, seed: fc.nat(1000) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('read' as const), offset, length }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), size: offset }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('reopen' as const),
        blockSize: fc.constantFrom(...blockSizes),
        // Not always reading the whole file at once leaves state cached at open to later operations.
        verify: fc.boolean(),
      }),
    },
  );
  return fc.array(op, { minLength: 1, maxLength: 25 });
}

/** Compares the whole file with the model: size, every byte, and the short-read flag at the end. */
export async function expectSameFile(file: VfsFile, model: FileModel): Promise<void> {
  expect(await file.xFileSize()).toBe(model.size);
  const all = await file.xRead(model.size + 3, 0);
  expect(isShortRead(all)).toBe(true);
  expect(equalBytes(all.subarray(0, model.size), model.bytes)).toBe(true);
  expect(all.subarray(model.size).every((b) => b === 0)).toBe(true);
}

/**
 * Runs `ops` on `file` and `model` side by side; `reopen` closes the file and asks `reopen` for a
 * new handle on the same name (with a possibly different configured block size).
 */
export async function runOps(
  ops: readonly Op[],
  first: VfsFile,
  reopen: (file: VfsFile, blockSize: number) => Promise<VfsFile>,
  afterSync?: (file: VfsFile, model: FileModel) => Promise<void>,
): Promise<VfsFile> {
  const model = new FileModel();
  let file = first;
  for (const op of ops) {
    switch (op.kind) {
      case 'write': {
        const data = pattern(op.length, op.seed);
        await file.xWrite(data, op.offset);
        model.write(data, op.offset);
        break;
      }
      case 'read': {
        const got = await file.xRead(op.length, op.offset);
        expect(got.length).toBe(op.length);
        expect(equalBytes(got, model.read(op.length, op.offset))).toBe(true);
        expect(isShortRead(got)).toBe(op.length > 0 && op.offset + op.length > model.size);
        break;
      }
      case 'truncate':
        await file.xTruncate(op.size);
        model.truncate(op.size);
        break;
      case 'sync':
        await file.xSync(2);
        if (afterSync !== undefined) await afterSync(file, model);
        break;
      case 'reopen':
        file = await reopen(file, op.blockSize);
        if (op.verify) await expectSameFile(file, model);
        break;
    }
    expect(await file.xFileSize()).toBe(model.size);
  }
  await expectSameFile(file, model);
  return file;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
