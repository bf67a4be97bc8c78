/**
 * The fast path for the two requests that import, export, page reads and commits make by the
 * thousand: a GetObject and a PutObject of one block (the PUT possibly guarded by If-Match /
 * If-None-Match, block-file.ts "The second guard").
 *
 * Why: through `client.send()` the AWS SDK spends ~0.6–0.9 ms of CPU per request on its
 * middleware (serializers, endpoint rules, retry bookkeeping, user agent, schema walking) against
 * ~0.05 ms for the HTTP exchange itself; at 64 requests in flight that CPU, not the network, set
 * the pace of import/export (issue 6). Here one request costs ~0.15 ms: the SDK's own pieces, used
 * directly — its resolved signer (SigV4 with the client's credential provider, refreshed as the
 * SDK refreshes it, and its clock-skew offset), its HTTP handler (the same keep-alive agent and
 * timeouts; `fetch` in browsers) and its stream collector.
 *
 * What it never guesses: the URL. Where the object lives (virtual-hosted or path style, FIPS,
 * dual-stack, accelerate, custom endpoint, the signing region) is learnt from the SDK itself: a
 * middleware on the client's stack records the URL the SDK built for a GetObject/PutObject, and
 * only after that SDK call succeeded does the fast path take over for that kind of request. Buckets
 * whose requests the SDK signs other than with plain SigV4 (S3 Express directory buckets,
 * multi-region access points with SigV4a) never get a fast path.
 *
 * Only the happy path is served here: 200 (and 404 NoSuchKey for a GET; 412, or 404 NoSuchKey
 * to an If-Match, for a conditional PUT: refusals are answers). Anything else — another
 * status, a network error — is handed to the SDK, which repeats the request with its retry
 * strategy, redirect handling, clock-skew correction and typed errors, and the fast path stands
 * aside for `COOL_DOWN_MS` so that a throttled or failing bucket is not sent one extra request per
 * call. Both requests are idempotent, so sending one twice is harmless.
 */
import type { S3Client } from '@aws-sdk/client-s3';

/** After a surprise, every request goes through the SDK for this long. */
export const COOL_DOWN_MS = 60_000;

export type DirectKind = 'GetObject' | 'PutObject';

/** Where requests of one kind go, as the SDK built them (minus the key). */
interface Template {
  readonly protocol: string;
  readonly hostname: string;
  readonly port: number | undefined;
  /** The path before `/{key}`: `/bucket` in path style, `` for virtual-hosted style. */
  readonly basePath: string;
  readonly query: Record<string, string>;
  readonly signingRegion: string;
  readonly signingService: string;
}

/** The shape of the SDK's HTTP request that we read and build (`@smithy` HttpRequest). */
interface WireRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number | undefined;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
}

interface WireResponse {
  statusCode: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** The parts of the S3 client's resolved configuration used here (all set by the SDK). */
interface ResolvedConfig {
  signer?: (authScheme: object) => Promise<{ sign(request: WireRequest, options: object): Promise<WireRequest> }>;
  requestHandler?: { handle(request: WireRequest, options?: object): Promise<{ response: WireResponse }> };
  streamCollector?: (body: unknown) => Promise<Uint8Array>;
  systemClockOffset?: number;
}

/**
 * What the fast path did: served (`value`), or declined (ask the SDK) — except that a refused
 * condition (412, or 404 to an If-Match PUT: S3's answer when the key is gone) is an answer,
 * reported as `preconditionFailed`, not a surprise.
 */
export type DirectOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly preconditionFailed?: true };

/** The conditions a direct PUT may carry (S3's If-Match / If-None-Match headers, signed). */
export interface DirectConditions {
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: '*' | undefined;
}

const DECLINED: DirectOutcome<never> = { ok: false };

/** S3's URI encoding of a key in the path (RFC 3986 unreserved kept, `/` kept between segments). */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

