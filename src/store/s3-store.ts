/**
 * An `ObjectStore` over an S3 bucket (AWS or any S3-compatible server), through
 * `@aws-sdk/client-s3` — the same client whether the bucket is on AWS, MinIO or the test server.
 *
 * Requests, one per `ObjectStore` call (list: one per page of up to 1000 keys; deleteMany: one per
 * batch of up to 1000 keys):
 *
 *   get        GetObject       404 NoSuchKey                → undefined
 *   head       HeadObject      404 NotFound                 → undefined  (a HEAD response has no body, so a
 *                                                                         missing bucket also reads as "no object")
 *   put        PutObject       If-None-Match / If-Match; 412 PreconditionFailed, 409 ConditionalRequestConflict
 *                                                           → PreconditionFailedError
 *   delete     DeleteObject    If-Match; 412, or 404 for a conditional delete of a missing key
 *                                                           → PreconditionFailedError
 *   deleteMany DeleteObjects   per-key errors in the 200 response → IoError
 *   list       ListObjectsV2   paginated with ContinuationToken
 *
 * Unconditional GETs and PUTs of a store that built its own client take the fast path of
 * `s3-direct.ts` (the SDK's signer and HTTP handler without its per-request middleware) once the
 * SDK has made one such request successfully; every other request, and every answer the fast path
 * does not expect, goes through `client.send()`.
 *
 * Every other failure becomes an `IoError` that names the bucket, the key and the endpoint; raw SDK
 * errors never escape (they are kept as `cause`). Throttling and transient faults are retried by
 * the SDK's standard retry strategy (`maxAttempts`, default 5) before we see them; `requests`
 * counts the calls we issue, not the SDK's retries.
 *
 * No `node:*` imports here: this file must run in browsers and edge workers too.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { AccessDeniedError, IoError, PreconditionFailedError, SqliteError } from '../errors.js';
import { DirectRequests } from './s3-direct.js';
import type { WriteFence } from './write-fence.js';
import { FencedRequestHandler } from './fenced-request-handler.js';
import {
  emptyRequestCounts,
  type ObjectInfo,
  type ObjectStore,
  type VersionedObject,
  type RequestCounts,
  type DeleteManyOptions,
  type WriteConditions,
} from './object-store.js';

/** For s3-object-ranges.ts: one module imports the SDK, so a bundle imports it once. */
export { GetObjectCommand };

/** S3 accepts at most this many keys in one DeleteObjects request. */
export const DELETE_BATCH_SIZE = 1000;

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_MAX_SOCKETS = 64;
/** Region used when none is given and none is configured in the environment or AWS profile. */
export const DEFAULT_REGION = 'us-east-1';
/** Give up connecting after this long (the SDK's default is to wait for the OS, ~2 minutes). */
const CONNECTION_TIMEOUT_MS = 10_000;

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** A client to use as is (then the options below are ignored and `close()` leaves it open). */
  readonly client?: S3Client;
  /** e.g. `http://127.0.0.1:9000`; default: `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, else AWS. */
  readonly endpoint?: string;
  /** Default: the SDK's sources (`AWS_REGION`, the AWS profile), `AWS_DEFAULT_REGION`, else us-east-1. */
  readonly region?: string;
  /** Default: true when a custom endpoint is in use (most S3-compatible servers want path style). */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's default credential chain (environment, profile, SSO, instance role, …). */
  readonly credentials?: S3ClientConfig['credentials'];
  /** Attempts per request including the first (SDK standard retry strategy). Default 5. */
  readonly maxAttempts?: number;
  /** Open sockets per host (Node only; browsers manage their own connections). Default 64. */
  readonly maxSockets?: number;
  /**
   * Serve unconditional block GETs and PUTs through the fast path of `s3-direct.ts` once the SDK
   * has shown where they go (default true). `false` sends every request through `client.send()`.
   */
  readonly directRequests?: boolean;
}

