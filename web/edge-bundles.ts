/**
 * The public entry (src/index.ts) bundled as browsers and edge workers get it, with esbuild:
 *
 * - `browser`: platform 'browser', everything inside — s3lite and the AWS SDK's web build
 *   (chosen by the SDK's own `browser` field: fetch, WebCrypto).
 * - `neutral`: platform 'neutral' (no runtime's conditions), the AWS SDK left out: s3lite's own
 *   code, which must need nothing from any runtime but web APIs. The SDK stays outside because
 *   its package picks a build per platform through the `browser` field, which only a bundler that
 *   targets a platform applies; an edge bundler resolves it to the web build.
 * - `sdk`: that web build of `@aws-sdk/client-s3` alone, as a separate script, for running the
 *   neutral bundle beside it (test/web/edge-bundle.test.ts).
 *
 * A Node built-in (`node:*`, `fs`, …) anywhere in a bundle fails the build: nothing is external
 * but the SDK in the neutral bundle. Used by the bundle test and by `bench/edge-bundle.ts`.
 */
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const SDK = '@aws-sdk/client-s3';
/** The global the IIFE bundles assign to (`globalThis.s3lite`, `globalThis.__s3liteSdk`). */
export const GLOBAL_NAME = 's3lite';
const SDK_GLOBAL = '__s3liteSdk';

export type BundleKind = 'browser' | 'neutral' | 'sdk';

export interface Bundle {
  readonly kind: BundleKind;
  /** Minified script (format `iife` when built to run in a vm, else `esm`). */
  readonly code: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Every module the bundle still imports, once each (only the SDK in the neutral ESM bundle). */
  readonly imports: readonly string[];
}

/** Refuses every Node built-in, whether spelled `node:fs` or `fs`. */
const noNodeBuiltins: esbuild.Plugin = {
  name: 'no-node-builtins',
  setup(build) {
    const builtins = new Set(builtinModules);
    build.onResolve({ filter: /.*/ }, (args) => {
      const bare = args.path.replace(/^node:/, '');
      if (args.path.startsWith('node:') || builtins.has(bare) || builtins.has(bare.split('/')[0] ?? '')) {
        return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }] };
      }
      return undefined;
    });
  },
};

/** In the neutral IIFE, the SDK's imports read the global the `sdk` script set. */
const sdkFromGlobal: esbuild.Plugin = {
  name: 'sdk-from-global',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/client-s3$/ }, () => ({ path: SDK, namespace: 'sdk-global' }));
    build.onLoad({ filter: /.*/, namespace: 'sdk-global' }, () => ({ contents: `module.exports = globalThis.${SDK_GLOBAL};`, loader: 'js' }));
  },
};

/**
 * Builds one bundle. `format: 'iife'` makes a script that assigns the exports to a global (what a
 * bare vm context can run); `'esm'` is what a bundler user ships, and what the sizes are of.
 */
export async function buildBundle(kind: BundleKind, format: 'esm' | 'iife' = 'esm'): Promise<Bundle> {
  const common: esbuild.BuildOptions = {
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    format,
    target: 'es2022',
    absWorkingDir: ROOT,
    logLevel: 'silent',
    legalComments: 'none',
  };
  let options: esbuild.BuildOptions;
  if (kind === 'sdk') {
    options = {
      ...common,
      stdin: { contents: `export * from '${SDK}';`, resolveDir: ROOT, loader: 'js' },
      platform: 'browser',
      ...(format === 'iife' && { globalName: SDK_GLOBAL }),
      plugins: [noNodeBuiltins],
    };
  } else {
    options = {
      ...common,
      entryPoints: [ENTRY],
      platform: kind,
      ...(format === 'iife' && { globalName: GLOBAL_NAME }),
      ...(kind === 'neutral' && format === 'esm' && { external: [SDK] }),
      plugins: kind === 'neutral' && format === 'iife' ? [sdkFromGlobal, noNodeBuiltins] : [noNodeBuiltins],
    };
  }
  const result = await esbuild.build(options);
  const output = result.outputFiles?.[0];
  if (output === undefined) throw new Error(`esbuild wrote no ${kind} bundle`);
  const imports = [...new Set(Object.values(result.metafile?.outputs ?? {}).flatMap((o) => o.imports.map((i) => i.path)))];
  return {
    kind,
    code: output.text,
    bytes: output.contents.byteLength,
    gzipBytes: gzipSync(output.contents, { level: 9 }).byteLength,
    imports,
  };
}