export class DirectRequests {
  readonly #config: ResolvedConfig;
  /**
   * Templates seen in SDK calls still waiting for a success, by kind and key (the SDK copies the
   * command input, so the key is what ties a call to what its middleware saw). Recorded only
   * while that kind has no template yet, and bounded.
   */
  readonly #seen = new Map<string, Template>();
  readonly #templates = new Map<DirectKind, Template>();
  #signer: Promise<{ sign(request: WireRequest, options: object): Promise<WireRequest> }> | undefined;
  #pausedUntil = 0;
  /** Requests served here (tests and benchmarks read it). */
  served = 0;

  constructor(client: S3Client, bucket: string) {
    this.#config = client.config as unknown as ResolvedConfig;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context as { commandName?: string }).commandName;
        const kind = name === 'GetObjectCommand' ? 'GetObject' : name === 'PutObjectCommand' ? 'PutObject' : undefined;
        if (kind !== undefined && !this.#templates.has(kind)) {
          const input = args.input as { Bucket?: string; Key?: string } | undefined;
          const key = input?.Bucket === bucket ? input.Key : undefined;
          const template = templateOf(
            args.request as Partial<WireRequest> | undefined,
            (context as { authSchemes?: { name?: string; signingRegion?: string; signingName?: string }[] }).authSchemes,
            key,
          );
          if (template !== undefined && key !== undefined) {
            if (this.#seen.size >= 256) this.#seen.clear();
            this.#seen.set(`${kind} ${key}`, template);
          }
        }
        return next(args);
      },
      // After the endpoint is resolved and the request serialized, before it is signed.
      { step: 'build', priority: 'low', name: 's3liteDirectTemplate' },
    );
  }

  /** Called after an SDK call of `kind` for `key` succeeded: the URL it went to is now trusted. */
  learn(kind: DirectKind, key: string): void {
    if (this.#templates.has(kind)) return;
    const template = this.#seen.get(`${kind} ${key}`);
    if (template === undefined) return;
    this.#templates.set(kind, template);
    for (const seen of this.#seen.keys()) if (seen.startsWith(`${kind} `)) this.#seen.delete(seen);
  }

  /** Whether a request of `kind` would be tried here now. */
  ready(kind: DirectKind): boolean {
    return this.#templates.has(kind) && Date.now() >= this.#pausedUntil;
  }

  /** GET: the bytes and their ETag, `undefined` for NoSuchKey, or DECLINED (then ask the SDK). */
  async get(key: string): Promise<DirectOutcome<{ data: Uint8Array; etag: string } | undefined>> {
    const response = await this.#send('GetObject', key, undefined);
    if (response === undefined) return DECLINED;
    const collect = this.#config.streamCollector!;
    try {
      const body = await collect(response.body);
      if (response.statusCode === 200) {
        this.served++;
        return { ok: true, value: { data: body, etag: response.headers['etag'] ?? '' } };
      }
      if (response.statusCode === 404 && errorCode(body) === 'NoSuchKey') {
        this.served++;
        return { ok: true, value: undefined };
      }
    } catch {
      // A body cut short: let the SDK try.
    }
    this.#pause();
    return DECLINED;
  }

  /** PUT, with `conditions` if any: the new ETag, a refused condition, or DECLINED (then ask the SDK). */
  async put(
    key: string,
    data: Uint8Array,
    abortSignal?: { readonly aborted: boolean },
    conditions: DirectConditions = {},
  ): Promise<DirectOutcome<string>> {
    const response = await this.#send('PutObject', key, data, abortSignal, conditions);
    if (response === undefined) return DECLINED;
    let body: Uint8Array | undefined;
    try {
      // Read the body (empty, or an error document) so that the socket goes back to the pool.
      body = await this.#config.streamCollector!(response.body);
    } catch {
      // Nothing to keep from it.
    }
    if (response.statusCode === 200) {
      this.served++;
      return { ok: true, value: response.headers['etag'] ?? '' };
    }
    const conditional = conditions.ifMatch !== undefined || conditions.ifNoneMatch !== undefined;
    if (conditional && (response.statusCode === 412 || (response.statusCode === 404 && conditions.ifMatch !== undefined && body !== undefined && errorCode(body) === 'NoSuchKey'))) {
      this.served++;
      return { ok: false, preconditionFailed: true };
    }
    this.#pause();
    return DECLINED;
  }

  async #send(
    kind: DirectKind,
    key: string,
    body: Uint8Array | undefined,
    abortSignal?: { readonly aborted: boolean },
    conditions: DirectConditions = {},
  ): Promise<WireResponse | undefined> {
    const template = this.#templates.get(kind);
    const config = this.#config;
    if (template === undefined || Date.now() < this.#pausedUntil) return undefined;
    if (config.signer === undefined || config.requestHandler === undefined || config.streamCollector === undefined) {
      return undefined;
    }
    const headers: Record<string, string> = {
      // As the SDK's host-header middleware writes it; SigV4 signs it.
      host: template.port !== undefined ? `${template.hostname}:${template.port}` : template.hostname,
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    // Signed like every header here, as the SDK signs them.
    if (conditions.ifMatch !== undefined) headers['if-match'] = conditions.ifMatch;
    if (conditions.ifNoneMatch !== undefined) headers['if-none-match'] = conditions.ifNoneMatch;
    const request: WireRequest = {
      method: body === undefined ? 'GET' : 'PUT',
      protocol: template.protocol,
      hostname: template.hostname,
      ...(template.port !== undefined ? { port: template.port } : {}),
      path: `${template.basePath}/${encodeKeyPath(key)}`,
      query: { ...template.query },
      headers,
      body,
    };
    try {
      this.#signer ??= config.signer({
        name: 'sigv4',
        signingName: template.signingService,
        signingRegion: template.signingRegion,
        properties: {},
      });
      const signer = await this.#signer;
      const signed = await signer.sign(request, {
        // The SDK keeps the offset it learnt from S3's clock in the same field.
        signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)),
        signingRegion: template.signingRegion,
        signingService: template.signingService,
      });
      // The handler reads `abortSignal.aborted` right before it opens the request (the write fence).
      if (abortSignal?.aborted === true) return undefined;
      return (await config.requestHandler.handle(signed, abortSignal === undefined ? {} : { abortSignal })).response;
    } catch {
      if (abortSignal?.aborted === true) return undefined; // the fence, not the bucket: no cool-down
      this.#signer = undefined;
      this.#pause();
      return undefined;
    }
  }

  #pause(): void {
    this.#pausedUntil = Date.now() + COOL_DOWN_MS;
  }
}