/**
 * Client settings that cut the SDK's CPU per request (import/export make thousands of small
 * requests, and the SDK, not the network, was the bottleneck: ~0.9 ms of CPU per request against
 * ~0.05 ms for the bare HTTP exchange). Each is right for AWS S3 itself:
 *
 * - `cacheMiddleware`: resolve each command's middleware stack once per command class instead of
 *   rebuilding it on every `send` (~20% of the SDK's CPU). Safe because we never add middleware to
 *   individual commands; everything lives on the client's stack.
 * - `requestChecksumCalculation` / `responseChecksumValidation: 'WHEN_REQUIRED'`: compute a CRC32
 *   of a body only for operations that S3 requires it for (DeleteObjects), and validate response
 *   checksums only when asked for — the SDK's behaviour before January 2025 ("WHEN_SUPPORTED"
 *   became the default then). S3 accepts PutObject without a checksum; the body is still
 *   protected by TLS over https, and over plain http SigV4 signs the SHA-256 of the payload.
 */
export const LEAN_CLIENT_SETTINGS = {
  cacheMiddleware: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
} as const satisfies Partial<S3ClientConfig>;

/** Process environment, when there is one (Node, Bun, Deno with compat); `undefined` in browsers. */
function processEnv(): Record<string, string | undefined> | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return proc?.env;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/**
 * The AWS SDK prints a NodeVersionSupportWarning on Node 20 at client construction. AWS documents
 * `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true` to silence it
 * (https://github.com/aws/aws-sdk-js-v3/issues/7983). We set it only when the user has not set it
 * either way, so an explicit `false` still shows the warning.
 */
export function suppressSdkNodeVersionWarning(): void {
  const env = processEnv();
  if (env !== undefined && env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] === undefined) {
    env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  }
}

/**
 * A region provider: whatever the SDK finds by itself (AWS_REGION, then the shared config
 * file's profile), else us-east-1, the region S3 treats as its default. The SDK's own lookup
 * is reached through a throwaway client built without a region, so this file needs no
 * file-system access (and in a browser the lookup simply fails over to the default).
 * Resolved once, on the first request.
 */
function regionWithFallback(): () => Promise<string> {
  let resolved: Promise<string> | undefined;
  const lookUp = async (): Promise<string> => {
    const probe = new S3Client({});
    try {
      const region = await probe.config.region();
      return region === '' ? DEFAULT_REGION : region;
    } catch {
      return DEFAULT_REGION;
    } finally {
      probe.destroy();
    }
  };
  return () => (resolved ??= lookUp());
}

/** Reads a string property of an unknown thrown value. */
function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

