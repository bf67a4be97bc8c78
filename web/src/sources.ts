/**
 * The three places the page opens a database from, each read in place through s3lite's public
 * API (only the pages a view needs are fetched):
 *
 * - S3: `s3://bucket/key` as the CLI opens it — blocks under the key when `key/0000000000`
 *   exists, else the single object `key` read by ranges — through the AWS SDK's web build, with
 *   the credentials typed into the form (kept in this page's memory only, never stored);
 * - an https:// URL, read by ranged GETs pinned to the ETag seen at open;
 * - a local file: a `Blob` read a slice at a time (blob-file.ts).
 */
import { Database } from '../../src/index.js';
import { BlobFile } from './blob-file.js';
import { describeNet, net } from './net.js';
import { formatBytes } from './values.js';

export interface OpenedDatabase {
  readonly db: Database;
  /** Where it is, as the CLI names it (`s3://bucket/key`, the URL, the file name). */
  readonly label: string;
  /** Size of the file when the source knows it without asking (a local file). */
  readonly fileBytes: number | undefined;
  /** Requests and bytes so far, for the status line. */
  stats(): string;
  /** Requests (or file reads) so far. */
  requests(): number;
  close(): Promise<void>;
}

export interface S3Form {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly pathStyle: boolean;
}

export const remoteStats = (): string => `${describeNet()}, ${formatBytes(net.bytes)} read`;

export function s3Location(form: S3Form): string {
  return `s3://${form.bucket.trim()}/${form.key.trim().replace(/^\/+|\/+$/g, '')}`;
}

export async function openS3(form: S3Form): Promise<OpenedDatabase> {
  const location = s3Location(form);
  const endpoint = form.endpoint.trim();
  const sessionToken = form.sessionToken.trim();
  const db = await Database.open(location, {
    readonly: true,
    region: form.region.trim() === '' ? 'us-east-1' : form.region.trim(),
    ...(endpoint !== '' && { endpoint }),
    forcePathStyle: form.pathStyle,
    credentials: {
      accessKeyId: form.accessKeyId.trim(),
      secretAccessKey: form.secretAccessKey,
      ...(sessionToken !== '' && { sessionToken }),
    },
  });
  return { db, label: db.url, fileBytes: undefined, stats: remoteStats, requests: () => net.requests, close: () => db.close() };
}

export async function openUrl(url: string): Promise<OpenedDatabase> {
  const db = await Database.open(url.trim(), { readonly: true });
  return { db, label: db.url, fileBytes: undefined, stats: remoteStats, requests: () => net.requests, close: () => db.close() };
}

export async function openFile(file: File, guard: () => void, watch: (stats: () => string) => void): Promise<OpenedDatabase> {
  const vfsFile = new BlobFile(file, file.name, guard);
  const stats = (): string => `${vfsFile.reads} reads, ${formatBytes(vfsFile.bytesRead)} of ${formatBytes(file.size)} read`;
  watch(stats);
  const db = await Database.open(vfsFile, { readonly: true });
  return { db, label: file.name, fileBytes: file.size, stats, requests: () => vfsFile.reads, close: () => db.close() };
}
