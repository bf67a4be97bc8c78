/**
 * The fast path for block GETs and PUTs (src/store/s3-direct.ts): it takes over only after the
 * SDK has made a successful request of the same kind, sends what the SDK would send (same URL,
 * a valid SigV4 signature — checked here by an independent verifier, and the verifier itself is
 * checked on the SDK's own requests), serves 200 and 404 NoSuchKey itself, and hands everything
 * else to the SDK.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IoError } from '../../src/errors.js';
import { encodeKeyPath } from '../../src/store/s3-direct.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { s3ErrorXml, startScriptedS3Server, type ScriptedRequest, type ScriptedS3Server } from '../support/scripted-s3-server.js';
import { TEST_CREDENTIALS, TEST_REGION, newTestBucket } from '../support/s3.js';

const sha256 = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it for query names and values. */
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Recomputes the SigV4 signature of a received request with the test secret (AWS's "Signature
 * Version 4 signing process", S3 flavour: the path is used as sent, without double encoding) and
 * returns why it is wrong, or undefined when it is right.
 */
function sigV4Problem(req: ScriptedRequest, secret: string): string | undefined {
  const auth = String(req.headers['authorization'] ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (m === null) return `malformed Authorization: ${auth}`;
  const [, , date, region, service, signedHeaders, signature] = m as unknown as string[];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date!)) return 'x-amz-date does not match the credential scope';
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(req.body)) return 'x-amz-content-sha256 is not the body hash';
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const canonicalQuery = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const [k, v] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders!.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!names.includes(required)) return `${required} is not signed`;
  }
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return expected === signature ? undefined : 'signature mismatch';
}

describe('encodeKeyPath', () => {
  it('encodes each segment as S3 wants it and keeps the slashes', () => {
    expect(encodeKeyPath('db/0000000001')).toBe('db/0000000001');
    expect(encodeKeyPath("a b/c+d/é!'()*~._-")).toBe('a%20b/c%2Bd/%C3%A9%21%27%28%29%2A~._-');
  });
});

