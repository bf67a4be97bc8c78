/**
 * A database at an `https://` (or `http://`) URL read by ranges (a `RangeSource` for
 * src/vfs/range-file.ts), with the platform's `fetch` — so it works in Node, browsers and edge
 * workers alike. Presigned S3 URLs, release assets, static hosts: anything that honours Range.
 *
 *   206 + Content-Range     the range; the size from Content-Range
 *   200                     the server ignored Range: the whole body (RangeFile reads it once, warns)
 *   404 / 410               'missing' (unpinned) / 'changed' (pinned)
 *   412                     'changed' (the pin: `If-Match: <etag>`, or `If-Unmodified-Since` without an ETag)
 *   416                     an empty object at open; 'changed' later
 *   401 / 403               CantOpenError at open, else IoError
 *
 * The URL's query string (a presigned URL's signature and credentials) and any user:password
 * never appear in a message: `url` is the redacted form, and fetch's own errors are not quoted.
 */
import { CantOpenError, IoError } from '../errors.js';
import { redactUrl } from '../api/location.js';
import type { RangePin, RangeResponse, RangeSource } from '../vfs/range-file.js';
import { contentRangeSize } from './content-range.js';

export interface HttpRangesOptions {
  /** Default: `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Largest file read whole from a server that ignores Range (it is held in memory); default
   * 1 GiB. Larger: IoError, before the body is read.
   */
  readonly maxWholeBytes?: number;
}

export const DEFAULT_MAX_WHOLE_BYTES = 2 ** 30;

export class HttpRanges implements RangeSource {
  readonly url: string;
  requests = 0;
  readonly #href: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #maxWholeBytes: number;

  constructor(href: string, options: HttpRangesOptions = {}) {
    this.#href = href;
    this.#maxWholeBytes = options.maxWholeBytes ?? DEFAULT_MAX_WHOLE_BYTES;
    this.url = redactUrl(href);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async fetchRange(offset: number, length: number, pin: RangePin | undefined): Promise<RangeResponse | 'missing' | 'changed'> {
    this.requests++;
    const headers: Record<string, string> = { range: `bytes=${offset}-${offset + Math.max(1, length) - 1}` };
    // A weak ETag (W/"…") is not allowed in If-Match (RFC 9110 §13.1.1: strong comparison).
    if (pin?.etag !== undefined && !pin.etag.startsWith('W/')) headers['if-match'] = pin.etag;
    else if (pin?.lastModified !== undefined) headers['if-unmodified-since'] = pin.lastModified;
    let response: Response;
    try {
      response = await this.#fetch(this.#href, { headers, redirect: 'follow' });
    } catch (err) {
      throw new IoError(`cannot reach ${this.url}: ${describeFetchError(err)}`);
    }
    const status = response.status;
    if (status === 206 || status === 200) {
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (status === 200 && declared > this.#maxWholeBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new IoError(`${this.url} ignores Range requests and is ${declared} bytes: too large to read whole (at most ${this.#maxWholeBytes})`);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      const newPin: RangePin = {
        ...(etag !== null && { etag }),
        ...(lastModified !== null && { lastModified }),
      };
      if (status === 200) return { bytes, size: bytes.length, pin: newPin, whole: true };
      const size = contentRangeSize(response.headers.get('content-range'));
      if (size === undefined) throw new IoError(`${this.url} answered 206 without a valid Content-Range`);
      return { bytes, size, pin: newPin, whole: false };
    }
    await response.body?.cancel().catch(() => undefined);
    if (status === 412) return 'changed';
    if (status === 404 || status === 410) return pin === undefined ? 'missing' : 'changed';
    if (status === 416) {
      if (pin !== undefined || offset !== 0) return 'changed';
      return { bytes: new Uint8Array(0), size: 0, pin: {}, whole: false };
    }
    if (status === 401 || status === 403) {
      const message = `access denied (HTTP ${status}) for ${this.url}`;
      if (pin === undefined) throw new CantOpenError(`unable to open ${this.url}: access denied (HTTP ${status})`);
      throw new IoError(message);
    }
    throw new IoError(`${this.url} answered HTTP ${status} ${response.statusText}`.trim());
  }

  async close(): Promise<void> {}
}

/** A fetch failure's cause, without the URL (undici's messages do not quote it; its cause has the code). */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'network error';
}
