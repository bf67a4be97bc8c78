/**
 * `scanWal` against a model, on random logs built with the codec: random frames (page, commit
 * size), then what may follow the valid log — a torn frame, frames of an older generation, a
 * frame whose checksum or page number is wrong — and the index must hold, for each page, the
 * newest frame up to the last commit, the last commit's size, and nothing after it. The codec's
 * checksums themselves are checked against sqlite3's logs in wal-read.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CantOpenError } from '../../src/errors.js';
import {
  WAL_FRAME_HEADER_SIZE,
  WAL_HEADER_SIZE,
  decodeWalHeader,
  encodeWalFrame,
  encodeWalHeader,
  walChecksum,
} from '../../src/format/wal-format.js';
import { MemoryPageFile } from '../../src/pager/page-file.js';
import { scanWal } from '../../src/vfs/wal-index.js';

interface FrameSpec {
  readonly pgno: number;
  /** 0: not a commit frame. */
  readonly commit: number;
}

type Tail = { kind: 'none' } | { kind: 'torn'; bytes: number } | { kind: 'old-salt' } | { kind: 'bad-checksum' } | { kind: 'pgno-zero' };

const frameSpec = fc.record({
  pgno: fc.integer({ min: 1, max: 24 }),
  commit: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }) }),
});

const tail: fc.Arbitrary<Tail> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.integer({ min: 1, max: 600 }).map((bytes) => ({ kind: 'torn' as const, bytes })),
  fc.constant({ kind: 'old-salt' as const }),
  fc.constant({ kind: 'bad-checksum' as const }),
  fc.constant({ kind: 'pgno-zero' as const }),
);

/** A page whose bytes name its frame (so the index's offsets can be checked by content). */
function pageFor(frame: number, pageSize: number): Uint8Array {
  const page = new Uint8Array(pageSize);
  new DataView(page.buffer).setUint32(0, frame + 1);
  page.fill(frame & 0xff, 4);
  return page;
}