function httpStatus(err: unknown): number | undefined {
  const meta = field(err, '$metadata');
  const status = field(meta, 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`, …) or a Node system error code (`ECONNREFUSED`). */
function errorCode(err: unknown): string {
  for (const name of ['Code', 'code', 'name']) {
    const value = field(err, name);
    if (typeof value === 'string' && value !== '' && value !== 'Error') return value;
  }
  return 'Error';
}

/** Node/undici error codes that mean "could not talk to the endpoint at all". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
]);

export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  /**
   * The SDK client. When the store built it, it resolves each command's middleware once
   * (`cacheMiddleware`): middleware added to it after its first request is not seen.
   */
  readonly client: S3Client;
  readonly url: string;
  readonly requests: RequestCounts = emptyRequestCounts();
  /** Where requests go, for messages: the custom endpoint (option or environment), or `AWS S3`. */
  readonly endpoint: string;
  private readonly ownsClient: boolean;
  /** The fast path for block GETs and PUTs (see s3-direct.ts); absent for a client given by the caller. */
  readonly direct: DirectRequests | undefined;

  constructor(options: S3ObjectStoreOptions) {
    if (options.bucket === '') throw new globalThis.RangeError('an S3 bucket name must not be empty');
    this.bucket = options.bucket;
    this.url = `s3://${options.bucket}`;
    const env = processEnv();
    const customEndpoint = options.endpoint ?? env?.['AWS_ENDPOINT_URL_S3'] ?? env?.['AWS_ENDPOINT_URL'];
    if (options.client !== undefined) {
      this.client = options.client;
      this.ownsClient = false;
      // The client's own endpoint is an async provider; for messages, trust an explicit option only.
      this.endpoint = options.endpoint ?? "the given S3 client's endpoint";
      this.direct = undefined;
      return;
    }
    this.endpoint = customEndpoint ?? 'AWS S3';
    suppressSdkNodeVersionWarning();
    const config: S3ClientConfig = {
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      forcePathStyle: options.forcePathStyle ?? customEndpoint !== undefined,
      ...LEAN_CLIENT_SETTINGS,
    };
    // The SDK reads AWS_ENDPOINT_URL(_S3) itself; we pass only an explicit endpoint.
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    // The SDK reads AWS_REGION and the profile's `region`, but not AWS_DEFAULT_REGION (the AWS
    // CLI's name), and with no region at all it fails every request with "Region is missing".
    const region = options.region ?? (env?.['AWS_REGION'] === undefined ? env?.['AWS_DEFAULT_REGION'] : undefined);
    config.region = region ?? regionWithFallback();
    if (isNode()) {
      // The SDK's Node handler on keep-alive agents that ask each request's write fence again
      // when its socket is ready (fenced-http.ts; no `node:http` import needed here).
      config.requestHandler = new FencedRequestHandler({
        maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS,
        connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
      }) as unknown as NonNullable<S3ClientConfig['requestHandler']>;
    }
    this.client = new S3Client(config);
    // The logger middleware filters every request's input and output for a log line even when
    // no logger is configured (the default no-op logger): pure CPU per request, nothing logged.
    // We never pass a logger, so it goes. (A client given by the caller is left untouched.)
    this.client.middlewareStack.remove('loggerMiddleware');
    this.direct = options.directRequests === false ? undefined : new DirectRequests(this.client, this.bucket);
    // The store's clock for the lease (lease.ts judges expiry by it): HeadObject's `Date` header.
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if ((context as { commandName?: string }).commandName === 'HeadObjectCommand') {
          const date = (result.response as { headers?: Record<string, string | undefined> } | undefined)?.headers?.['date'];
          const output = result.output as unknown as Record<string, unknown> | undefined;
          if (date !== undefined && typeof output === 'object' && output !== null) output[SERVER_DATE] = date;
        }
        return result;
      },
      // Outside the deserializer (priority high runs first), so the parsed output is there.
      { step: 'deserialize', priority: 'high', name: 's3liteServerDateMiddleware', override: true },
    );
    this.ownsClient = true;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.getVersioned(key))?.data;
  }

  async getVersioned(key: string): Promise<VersionedObject | undefined> {
    this.requests.get++;
    if (this.direct?.ready('GetObject') === true) {
      const fast = await this.direct.get(key);
      if (fast.ok) return fast.value;
    }
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (out.Body === undefined) throw new IoError(`S3 GetObject ${this.where(key)} returned no body`);
      const bytes = await out.Body.transformToByteArray();
      this.direct?.learn('GetObject', key);
      return { data: bytes, etag: out.ETag ?? '' };
    } catch (err) {
      const code = errorCode(err);
      if (code === 'NoSuchKey' || (httpStatus(err) === 404 && code !== 'NoSuchBucket')) return undefined;
      throw this.translate(err, 'GetObject', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.requests.head++;
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      const lastModified = out.LastModified?.getTime();
      const date = (out as unknown as Record<string, unknown>)[SERVER_DATE];
      const serverNow = typeof date === 'string' ? Date.parse(date) : Number.NaN;
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '',
        ...(lastModified !== undefined && Number.isFinite(lastModified) && Number.isFinite(serverNow) ? { lastModified, serverNow } : {}),
      };
    } catch (err) {
      const code = errorCode(err);
      if (code === 'NotFound' || code === 'NoSuchKey' || (httpStatus(err) === 404 && code !== 'NoSuchBucket')) {
        return undefined;
      }
      throw this.translate(err, 'HeadObject', key);
    }
  }

  async put(key: string, data: Uint8Array, conditions?: WriteConditions): Promise<{ etag: string }> {
    this.requests.put++;
    const conditional = conditions?.ifNoneMatch !== undefined || conditions?.ifMatch !== undefined;
    const fence = conditions?.fence;
    fence?.check(`writing ${this.where(key)}`);
    // The fast path takes unconditional writes and a fenced writer's guarded block writes (a
    // refusal there is read exactly: 412, or 404 to an If-Match). The lease's own create and
    // takeover (conditional, unfenced) always take the SDK path.
    if ((!conditional || fence !== undefined) && this.direct?.ready('PutObject') === true) {
      const fast = await this.direct.put(key, data, fence?.signal, { ifMatch: conditions?.ifMatch, ifNoneMatch: conditions?.ifNoneMatch });
      if (fast.ok) return { etag: fast.value };
      fence?.check(`writing ${this.where(key)}`);
      if (fast.preconditionFailed === true) throw new PreconditionFailedError(key);
    }
    try {
      const input = {
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        ...(conditions?.ifNoneMatch !== undefined ? { IfNoneMatch: conditions.ifNoneMatch } : {}),
        ...(conditions?.ifMatch !== undefined ? { IfMatch: conditions.ifMatch } : {}),
      };
      const out = await this.client.send(new PutObjectCommand(input), sendOptions(fence));
      if (!conditional) this.direct?.learn('PutObject', key);
      // S3 always returns an ETag; a server that does not leaves us nothing to compare later.
      return { etag: out.ETag ?? '' };
    } catch (err) {
      fence?.check(`writing ${this.where(key)}`); // aborted by the fence: say so, not "request aborted"
      if (isPreconditionFailure(err)) throw new PreconditionFailedError(key);
      // "Write only if it is still version X" on a key that is gone: S3 answers 404 NoSuchKey.
      if (conditions?.ifMatch !== undefined && errorCode(err) === 'NoSuchKey') throw new PreconditionFailedError(key);
      throw this.translate(err, 'PutObject', key);
    }
  }

  /** `conditions.ifNoneMatch` has no meaning for S3 deletes and is ignored; `ifMatch` is sent. */
  async delete(key: string, conditions?: WriteConditions): Promise<void> {
    this.requests.delete++;
    const fence = conditions?.fence;
    fence?.check(`deleting ${this.where(key)}`);
    try {
      await this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(conditions?.ifMatch !== undefined ? { IfMatch: conditions.ifMatch } : {}),
        }),
        sendOptions(fence),
      );
    } catch (err) {
      fence?.check(`deleting ${this.where(key)}`);
      if (isPreconditionFailure(err)) throw new PreconditionFailedError(key);
      // "Delete this object only if it is still version X" fails when there is no object at all.
      if (conditions?.ifMatch !== undefined && errorCode(err) === 'NoSuchKey') throw new PreconditionFailedError(key);
      throw this.translate(err, 'DeleteObject', key);
    }
  }

  async deleteMany(keys: readonly string[], options?: DeleteManyOptions): Promise<void> {
    const fence = options?.fence;
    for (let start = 0; start < keys.length; start += DELETE_BATCH_SIZE) {
      const batch = keys.slice(start, start + DELETE_BATCH_SIZE);
      this.requests.delete++;
      let errors: { Key?: string | undefined; Code?: string | undefined; Message?: string | undefined }[] | undefined;
      fence?.check(`deleting ${this.where(batch[0] ?? '')}`);
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            // Quiet: the response lists only failures, not 1000 successes.
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
          sendOptions(fence),
        );
        errors = out.Errors;
      } catch (err) {
        fence?.check(`deleting ${this.where(batch[0] ?? '')}`);
        throw this.translate(err, 'DeleteObjects', batch[0] ?? '');
      }
      // DeleteObjects answers 200 even when some keys failed; the failures are listed per key.
      const first = errors?.[0];
      if (first !== undefined) {
        throw new IoError(
          `S3 DeleteObjects failed for ${errors?.length} key(s) in ${this.url} at ${this.endpoint}, ` +
            `first ${first.Key ?? '?'}: ${first.Code ?? 'Error'}: ${first.Message ?? ''}`,
        );
      }
    }
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      this.requests.list++;
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            // StartAfter only opens the listing; the continuation token carries on from there.
            ...(token !== undefined ? { ContinuationToken: token } : startAfter !== undefined ? { StartAfter: startAfter } : {}),
          }),
        );
      } catch (err) {
        throw this.translate(err, 'ListObjectsV2', prefix);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key, size: item.Size ?? 0, etag: item.ETag ?? '' };
      }
      if (page.IsTruncated !== true) return;
      token = page.NextContinuationToken;
      // A server that says "more" without a fresh token would have us loop forever.
      if (token === undefined || token === '' || seen.has(token)) {
        throw new IoError(`S3 ListObjectsV2 of ${this.where(prefix)} at ${this.endpoint} returned a bad continuation token`);
      }
      seen.add(token);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** A failed SDK call of ours or a caller's (s3-object-ranges.ts) as the SqliteError this store would throw. */
  errorFor(err: unknown, operation: string, key: string): SqliteError {
    return this.translate(err, operation, key);
  }

  private where(key: string): string {
    return `${this.url}/${key}`;
  }

  /** Any failure of an SDK call as an IoError that says what, where and why. */
  private translate(err: unknown, operation: string, key: string): SqliteError {
    if (err instanceof SqliteError) return err;
    const code = errorCode(err);
    const status = httpStatus(err);
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'NoSuchBucket') {
      return new IoError(`bucket ${this.bucket} does not exist at ${this.endpoint}`, { cause: err });
    }
    const credentials = credentialsProblem(code, this.url);
    if (credentials !== undefined) {
      const detail = `(S3 ${operation} ${this.where(key)} at ${this.endpoint}: ${code}: ${message})`;
      const Class = status === 403 ? AccessDeniedError : IoError;
      return new Class(`${credentials} ${detail}`, { cause: err });
    }
    if (code === 'AccessDenied' || code === 'Forbidden' || status === 403) {
      return new AccessDeniedError(
        `access denied: S3 ${operation} ${this.where(key)} at ${this.endpoint}: ${code}: ${message}`,
        { cause: err },
      );
    }
    if (NETWORK_CODES.has(code) || status === undefined) {
      return new IoError(`cannot reach S3 endpoint ${this.endpoint} (${operation} ${this.where(key)}): ${code}: ${message}`, {
        cause: err,
      });
    }
    return new IoError(`S3 ${operation} ${this.where(key)} failed at ${this.endpoint}: ${code} (HTTP ${status}): ${message}`, {
      cause: err,
    });
  }
}

