/**
 * One import or one export in a lean process of its own, so that its peak resident memory is
 * the transfer's (plus Node and the built library), not the benchmark harness's: no tsx, no
 * fauxqs, no latency proxy in this process. Started by bench/transfer-rss.ts; runs the built
 * code in dist/ (`npm run build`), plain JavaScript so that no TypeScript loader is loaded.
 *
 *   node bench/transfer-rss-child.mjs '<json spec>'
 *
 * spec: { op: 'import' | 'export', store: 's3' | 'dir', endpoint?, bucket?, root?, prefix,
 *         file?, size?, blockSize, hash? }
 * Prints one JSON line: wall ms, requests by kind, resident memory (baseline after loading the
 * library, sampled peak every 10 ms, and the kernel's maxRSS; the peak in each quarter of the
 * bytes moved), peak heap and array buffers.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const spec = JSON.parse(process.argv[2] ?? '{}');
const dist = new URL('../dist/', import.meta.url);
const lib = await import(new URL('index.js', dist).href);
const nodeLib = await import(new URL('node.js', dist).href);
const s3 = await import(new URL('store/s3-store.js', dist).href);
s3.suppressSdkNodeVersionWarning?.();

const objects =
  spec.store === 's3'
    ? new lib.S3ObjectStore({
        bucket: spec.bucket,
        endpoint: spec.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      })
    : new nodeLib.DirectoryObjectStore(spec.root, { sync: false });

const MiB = 2 ** 20;
const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeap = baseline.heapUsed;
let peakBuffers = baseline.arrayBuffers;
// The peak RSS within each quarter of the bytes moved: flat quarters show that memory does not
// grow with the part of the database already transferred.
const quarters = [0, 0, 0, 0];
let quarter = 0;
const onProgress = (done, total) => {
  quarter = Math.min(3, Math.floor((4 * done) / total));
};
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  quarters[quarter] = Math.max(quarters[quarter], m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
};
const sampler = setInterval(sample, 10);

const t0 = performance.now();
let detail;
if (spec.op === 'import') {
  const input = createReadStream(spec.file, { highWaterMark: 1 << 20 });
  const result = await lib.deserialize(new lib.BlockStore(objects, spec.prefix), input, {
    blockSize: spec.blockSize,
    sourceSize: spec.size,
    onProgress,
  });
  if (result.bytes !== spec.size) throw new Error(`imported ${result.bytes} bytes, expected ${spec.size}`);
  detail = { blocks: result.blocks, removedBlocks: result.removedBlocks };
} else {
  const file = await new lib.BlockVfs(objects).xOpen(spec.prefix, lib.OpenFlags.SQLITE_OPEN_READONLY);
  const digest = createHash('sha256');
  let bytes = 0;
  for await (const chunk of lib.serialize(file, { onProgress })) {
    digest.update(chunk);
    bytes += chunk.length;
  }
  await file.xClose();
  const hash = digest.digest('hex');
  if (hash !== spec.hash) throw new Error('the export is not byte-identical to the file');
  detail = { bytes };
}
const ms = performance.now() - t0;
clearInterval(sampler);
sample();
await objects.close();

process.stdout.write(
  JSON.stringify({
    ms,
    requests: objects.requests,
    baselineRssMiB: baseline.rss / MiB,
    peakRssMiB: peakRss / MiB,
    // resourceUsage().maxRSS is in KiB: the kernel's high-water mark for this process.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: peakHeap / MiB,
    peakArrayBuffersMiB: peakBuffers / MiB,
    quarterPeakRssMiB: quarters.map((q) => q / MiB),
    ...detail,
  }) + '\n',
);
