/**
 * The three places the page opens a database from, each read in place through s3lite's public
 * API (only the pages a view needs are fetched):
 *
 * - S3: blocks under a key prefix (sqlite-s3vfs layout), through the AWS SDK's web build with the
 *   credentials typed into the form — kept in this page's memory only, never stored;
 * - a local file: a `Blob` read a slice at a time (blob-file.ts);
 * - an https:// URL: waits for s3lite's HTTPS location support (the field is disabled).
 */
import { Database, S3ObjectStore } from '../../src/index.js';
import { BlobFile } from './blob-file.js';
import { GuardedStore } from './guarded-store.js';
import { formatBytes } from './values.js';

export interface OpenedDatabase {
  readonly db: Database;
  /** Where it is, as the CLI would name it (`s3://bucket/prefix`, the file name). */
  readonly label: string;
  /** Size of the file when the source knows it without asking (a local file). */
  readonly fileBytes: number | undefined;
  /** Requests and bytes so far, for the status line. */
  stats(): string;
  close(): Promise<void>;
}

export interface S3Form {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly pathStyle: boolean;
}

/** Attempts per S3 request: fewer than the SDK's 5, so a wrong endpoint fails in seconds. */
const PAGE_MAX_ATTEMPTS = 2;

/** `watch` hears the stats function as soon as there is one, so the open itself shows progress. */
export async function openS3(form: S3Form, guard: () => void, watch: (stats: () => string) => void): Promise<OpenedDatabase> {
  const bucket = form.bucket.trim();
  const prefix = form.prefix.trim().replace(/^\/+|\/+$/g, '');
  const endpoint = form.endpoint.trim();
  const s3 = new S3ObjectStore({
    bucket,
    region: form.region.trim() === '' ? 'us-east-1' : form.region.trim(),
    ...(endpoint !== '' && { endpoint }),
    forcePathStyle: form.pathStyle,
    credentials: {
      accessKeyId: form.accessKeyId.trim(),
      secretAccessKey: form.secretAccessKey,
      ...(form.sessionToken.trim() !== '' && { sessionToken: form.sessionToken.trim() }),
    },
    maxAttempts: PAGE_MAX_ATTEMPTS,
  });
  const objects = new GuardedStore(s3, guard);
  const stats = (): string => {
    const r = s3.requests;
    return `${r.get + r.head + r.list} requests (${r.get} GET, ${r.head} HEAD, ${r.list} LIST), ${formatBytes(objects.bytesRead)} read`;
  };
  watch(stats);
  let db: Database;
  try {
    db = await Database.open({ objects, prefix }, { readonly: true });
  } catch (err) {
    await s3.close();
    throw err;
  }
  return {
    db,
    label: `s3://${bucket}/${prefix}`,
    fileBytes: undefined,
    stats,
    close: async () => {
      try {
        await db.close();
      } finally {
        await s3.close();
      }
    },
  };
}

export async function openFile(file: File, guard: () => void, watch: (stats: () => string) => void): Promise<OpenedDatabase> {
  const vfsFile = new BlobFile(file, file.name, guard);
  const stats = (): string => `${vfsFile.reads} reads, ${formatBytes(vfsFile.bytesRead)} of ${formatBytes(file.size)} read`;
  watch(stats);
  const db = await Database.open(vfsFile, { readonly: true });
  return {
    db,
    label: file.name,
    fileBytes: file.size,
    stats,
    close: () => db.close(),
  };
}