/**
 * What to tell the user when the failure is about credentials, not the endpoint or the bucket:
 * none found by the SDK's provider chain (it throws before sending anything), expired (a session
 * token outlived mid-transfer), or not accepted by S3. `undefined` for any other error.
 */
function credentialsProblem(code: string, url: string): string | undefined {
  switch (code) {
    case 'CredentialsProviderError':
      return (
        `no AWS credentials found for ${url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN ` +
        'for temporary ones), or AWS_PROFILE for a profile in ~/.aws/credentials or ~/.aws/config, or run where an ' +
        'instance or container role provides them'
      );
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'TokenRefreshRequired':
      return `the AWS credentials for ${url} have expired: renew them (a new session token, aws sso login) and run again`;
    case 'InvalidToken':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
      return `S3 does not accept the AWS credentials for ${url}: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the profile`;
    default:
      return undefined;
  }
}

/** Where HeadObject's output carries the response's `Date` header (set by our middleware). */
const SERVER_DATE = 's3liteServerDate';

/**
 * `send` options that make the SDK's HTTP handler ask the fence before every attempt (retries
 * included): it reads `abortSignal.aborted` synchronously right before it opens the request.
 */
function sendOptions(fence: WriteFence | undefined): { abortSignal?: AbortSignal } {
  return fence === undefined ? {} : { abortSignal: fence.signal as unknown as AbortSignal };
}

/** S3 answers a failed `If-None-Match`/`If-Match` with 412, or 409 when a concurrent conditional write raced. */
function isPreconditionFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || httpStatus(err) === 412;
}
