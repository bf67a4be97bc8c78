/**
 * The benchmark's latency proxy (bench/latency-proxy.ts) in front of the test S3 server: it
 * forwards S3 requests unchanged, counts them by kind, and holds several requests in flight at
 * once (each waits out its own delay, so parallel requests share the latency).
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { classify, startLatencyProxy } from '../../bench/latency-proxy.js';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { TEST_CREDENTIALS, TEST_REGION, s3Endpoint, uniqueBucketName } from '../support/s3.js';

describe('latency proxy', () => {
  it('classifies S3 requests by kind', () => {
    expect(classify('GET', '/b/db/0000000001')).toBe('GET');
    expect(classify('GET', '/b?list-type=2&prefix=db%2F')).toBe('LIST');
    expect(classify('GET', '/b/?list-type=2')).toBe('LIST');
    expect(classify('HEAD', '/b/db/0000000001')).toBe('HEAD');
    expect(classify('PUT', '/b/db/0000000001?x-id=PutObject')).toBe('PUT');
    expect(classify('PUT', '/b')).toBe('OTHER');
    expect(classify('DELETE', '/b/db/0000000001')).toBe('DELETE');
    expect(classify('POST', '/b?delete')).toBe('DELETE');
    expect(classify('POST', '/b/k?uploads')).toBe('OTHER');
  });

  it('forwards, counts and delays requests, overlapping those in flight together', async () => {
    const latencyMs = 40;
    const proxy = await startLatencyProxy({ target: s3Endpoint(), latencyMs });
    const bucket = uniqueBucketName();
    const store = new S3ObjectStore({ bucket, endpoint: proxy.url, region: TEST_REGION, forcePathStyle: true, credentials: TEST_CREDENTIALS });
    try {
      await store.client.send(new CreateBucketCommand({ Bucket: bucket }));
      proxy.reset();
      const keys = Array.from({ length: 16 }, (_, i) => `db/${String(i).padStart(10, '0')}`);
      await Promise.all(keys.map((k, i) => store.put(k, new Uint8Array([i, 1, 2]))));
      expect(proxy.counts.PUT).toBe(16);
      // Requests sent together wait out their delay together (no wall-clock assertion: functional only).
      expect(proxy.counts.maxInFlight).toBeGreaterThan(1);

      expect(await store.get(keys[3]!)).toEqual(new Uint8Array([3, 1, 2]));
      expect((await store.head(keys[4]!))?.size).toBe(3);
      expect(await store.head('db/missing')).toBeUndefined();
      const listed: string[] = [];
      for await (const info of store.list('db/')) listed.push(info.key);
      expect(listed).toEqual(keys);
      await store.deleteMany(keys);
      await store.delete('db/other');
      expect(proxy.counts).toMatchObject({ GET: 1, HEAD: 2, PUT: 16, DELETE: 2, LIST: 1, OTHER: 0 });
      expect(proxy.total()).toBe(22);
      expect(proxy.counts.bytesUp).toBeGreaterThanOrEqual(16 * 3);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
