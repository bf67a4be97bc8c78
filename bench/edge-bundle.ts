/**
 * Sizes of the public entry as browsers and edge workers get it (web/edge-bundles.ts): minified
 * and gzipped (level 9), for the browser bundle (s3lite + the AWS SDK's web build), the neutral
 * bundle (s3lite alone) and the SDK's web build alone. `npx tsx bench/edge-bundle.ts`
 */
import { buildBundle, type BundleKind } from '../web/edge-bundles.js';

const LABELS: Record<BundleKind, string> = {
  browser: 'browser (s3lite + AWS SDK web build)',
  neutral: 'neutral (s3lite alone, SDK external)',
  sdk: '@aws-sdk/client-s3 web build alone',
};

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
console.log('bundle                                     minified      gzipped');
for (const kind of ['browser', 'neutral', 'sdk'] as const) {
  const b = await buildBundle(kind);
  console.log(`${LABELS[kind].padEnd(42)} ${kib(b.bytes).padStart(10)}  ${kib(b.gzipBytes).padStart(11)}`);
}
