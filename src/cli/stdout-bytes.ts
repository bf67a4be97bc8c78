/**
 * Byte chunks to standard output, for the byte writers (byte-rows.ts, byte-sink.ts).
 *
 * - `consumed`, asked right after a chunk was written: whether stdout has let go of it. On a
 *   file or /dev/null Node writes at once and keeps nothing (`writableLength` is 0), so the
 *   writer may fill the same buffer again; while anything is queued (a pipe whose reader has not
 *   caught up, a terminal) the chunk may still be referenced, and the writer takes a fresh buffer.
 * - `drained`: when stdout holds more than its high-water mark, a Promise of the 'drain' event,
 *   which the command awaits between batches of rows — so that a slow reader holds the output
 *   back instead of the whole result piling up in memory.
 */
import { once } from 'node:events';

export interface ByteOutput {
  write(chunk: Uint8Array): void;
  /** After `write`: whether the chunk's buffer may be filled again. */
  consumed?(): boolean;
  /** A Promise to await before writing more (the destination holds too much), else undefined. */
  drained?(): Promise<unknown> | undefined;
}

export const stdoutBytes: ByteOutput = {
  write: (chunk) => void process.stdout.write(chunk),
  consumed: () => process.stdout.writableLength === 0,
  drained: () => (process.stdout.writableNeedDrain ? once(process.stdout, 'drain') : undefined),
};