/** The URL of an SDK request for `key`, when it has the shape we can reproduce. */
function templateOf(
  request: Partial<WireRequest> | undefined,
  authSchemes: readonly { name?: string; signingRegion?: string; signingName?: string }[] | undefined,
  key: string | undefined,
): Template | undefined {
  if (request === undefined || key === undefined) return undefined;
  const { protocol, hostname, path, query } = request;
  if (typeof protocol !== 'string' || typeof hostname !== 'string' || typeof path !== 'string') return undefined;
  const scheme = authSchemes?.[0];
  // Plain SigV4 only (not SigV4a, not S3 Express session auth).
  if (scheme === undefined || scheme.name !== 'sigv4') return undefined;
  if (typeof scheme.signingRegion !== 'string' || typeof scheme.signingName !== 'string') return undefined;
  const suffix = `/${encodeKeyPath(key)}`;
  if (!path.endsWith(suffix)) return undefined;
  const plainQuery: Record<string, string> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (typeof value !== 'string') return undefined;
    plainQuery[name] = value;
  }
  return {
    protocol,
    hostname,
    port: typeof request.port === 'number' ? request.port : undefined,
    basePath: path.slice(0, path.length - suffix.length),
    query: plainQuery,
    signingRegion: scheme.signingRegion,
    signingService: scheme.signingName,
  };
}

/** The `<Code>` of an S3 XML error body. */
function errorCode(body: Uint8Array): string | undefined {
  const text = new TextDecoder().decode(body.subarray(0, 2048));
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}