function buildLog(pageSize: number, bigEndian: boolean, salts: [number, number], frames: readonly FrameSpec[], end: Tail): Uint8Array {
  const header = encodeWalHeader({ bigEndianChecksum: bigEndian, pageSize, checkpointSequence: 7, salt1: salts[0], salt2: salts[1] });
  const h = decodeWalHeader(header);
  if (typeof h === 'string') throw new Error(h);
  const parts: Uint8Array[] = [header];
  let checksum: [number, number] = [h.checksum1, h.checksum2];
  frames.forEach((f, i) => {
    const encoded = encodeWalFrame(bigEndian, checksum, salts, f.pgno, f.commit, pageFor(i, pageSize));
    parts.push(encoded.frame);
    checksum = encoded.checksum;
  });
  // After the valid frames: a committed frame that must not count.
  const extra = encodeWalFrame(bigEndian, checksum, salts, 3, 40, pageFor(999, pageSize)).frame;
  switch (end.kind) {
    case 'none':
      break;
    case 'torn':
      parts.push(extra.subarray(0, Math.min(end.bytes, extra.length - 1)));
      break;
    case 'old-salt':
      parts.push(encodeWalFrame(bigEndian, checksum, [salts[0] - 1, salts[1]], 3, 40, pageFor(999, pageSize)).frame);
      break;
    case 'bad-checksum': {
      const bad = extra.slice();
      bad[WAL_FRAME_HEADER_SIZE + 7]! ^= 0x10;
      parts.push(bad);
      break;
    }
    case 'pgno-zero':
      parts.push(encodeWalFrame(bigEndian, checksum, salts, 0, 40, pageFor(999, pageSize)).frame);
      break;
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The model: frames up to the last commit frame; per page the newest; pages past the final size dropped. */
function model(frames: readonly FrameSpec[]): { last: number; dbPages: number; pages: Map<number, number> } | undefined {
  let last = -1;
  frames.forEach((f, i) => {
    if (f.commit !== 0) last = i;
  });
  if (last < 0) return undefined;
  const dbPages = frames[last]!.commit;
  const pages = new Map<number, number>();
  for (let i = 0; i <= last; i++) if (frames[i]!.pgno <= dbPages) pages.set(frames[i]!.pgno, i);
  return { last, dbPages, pages };
}

describe('scanWal', () => {
  it('indexes exactly the committed frames of the current generation (model, random logs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(512, 1024),
        fc.boolean(),
        fc.tuple(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.array(frameSpec, { maxLength: 40 }),
        tail,
        async (pageSize, bigEndian, salts, frames, end) => {
          const log = buildLog(pageSize, bigEndian, salts, frames, end);
          const scan = await scanWal(new MemoryPageFile(log), 'test-wal');
          const expected = model(frames);
          if (expected === undefined) {
            expect(scan.empty).toBe(true);
            return;
          }
          if (scan.empty) throw new Error(`expected frames, got ${scan.reason}`);
          expect(scan.frames).toBe(expected.last + 1);
          expect(scan.commits).toBe(frames.slice(0, expected.last + 1).filter((f) => f.commit !== 0).length);
          expect(scan.dbPages).toBe(expected.dbPages);
          expect([...scan.pages.keys()].sort((a, b) => a - b)).toEqual([...expected.pages.keys()].sort((a, b) => a - b));
          for (const [pgno, frame] of expected.pages) {
            const offset = scan.pages.get(pgno)!;
            expect(log.subarray(offset, offset + pageSize)).toEqual(pageFor(frame, pageSize));
            expect(offset).toBe(WAL_HEADER_SIZE + frame * (WAL_FRAME_HEADER_SIZE + pageSize) + WAL_FRAME_HEADER_SIZE);
          }
          const expectedEnd = { none: 'eof', torn: 'torn-frame', 'old-salt': 'salt', 'bad-checksum': 'checksum', 'pgno-zero': 'pgno-zero' }[end.kind];
          expect(scan.end).toBe(expectedEnd);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a log larger than its window in several windows (frames across 1 MiB boundaries)', async () => {
    const frames: FrameSpec[] = Array.from({ length: 40 }, (_, i) => ({ pgno: (i % 9) + 1, commit: i % 10 === 9 ? 9 : 0 }));
    const log = buildLog(65536, false, [1, 2], frames, { kind: 'torn', bytes: 100 });
    const scan = await scanWal(new MemoryPageFile(log), 'big');
    if (scan.empty) throw new Error('empty');
    expect(scan.frames).toBe(40);
    expect(scan.pages.get(1)).toBe(WAL_HEADER_SIZE + 36 * (WAL_FRAME_HEADER_SIZE + 65536) + WAL_FRAME_HEADER_SIZE);
  });

  it('a log SQLite ignores, each reason; an unknown version with a valid header is CantOpenError', async () => {
    const frames = [{ pgno: 1, commit: 1 }];
    const good = buildLog(1024, false, [1, 2], frames, { kind: 'none' });
    const reasonOf = async (bytes: Uint8Array): Promise<string> => {
      const scan = await scanWal(new MemoryPageFile(bytes), 'x');
      return scan.empty ? scan.reason : 'frames';
    };
    expect(await reasonOf(good)).toBe('frames');
    expect(await reasonOf(good.subarray(0, 32))).toBe('short');
    const magic = good.slice();
    magic[0] = 0x38;
    expect(await reasonOf(magic)).toBe('magic');
    const size = good.slice();
    size[10] = 0x05; // 1280: not a power of two
    expect(await reasonOf(size)).toBe('page-size');
    const sum = good.slice();
    sum[31]! ^= 1;
    expect(await reasonOf(sum)).toBe('checksum');
    expect(await reasonOf(buildLog(1024, false, [1, 2], [{ pgno: 1, commit: 0 }], { kind: 'none' }))).toBe('no-commit');
    const versioned = encodeWalHeader({ bigEndianChecksum: false, pageSize: 1024, checkpointSequence: 0, salt1: 1, salt2: 2, formatVersion: 3007001 });
    const withFrame = new Uint8Array(versioned.length + 10);
    withFrame.set(versioned);
    await expect(scanWal(new MemoryPageFile(withFrame), 'v')).rejects.toBeInstanceOf(CantOpenError);
  });
});

describe('WAL header codec', () => {
  it('round-trips every field, both checksum byte orders', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(512, 1024, 2048, 4096, 8192, 16384, 32768, 65536),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (bigEndianChecksum, pageSize, checkpointSequence, salt1, salt2) => {
          const h = decodeWalHeader(encodeWalHeader({ bigEndianChecksum, pageSize, checkpointSequence, salt1, salt2 }));
          if (typeof h === 'string') throw new Error(h);
          expect(h).toMatchObject({ bigEndianChecksum, pageSize, checkpointSequence, salt1, salt2, formatVersion: 3007000 });
        },
      ),
    );
  });

  it('the checksum continues: over a+b equals over b seeded with the result over a', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (be, a0, b0) => {
        const a = a0.subarray(0, a0.length - (a0.length % 8));
        const b = b0.subarray(0, b0.length - (b0.length % 8));
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        const [s0, s1] = walChecksum(be, a);
        expect(walChecksum(be, ab)).toEqual(walChecksum(be, b, s0, s1));
      }),
    );
  });
});