describe('the fast path against scripted S3 answers', () => {
  let server: ScriptedS3Server;
  let store: S3ObjectStore;
  const ok = { status: 200, headers: { etag: '"e1"', 'content-type': 'application/octet-stream' }, body: 'block-bytes' };

  beforeAll(async () => {
    server = await startScriptedS3Server(() => ok);
    store = new S3ObjectStore({ bucket: 'bkt', endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 2 });
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it('starts only after a successful SDK request of the same kind, then sends what the SDK sends, validly signed', async () => {
    const direct = store.direct!;
    const key = 'my db/päge (1)/0000000007';
    expect(direct.ready('GetObject')).toBe(false);
    expect(direct.ready('PutObject')).toBe(false);

    server.requests.length = 0;
    expect(await store.put(key, new TextEncoder().encode('first'))).toEqual({ etag: '"e1"' });
    expect(direct.served).toBe(0);
    expect(direct.ready('PutObject')).toBe(true);
    expect(direct.ready('GetObject')).toBe(false);
    expect(await store.put(key, new TextEncoder().encode('second'))).toEqual({ etag: '"e1"' });
    expect(direct.served).toBe(1);

    expect(new TextDecoder().decode(await store.get(key))).toBe('block-bytes'); // SDK
    expect(new TextDecoder().decode(await store.get(key))).toBe('block-bytes'); // fast
    expect(direct.served).toBe(2);

    const [sdkPut, fastPut, sdkGet, fastGet] = server.requests;
    for (const [sdk, fast] of [
      [sdkPut!, fastPut!],
      [sdkGet!, fastGet!],
    ] as const) {
      expect(fast.method).toBe(sdk.method);
      expect(fast.url).toBe(sdk.url);
      expect(fast.headers['host']).toBe(sdk.headers['host']);
      // The verifier accepts the SDK's own request (so it checks the real thing) and the fast one.
      expect(sigV4Problem(sdk, TEST_CREDENTIALS.secretAccessKey)).toBeUndefined();
      expect(sigV4Problem(fast, TEST_CREDENTIALS.secretAccessKey)).toBeUndefined();
      expect(sigV4Problem(fast, 'another secret')).toBe('signature mismatch');
    }
    expect(fastPut!.body).toBe('second');
    expect(fastPut!.headers['content-length']).toBe('6');
    expect(store.requests).toMatchObject({ get: 2, put: 2 });
  });

  it('answers NoSuchKey itself, without a second request', async () => {
    server.requests.length = 0;
    server.setScript(() => ({ status: 404, body: s3ErrorXml('NoSuchKey', 'The specified key does not exist.') }));
    const served = store.direct!.served;
    expect(await store.get('db/missing')).toBeUndefined();
    expect(server.requests.length).toBe(1);
    expect(store.direct!.served).toBe(served + 1);
  });

  it('never takes conditional writes', async () => {
    server.requests.length = 0;
    server.setScript(() => ok);
    const served = store.direct!.served;
    await store.put('lease', new TextEncoder().encode('x'), { ifNoneMatch: '*' });
    await store.put('lease', new TextEncoder().encode('x'), { ifMatch: '"e1"' });
    expect(store.direct!.served).toBe(served);
    expect(server.requests.map((r) => [r.headers['if-none-match'], r.headers['if-match']])).toEqual([
      ['*', undefined],
      [undefined, '"e1"'],
    ]);
  });

  it('hands any other answer to the SDK (which retries and reports it) and then stands aside', async () => {
    server.requests.length = 0;
    server.setScript(() => ({ status: 500, body: s3ErrorXml('InternalError', 'We encountered an internal error.') }));
    expect(store.direct!.ready('GetObject')).toBe(true);
    const err = await store.get('db/0000000001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain('InternalError (HTTP 500)');
    // One fast attempt, then the SDK's two (maxAttempts 2).
    expect(server.requests.length).toBe(3);
    expect(store.direct!.ready('GetObject')).toBe(false);
    expect(store.direct!.ready('PutObject')).toBe(false);
    // While it stands aside, requests cost exactly what the SDK makes of them.
    server.requests.length = 0;
    server.setScript(() => ok);
    const served = store.direct!.served;
    expect(new TextDecoder().decode(await store.get('db/0000000001'))).toBe('block-bytes');
    await store.put('db/0000000001', new TextEncoder().encode('y'));
    expect(server.requests.length).toBe(2);
    expect(store.direct!.served).toBe(served);
  });

  it('is off with directRequests: false and for a client given by the caller', async () => {
    const off = new S3ObjectStore({ bucket: 'bkt', endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, directRequests: false });
    const given = new S3ObjectStore({ bucket: 'bkt', client: off.client });
    try {
      expect(off.direct).toBeUndefined();
      expect(given.direct).toBeUndefined();
      server.setScript(() => ok);
      await off.put('k', new TextEncoder().encode('z'));
      await off.put('k', new TextEncoder().encode('z'));
      expect(off.requests.put).toBe(2);
    } finally {
      await off.close();
    }
  });
});

describe('the fast path against the S3 test server', () => {
  it('round-trips blocks byte for byte, missing keys included, and serves them after the first', async () => {
    const { store, client } = await newTestBucket();
    try {
      const blocks = Array.from({ length: 40 }, (_, i) => {
        const data = new Uint8Array(4096);
        for (let j = 0; j < data.length; j++) data[j] = (i * 31 + j * 7) & 0xff;
        return data;
      });
      const keys = blocks.map((_, i) => `db/${String(i).padStart(10, '0')}`);
      await store.put(keys[0]!, blocks[0]!);
      await Promise.all(keys.slice(1).map((k, i) => store.put(k, blocks[i + 1]!)));
      expect(await store.get(keys[0]!)).toEqual(blocks[0]);
      const back = await Promise.all(keys.map((k) => store.get(k)));
      expect(back).toEqual(blocks);
      expect(await store.get('db/9999999999')).toBeUndefined();
      // All but the first PUT and the first GET went the fast way.
      expect(store.direct!.served).toBe(39 + 40 + 1);
      expect((await store.head(keys[5]!))?.size).toBe(4096);
    } finally {
      await store.close();
      client.destroy();
    }
  });
});

describe('the fast path for a bucket on AWS (virtual-hosted style, https), with a recording HTTP handler', () => {
  /** The SDK's HTTP request, as its handler receives it. */
  interface Sent {
    method: string;
    protocol: string;
    hostname: string;
    port?: number;
    path: string;
    query: Record<string, string>;
    headers: Record<string, string>;
    body?: unknown;
  }

  it('goes where the SDK went and signs for the bucket region', async () => {
    const { S3Client, GetObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { Readable } = await import('node:stream');
    const { DirectRequests } = await import('../../src/store/s3-direct.js');
    const sent: Sent[] = [];
    const handler = {
      metadata: { handlerProtocol: 'http/1.1' },
      handle: async (request: Sent) => {
        sent.push(request);
        const body = request.method === 'GET' ? 'page' : '';
        return {
          response: {
            statusCode: 200,
            reason: 'OK',
            headers: { etag: '"aws-etag"', 'content-length': String(body.length) },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    const client = new S3Client({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'aws-secret' },
      requestHandler: handler,
      cacheMiddleware: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      const direct = new DirectRequests(client, 'my-bucket');
      const key = 'prefix/0000000003';
      await client.send(new GetObjectCommand({ Bucket: 'my-bucket', Key: key }));
      direct.learn('GetObject', key);
      await client.send(new PutObjectCommand({ Bucket: 'my-bucket', Key: key, Body: new Uint8Array([1, 2, 3]) }));
      direct.learn('PutObject', key);
      const got = await direct.get(key);
      expect(got.ok && new TextDecoder().decode(got.value?.data)).toBe('page');
      expect(await direct.put(key, new Uint8Array([1, 2, 3]))).toEqual({ ok: true, value: '"aws-etag"' });

      const [sdkGet, sdkPut, fastGet, fastPut] = sent;
      for (const [sdk, fast] of [
        [sdkGet!, fastGet!],
        [sdkPut!, fastPut!],
      ] as const) {
        expect(fast.protocol).toBe('https:');
        expect(fast.hostname).toBe('my-bucket.s3.eu-west-1.amazonaws.com');
        expect([fast.protocol, fast.hostname, fast.port, fast.path, fast.query]).toEqual([
          sdk.protocol,
          sdk.hostname,
          sdk.port,
          sdk.path,
          sdk.query,
        ]);
        expect(fast.path).toBe('/prefix/0000000003');
        expect(fast.headers['host']).toBe('my-bucket.s3.eu-west-1.amazonaws.com');
        expect(fast.headers['authorization']).toMatch(/Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request/);
        // Both requests pass the verifier (the SDK's own one shows it checks the real thing).
        for (const r of [sdk, fast]) {
          const url = `${r.path}?${Object.entries(r.query).map(([k, v]) => `${k}=${v}`).join('&')}`;
          const bodyText = r.body instanceof Uint8Array ? Buffer.from(r.body).toString('utf8') : '';
          expect(sigV4Problem({ method: r.method, url, headers: r.headers, body: bodyText }, 'aws-secret')).toBeUndefined();
        }
      }
      expect(direct.served).toBe(2);
    } finally {
      client.destroy();
    }
  });
});
