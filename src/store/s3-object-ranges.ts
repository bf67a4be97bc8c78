/**
 * A single S3 object read by ranges (a `RangeSource` for src/vfs/range-file.ts): one GetObject
 * with `Range: bytes=a-b` per range. The first answer's `Content-Range` gives the object's size
 * (never a HEAD), its ETag (and VersionId, on a versioned bucket) the version every later range
 * asks for: `VersionId` when there is one (that version stays readable even if the key is
 * overwritten), else `If-Match: <etag>` (S3 answers 412 PreconditionFailed once the object was
 * replaced → 'changed').
 *
 *   404 NoSuchKey              → 'missing' (unpinned) / 'changed' (pinned: deleted since)
 *   412 PreconditionFailed     → 'changed'
 *   416 InvalidRange           → an empty object (size 0; a range of nothing)
 *   403                        → CantOpenError at open (as SQLite for a file it may not read), else the store's error
 *
 * No `node:*` imports.
 */
import { CantOpenError, IoError } from '../errors.js';
import type { RangePin, RangeResponse, RangeSource } from '../vfs/range-file.js';
import { contentRangeSize } from './content-range.js';
import { GetObjectCommand, type S3ObjectStore } from './s3-store.js';

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

function statusOf(err: unknown): number | undefined {
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

function codeOf(err: unknown): string {
  for (const name of ['Code', 'code', 'name']) {
    const value = field(err, name);
    if (typeof value === 'string' && value !== '' && value !== 'Error') return value;
  }
  return 'Error';
}

export class S3ObjectRanges implements RangeSource {
  readonly url: string;
  requests = 0;

  constructor(
    readonly store: S3ObjectStore,
    readonly key: string,
  ) {
    this.url = `s3://${store.bucket}/${key}`;
  }

  async fetchRange(offset: number, length: number, pin: RangePin | undefined): Promise<RangeResponse | 'missing' | 'changed'> {
    this.requests++;
    this.store.requests.get++;
    const last = offset + Math.max(1, length) - 1;
    let out;
    try {
      out = await this.store.client.send(
        new GetObjectCommand({
          Bucket: this.store.bucket,
          Key: this.key,
          Range: `bytes=${offset}-${last}`,
          ...(pin?.versionId !== undefined ? { VersionId: pin.versionId } : pin?.etag !== undefined ? { IfMatch: pin.etag } : {}),
        }),
      );
    } catch (err) {
      const code = codeOf(err);
      const status = statusOf(err);
      if (code === 'PreconditionFailed' || status === 412) return 'changed';
      if (code === 'NoSuchKey' || code === 'NoSuchVersion' || (status === 404 && code !== 'NoSuchBucket')) {
        return pin === undefined ? 'missing' : 'changed';
      }
      if (code === 'InvalidRange' || status === 416) {
        // Only an empty object has no byte at offset 0; a pinned range past the end means it shrank.
        if (pin !== undefined || offset !== 0) return 'changed';
        return { bytes: new Uint8Array(0), size: 0, pin: {}, whole: false };
      }
      if (pin === undefined && (code === 'AccessDenied' || code === 'Forbidden' || status === 403)) {
        throw new CantOpenError(`unable to open ${this.url}: access denied (HTTP 403)`, { cause: err });
      }
      throw this.store.errorFor(err, 'GetObject', this.key);
    }
    if (out.Body === undefined) throw new IoError(`S3 GetObject ${this.url} returned no body`);
    const bytes = await out.Body.transformToByteArray();
    const newPin: RangePin = {
      ...(out.ETag !== undefined && { etag: out.ETag }),
      ...(out.VersionId !== undefined && out.VersionId !== 'null' && { versionId: out.VersionId }),
    };
    const size = contentRangeSize(out.ContentRange);
    if (size === undefined) {
      // No Content-Range: the whole object came back (a server that ignores Range).
      return { bytes, size: bytes.length, pin: newPin, whole: true };
    }
    return { bytes, size, pin: newPin, whole: false };
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
