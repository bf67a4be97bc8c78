/**
 * A writer process for the multi-process safety tests (run with tsx). Argument: JSON
 *   { store: { dir } | { endpoint, bucket }, prefix, writer, txs (0 = forever), busyTimeoutMs }
 * Each transaction adds one row to t2 (root 3) and one to t3 (root 4) with the same rowid, so
 * count(t3) − count(t2) stays 10 in every committed state. Prints `committed <i>` after each
 * commit returns, `busy <n>` at the end; exits 0 when done.
 */
import { insertRow } from '../../src/btree/index.js';
import { BusyError } from '../../src/errors.js';
import { openSafePager } from '../../src/pager/commit-protocol.js';
import { encodeRecord } from '../../src/record/record.js';
import { DirectoryObjectStore } from '../../src/store/directory-store.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { BlockVfs } from '../../src/vfs/block-vfs.js';
import { OpenFlags } from '../../src/vfs/vfs.js';

interface Args {
  readonly store: { dir: string } | { endpoint: string; bucket: string };
  readonly prefix: string;
  readonly writer: number;
  readonly txs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const store: ObjectStore =
  'dir' in args.store
    ? new DirectoryObjectStore(args.store.dir)
    : new S3ObjectStore({
        bucket: args.store.bucket,
        endpoint: args.store.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
const vfs = new BlockVfs(store);
const file = await vfs.xOpen(args.prefix, OpenFlags.SQLITE_OPEN_READWRITE | OpenFlags.SQLITE_OPEN_MAIN_DB);
const pager = await openSafePager(vfs, args.prefix, file, { lease: { durationMs: 3000, renewEveryMs: 1000, pid: process.pid } });
let busy = 0;
for (let i = 0; args.txs === 0 || i < args.txs; i++) {
  for (;;) {
    try {
      await pager.beginWrite();
      break;
    } catch (err) {
      if (!(err instanceof BusyError)) throw err;
      busy++;
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
    }
  }
  const rowid = 100_000 + args.writer * 10_000 + i;
  await insertRow(pager, 3, rowid, encodeRecord([null, `writer ${args.writer} tx ${i} ${'p'.repeat(i % 7 === 0 ? 3000 : 40)}`], 1));
  await insertRow(pager, 4, rowid, encodeRecord([null, new Uint8Array(100 + (i % 5) * 150).fill(args.writer)], 1));
  await pager.commit();
  process.stdout.write(`committed ${i}\n`);
}
process.stdout.write(`busy ${busy}\n`);
await store.close();
