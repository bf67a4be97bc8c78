/**
 * S3 stores for the safety tests: a fresh bucket on the fauxqs test server, reached either
 * directly (conditions ignored) or through the enforcing proxy (conditions as S3 documents).
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { type ConditionalS3Proxy, startConditionalS3Proxy } from '../support/conditional-s3-proxy.js';
import { TEST_CREDENTIALS, TEST_REGION, s3Endpoint, testS3Client, uniqueBucketName } from '../support/s3.js';

export interface SafetyS3 {
  readonly bucket: string;
  readonly proxy: ConditionalS3Proxy;
  /** A new store on the bucket through the enforcing proxy (each one is "another machine"). */
  enforcing(): S3ObjectStore;
  /** A new store on the bucket straight to fauxqs (conditions accepted, not enforced). */
  direct(): S3ObjectStore;
  close(): Promise<void>;
}

export async function startSafetyS3(): Promise<SafetyS3> {
  const bucket = uniqueBucketName();
  const client = testS3Client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  const proxy = await startConditionalS3Proxy(s3Endpoint());
  const stores: S3ObjectStore[] = [];
  const make = (endpoint: string): S3ObjectStore => {
    const store = new S3ObjectStore({ bucket, endpoint, region: TEST_REGION, forcePathStyle: true, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    stores.push(store);
    return store;
  };
  return {
    bucket,
    proxy,
    enforcing: () => make(proxy.endpoint),
    direct: () => make(s3Endpoint()),
    async close() {
      for (const s of stores) await s.close();
      await proxy.close();
    },
  };
}
