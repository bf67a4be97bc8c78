/**
 * How S3ObjectStore reports failures: every SDK error becomes a SqliteError that names the
 * bucket/endpoint; conditional-write refusals become PreconditionFailedError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessDeniedError, IoError, PreconditionFailedError, SqliteError } from '../../src/errors.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { closedPort, s3ErrorXml, startScriptedS3Server, type ScriptedS3Server } from '../support/scripted-s3-server.js';
import { TEST_CREDENTIALS, TEST_REGION, s3Endpoint, uniqueBucketName } from '../support/s3.js';

function storeAt(endpoint: string, bucket: string, maxAttempts?: number): S3ObjectStore {
  return new S3ObjectStore({
    bucket,
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('S3ObjectStore against a bucket that does not exist', () => {
  it('get, put, list and deleteMany give an IoError naming the bucket and endpoint', async () => {
    const bucket = uniqueBucketName();
    const store = storeAt(s3Endpoint(), bucket);
    try {
      const expected = `bucket ${bucket} does not exist at ${s3Endpoint()}`;
      const attempts = [
        () => store.get('db/0000000000'),
        () => store.put('db/0000000000', new Uint8Array(4)),
        async () => {
          for await (const _ of store.list('db/')) void _;
        },
        () => store.deleteMany(['db/0000000000']),
      ];
      for (const attempt of attempts) {
        const err = await failure(attempt());
        expect(err).toBeInstanceOf(IoError);
        expect((err as IoError).message).toBe(expected);
        expect((err as IoError).cause).toBeDefined();
      }
      // HEAD responses carry no error body, so S3 cannot tell "no bucket" from "no key" there.
      expect(await store.head('db/0000000000')).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

describe('S3ObjectStore against an endpoint nobody listens on', () => {
  it('fails with an IoError naming the endpoint within a few seconds', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const store = storeAt(endpoint, 'bucket', 2);
    try {
      const started = Date.now();
      const err = await failure(store.get('db/0000000000'));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(err).toBeInstanceOf(IoError);
      expect((err as IoError).message).toContain(`cannot reach S3 endpoint ${endpoint}`);
      expect((err as IoError).message).toContain('ECONNREFUSED');
      expect(store.requests.get).toBe(1);
      const listErr = await failure(
        (async () => {
          for await (const _ of store.list('db/')) void _;
        })(),
      );
      expect(listErr).toBeInstanceOf(IoError);
    } finally {
      await store.close();
    }
  });
});

describe('S3ObjectStore against scripted S3 answers', () => {
  let server: ScriptedS3Server;
  let store: S3ObjectStore;

  beforeAll(async () => {
    server = await startScriptedS3Server(() => ({ status: 500, body: s3ErrorXml('InternalError', 'unscripted') }));
    // maxAttempts 3 keeps retry tests quick while still showing retries happen.
    store = storeAt(server.endpoint, 'bkt', 3);
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });

  it('AccessDenied becomes an IoError that says access denied', async () => {
    server.setScript(() => ({ status: 403, body: s3ErrorXml('AccessDenied', 'Access Denied') }));
    for (const attempt of [() => store.get('k'), () => store.put('k', new Uint8Array(1)), () => store.head('k')]) {
      const err = await failure(attempt());
      expect(err).toBeInstanceOf(IoError);
      expect(err).toBeInstanceOf(AccessDeniedError);
      expect((err as IoError).message).toMatch(/^access denied: S3 \w+ s3:\/\/bkt\/k at http:\/\/127\.0\.0\.1:\d+/);
    }
  });

  it('throttling and transient faults are retried by the SDK; our counter counts one request', async () => {
    server.requests.length = 0;
    server.setScript((_req, i) =>
      i === 0
        ? { status: 503, body: s3ErrorXml('SlowDown', 'Please reduce your request rate.') }
        : i === 1
          ? { status: 500, body: s3ErrorXml('InternalError', 'We encountered an internal error.') }
          : { status: 200, headers: { etag: '"abc"', 'content-type': 'application/octet-stream' }, body: 'hi' },
    );
    const before = store.requests.get;
    expect(await store.get('k')).toEqual(new TextEncoder().encode('hi'));
    expect(server.requests.length).toBe(3);
    expect(store.requests.get - before).toBe(1);
  });

  it('a fault that outlasts the retries becomes an IoError with the HTTP status', async () => {
    server.requests.length = 0;
    server.setScript(() => ({ status: 500, body: s3ErrorXml('InternalError', 'We encountered an internal error.') }));
    // The GET above succeeded, so the fast path (s3-direct.ts) tries first, once, and then hands
    // the request to the SDK, which makes its maxAttempts (3) attempts.
    expect(store.direct?.ready('GetObject')).toBe(true);
    const err = await failure(store.get('k'));
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain('S3 GetObject s3://bkt/k failed at');
    expect((err as IoError).message).toContain('InternalError (HTTP 500)');
    expect(server.requests.length).toBe(1 + 3);
    // After that surprise the fast path stands aside: exactly the SDK's 3 attempts.
    server.requests.length = 0;
    expect(await failure(store.get('k'))).toBeInstanceOf(IoError);
    expect(server.requests.length).toBe(3);
  });

  it('412 PreconditionFailed and 409 ConditionalRequestConflict become PreconditionFailedError', async () => {
    for (const [status, code] of [
      [412, 'PreconditionFailed'],
      [409, 'ConditionalRequestConflict'],
    ] as const) {
      server.requests.length = 0;
      server.setScript(() => ({ status, body: s3ErrorXml(code, 'At least one of the pre-conditions you specified did not hold') }));
      const err = await failure(store.put('lease', new Uint8Array(2), { ifNoneMatch: '*' }));
      expect(err).toBeInstanceOf(PreconditionFailedError);
      expect((err as PreconditionFailedError).key).toBe('lease');
      expect(server.requests[0]?.headers['if-none-match']).toBe('*');
    }
    server.requests.length = 0;
    server.setScript(() => ({ status: 412, body: s3ErrorXml('PreconditionFailed', 'nope') }));
    await expect(store.put('lease', new Uint8Array(2), { ifMatch: '"v1"' })).rejects.toBeInstanceOf(
      PreconditionFailedError,
    );
    expect(server.requests[0]?.headers['if-match']).toBe('"v1"');
    await expect(store.delete('lease', { ifMatch: '"v1"' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(server.requests[1]?.method).toBe('DELETE');
    expect(server.requests[1]?.headers['if-match']).toBe('"v1"');
  });

  it('per-key errors inside a 200 DeleteObjects response become an IoError naming the key', async () => {
    server.setScript(() => ({
      status: 200,
      body:
        '<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Error><Key>db/0000000001</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
        '</DeleteResult>',
    }));
    const err = await failure(store.deleteMany(['db/0000000000', 'db/0000000001']));
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain('db/0000000001');
    expect((err as IoError).message).toContain('AccessDenied');
  });

  it('a listing that repeats its continuation token ends in an IoError, not a loop', async () => {
    server.requests.length = 0;
    server.setScript(() => ({
      status: 200,
      body:
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Name>bkt</Name><Prefix>db/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys>' +
        '<IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken>' +
        '<Contents><Key>db/0000000000</Key><Size>4</Size><ETag>"e"</ETag></Contents></ListBucketResult>',
    }));
    const seen: string[] = [];
    const err = await failure(
      (async () => {
        for await (const info of store.list('db/')) seen.push(info.key);
      })(),
    );
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).message).toContain('continuation token');
    expect(server.requests.length).toBe(2);
    expect(seen).toEqual(['db/0000000000', 'db/0000000000']);
  });

  it('never lets a raw SDK error escape', async () => {
    server.setScript(() => ({ status: 400, body: s3ErrorXml('InvalidRequest', 'bad') }));
    const ops = [
      () => store.get('k'),
      () => store.head('k'),
      () => store.put('k', new Uint8Array(1)),
      () => store.delete('k'),
      () => store.deleteMany(['k']),
      async () => {
        for await (const _ of store.list('')) void _;
      },
    ];
    for (const op of ops) expect(await failure(op())).toBeInstanceOf(SqliteError);
  });
});
