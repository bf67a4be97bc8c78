/**
 * Bundles the `s3lite` command (src/cli/run.ts) into dist/cli-bundle/ for `bin/s3lite.js`.
 *
 * Why: Node loads ES modules one file at a time (resolve, read, parse, link), and a command that
 * opens a database reaches ~200 of ours — about as much CPU as the work itself on a small file.
 * One bundle with a chunk per lazily loaded command starts in a fraction of that. Packages from
 * node_modules stay external (loaded from there, the AWS SDK only when S3 is used); every
 * `import('./literal.js')` becomes a chunk loaded just as lazily as before.
 *
 * src/api/node-only.ts computes its specifiers so that browser bundles leave the Node-only
 * modules out; here (a Node bundle) they must be in, so its `load('…')` calls are made literal
 * `import('…')`s. The library entry points (dist/index.js, dist/node.js) are not bundled.
 */
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const nodeOnlyLiteral = {
  name: 'node-only-literal',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]api[\\/]node-only\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const rewritten = text.replace(/\bload\((['"][^'"]+['"])\)/g, 'import($1)');
      if (rewritten === text) throw new Error('node-only.ts: no load(\'…\') call to make literal');
      return { contents: rewritten, loader: 'ts' };
    });
  },
};

// Chunk names carry content hashes: clear out the last build's.
await rm('dist/cli-bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/run.ts'],
  outdir: 'dist/cli-bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [nodeOnlyLiteral],
});
