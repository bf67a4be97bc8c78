/**
 * Helpers for tests that talk to the S3 test server started by `s3-global-setup.ts`.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { S3ObjectStore, suppressSdkNodeVersionWarning } from '../../src/store/s3-store.js';

/** Dummy credentials: the test server checks nothing, but the SDK must sign with something. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const TEST_REGION = 'us-east-1';

/** `http://127.0.0.1:<port>` of the S3 test server. */
export function s3Endpoint(): string {
  return inject('s3Endpoint');
}

let bucketCounter = 0;

/** A fresh S3 client for the test server (the caller destroys it, or closes the store that owns it). */
export function testS3Client(endpoint = s3Endpoint()): S3Client {
  suppressSdkNodeVersionWarning();
  return new S3Client({
    endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
}

/** A bucket name that no other call (in this or another test process) returns. */
export function uniqueBucketName(): string {
  const random = Math.random().toString(36).slice(2, 10);
  return `t-${process.pid}-${++bucketCounter}-${random}`;
}

/**
 * Creates a new, empty bucket and an `S3ObjectStore` on it. `client` is a separate raw SDK client
 * for inspecting the bucket behind the store's back; close both when done (`store.close()`,
 * `client.destroy()`).
 */
export async function newTestBucket(): Promise<{ bucket: string; store: S3ObjectStore; client: S3Client }> {
  const bucket = uniqueBucketName();
  const client = testS3Client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3ObjectStore({
    bucket,
    endpoint: s3Endpoint(),
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  return { bucket, store, client };
}
