#!/usr/bin/env node
'use strict';
/**
 * The `s3lite` command: loads the CLI bundle (dist/cli-bundle/cli.cjs, built by
 * scripts/bundle-cli.mjs through `npm run build`, which `npm ci` runs through `prepare`) and runs it.
 *
 * Start-up (issue 15): compiling the bundle's JavaScript is a good part of a short command's time,
 * so the build also writes V8's code caches for it (dist/cli-bundle/code-cache/NAME.cache: the
 * bytecode of the functions that the command NAME ran on a small database, see
 * scripts/cli-code-cache.cjs; default.cache: what `--help` ran, for the other commands), and the
 * bundle is compiled here with the cache of the command being run, as `v8-compile-cache` and
 * Node 22's `module.enableCompileCache()` do. One cache per command, because V8 reads a whole
 * cache before anything runs: a cache for every command would cost each command the others' code.
 * V8 itself refuses a cache made by another V8 version or with other V8 flags, or for a source of
 * another length; the header's build id (also on the bundle's first line) refuses one made for
 * another build. A refused or missing cache only costs the ordinary compile. Nothing is written
 * at run time.
 *
 * CommonJS (bin/package.json): a CommonJS entry starts without Node's ES module loader.
 */
const { readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');
const { createRequire } = require('node:module');

const BUNDLE = join(__dirname, '..', 'dist', 'cli-bundle', 'cli.cjs');
/** The cache file begins with this line, then the build id line, padded with spaces to HEADER_BYTES. */
const MAGIC = 's3lite code cache 1\n';
const HEADER_BYTES = 64;

/** The build id on the bundle's first line (`// s3lite-build ID`), or undefined. */
function buildId(source) {
  const m = /^\/\/ s3lite-build ([0-9a-f]+)\n/.exec(source.slice(0, 64));
  return m === null ? undefined : m[1];
}

/** The cache's V8 data when it was made for this build, else undefined. */
function readCache(file, id) {
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= HEADER_BYTES) return undefined;
  const header = bytes.toString('latin1', 0, HEADER_BYTES);
  return header.startsWith(MAGIC) && header.slice(MAGIC.length).trimEnd() === id ? bytes.subarray(HEADER_BYTES) : undefined;
}

/** The code cache file for command `name`. */
function cacheFile(name) {
  return join(__dirname, '..', 'dist', 'cli-bundle', 'code-cache', `${name}.cache`);
}

/**
 * Compiles and runs the bundle (as Node runs a CommonJS module) and returns its exports with the
 * compiled script. `command`: the command about to run (its cache is used, else the default
 * one); undefined compiles from source (the build's code-cache training).
 */
function loadCli(command) {
  // ASCII only (the build makes sure), so latin1 reads it exactly and cheaply.
  const source = readFileSync(BUNDLE, 'latin1');
  const id = buildId(source);
  let cachedData;
  if (command !== undefined && id !== undefined) {
    if (/^[a-z]+$/.test(command)) cachedData = readCache(cacheFile(command), id);
    cachedData ??= readCache(cacheFile('default'), id);
  }
  // The wrapper Node puts around a CommonJS module.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, { filename: BUNDLE, ...(cachedData !== undefined && { cachedData }) });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE));
  return { cli: module.exports, script, id, cacheRejected: cachedData === undefined ? undefined : script.cachedDataRejected === true };
}

module.exports = { loadCli, readCache, cacheFile, MAGIC, HEADER_BYTES };

if (require.main === module) {
  const argv = process.argv.slice(2);
  loadCli(argv[0] ?? 'default')
    .cli.start(argv)
    .catch((err) => {
      process.stderr.write(`SQLITE_INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
