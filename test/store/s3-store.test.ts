/**
 * S3ObjectStore specifics beyond the ObjectStore contract: request batching and pagination,
 * client construction (region, endpoint from the environment, path style), and the Node 20
 * warning the AWS SDK prints.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/store/s3-store.js';
import { TEST_CREDENTIALS, newTestBucket, s3Endpoint, testS3Client } from '../support/s3.js';

describe('S3ObjectStore batching and pagination', () => {
  it('deletes ~1100 keys in two DeleteObjects requests and lists them in two pages', async () => {
    const { bucket, store, client } = await newTestBucket();
    try {
      const keys = Array.from({ length: 1100 }, (_, i) => `db/${String(i).padStart(10, '0')}`);
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(keys.slice(i, i + 100).map((key) => store.put(key, new Uint8Array([i & 0xff]))));
      }
      const listBefore = store.requests.list;
      const listed: string[] = [];
      for await (const info of store.list('db/')) listed.push(info.key);
      expect(listed).toEqual(keys);
      expect(store.requests.list - listBefore).toBe(2); // S3 pages hold at most 1000 keys

      const deleteBefore = store.requests.delete;
      await store.deleteMany(keys);
      expect(store.requests.delete - deleteBefore).toBe(2); // batches of at most 1000
      const left = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'db/' }));
      expect(left.KeyCount ?? 0).toBe(0);
    } finally {
      await store.close();
      client.destroy();
    }
  });
});

describe('S3ObjectStore client construction', () => {
  const saved = new Map<string, string | undefined>();
  const ENV_NAMES = [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_PROFILE',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
  ];
  let dir: string;
  let bucket: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 's3lite-s3-config-'));
    const created = await newTestBucket();
    bucket = created.bucket;
    await created.store.put('hello', new TextEncoder().encode('world'));
    await created.store.close();
    created.client.destroy();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const name of ENV_NAMES) {
      saved.set(name, process.env[name]);
      delete process.env[name];
    }
    // No profile files: the SDK must find nothing but what each test sets.
    process.env['AWS_CONFIG_FILE'] = path.join(dir, 'no-config');
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = path.join(dir, 'no-credentials');
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  async function regionOf(store: S3ObjectStore): Promise<string> {
    return store.client.config.region();
  }

  it('falls back to us-east-1 when no region is configured anywhere, and still works', async () => {
    const store = new S3ObjectStore({ bucket, endpoint: s3Endpoint(), credentials: TEST_CREDENTIALS });
    try {
      expect(await regionOf(store)).toBe('us-east-1');
      expect(await store.get('hello')).toEqual(new TextEncoder().encode('world'));
    } finally {
      await store.close();
    }
  });

  it('takes the region from the option, else AWS_REGION, else AWS_DEFAULT_REGION, else the AWS profile', async () => {
    const config = path.join(dir, 'config-with-region');
    await writeFile(config, '[default]\nregion = eu-west-3\n');
    process.env['AWS_CONFIG_FILE'] = config;
    const fromProfile = new S3ObjectStore({ bucket, endpoint: s3Endpoint(), credentials: TEST_CREDENTIALS });
    expect(await regionOf(fromProfile)).toBe('eu-west-3');
    await fromProfile.close();

    process.env['AWS_DEFAULT_REGION'] = 'ap-south-1';
    const fromDefault = new S3ObjectStore({ bucket, endpoint: s3Endpoint(), credentials: TEST_CREDENTIALS });
    expect(await regionOf(fromDefault)).toBe('ap-south-1');
    await fromDefault.close();

    process.env['AWS_REGION'] = 'sa-east-1';
    const fromEnv = new S3ObjectStore({ bucket, endpoint: s3Endpoint(), credentials: TEST_CREDENTIALS });
    expect(await regionOf(fromEnv)).toBe('sa-east-1');
    await fromEnv.close();

    const explicit = new S3ObjectStore({ bucket, endpoint: s3Endpoint(), credentials: TEST_CREDENTIALS, region: 'eu-north-1' });
    expect(await regionOf(explicit)).toBe('eu-north-1');
    await explicit.close();
  });

  it('takes the endpoint and credentials from the environment and uses path style for it', async () => {
    process.env['AWS_ENDPOINT_URL_S3'] = s3Endpoint();
    process.env['AWS_ACCESS_KEY_ID'] = 'env-key';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'env-secret';
    const store = new S3ObjectStore({ bucket });
    try {
      expect(store.endpoint).toBe(s3Endpoint());
      expect(store.url).toBe(`s3://${bucket}`);
      expect(store.client.config.forcePathStyle).toBe(true);
      expect((await store.client.config.credentials()).accessKeyId).toBe('env-key');
      expect(await store.get('hello')).toEqual(new TextEncoder().encode('world'));
    } finally {
      await store.close();
    }
  });

  it('uses a given client as is and does not destroy it on close', async () => {
    const client = testS3Client();
    const store = new S3ObjectStore({ bucket, client });
    await store.close();
    // Still usable: close() left the caller's client alone.
    expect(await store.get('hello')).toEqual(new TextEncoder().encode('world'));
    client.destroy();
  });

  it('rejects an empty bucket name', () => {
    expect(() => new S3ObjectStore({ bucket: '' })).toThrow(/bucket/);
  });
});

describe('the AWS SDK Node-version warning', () => {
  /** stderr of a fresh Node process (the SDK warns once per process) that constructs a store. */
  function stderrOfNewStore(envValue: string | undefined): string {
    const env = { ...process.env };
    delete env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'];
    if (envValue !== undefined) env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = envValue;
    const script =
      "import { S3ObjectStore } from './src/store/s3-store.ts';" +
      "const s = new S3ObjectStore({ bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });" +
      'await s.close();';
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`child process failed: ${result.stderr}`);
    return result.stderr;
  }

  // Node 22+ gets no warning from this SDK version, so there is nothing to silence there.
  it.runIf(Number(process.versions.node.split('.')[0]) < 22)('is silenced by the store unless the user set the variable', () => {
    expect(stderrOfNewStore(undefined)).not.toContain('NodeVersionSupportWarning');
    // Control: an explicit "false" keeps the SDK's behaviour, which shows the check above can fail.
    expect(stderrOfNewStore('false')).toContain('NodeVersionSupportWarning');
  });
});
