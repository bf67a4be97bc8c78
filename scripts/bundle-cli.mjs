/**
 * Bundles the `s3lite` command (src/cli/start.ts) into dist/cli-bundle/cli.cjs for
 * `bin/s3lite.js`, and writes V8's code caches for it (code-cache/*.cache, see cli-code-cache.cjs).
 *
 * Why one CommonJS file: Node loads ES modules one file at a time (resolve, read, parse, link),
 * and a command that opens a database reaches ~200 of ours; and compiling them is about as much
 * CPU as the work itself on a small file. One script that bin/s3lite.js compiles with
 * `vm.Script` can use V8's code cache, which Node 20 offers ES modules no way to do. Commands stay
 * lazy: every `import('./literal.js')` becomes a function that runs the module's code when the
 * command first asks for it (esbuild wraps such modules), so `--help` runs none of the engine.
 *
 * Packages from node_modules stay external (required from there when used, the AWS SDK only
 * when S3 is used), except commander, which every command uses: bundled, its compile is cached
 * with ours. A dynamic `import('package')` becomes a `require` (a script compiled by `vm.Script`
 * has no `import()` without an experimental Node option); the build checks that none is left.
 *
 * src/api/node-only.ts computes its specifiers so that browser bundles leave the Node-only
 * modules out; here (a Node bundle) they must be in, so its `load('…')` calls are made literal
 * `import('…')`s. The library entry points (dist/index.js, dist/node.js) are not bundled.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/cli-bundle/cli.cjs';

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

/** `import('package')` → a bundled stub module whose body is `module.exports = require('package')`. */
const dynamicImportAsRequire = {
  name: 'dynamic-import-as-require',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind !== 'dynamic-import' || args.path.startsWith('node:')) return undefined;
      return { path: args.path, namespace: 'require-stub' };
    });
    b.onLoad({ filter: /.*/, namespace: 'require-stub' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => name !== 'commander');
const id = randomBytes(16).toString('hex');

// Last build's files (a cache must never outlive its bundle).
await rm('dist/cli-bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/start.ts'],
  outfile: OUT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  // The build id on the first line: bin/s3lite.js uses the code cache only when its header names it.
  // output.ts finds cli-table3 through createRequire(import.meta.url); CommonJS has __filename.
  banner: { js: `// s3lite-build ${id}\nvar __s3liteModuleUrl = require("node:url").pathToFileURL(__filename).href;` },
  define: { 'import.meta.url': '__s3liteModuleUrl' },
  charset: 'ascii',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [nodeOnlyLiteral, dynamicImportAsRequire],
});

// bin/s3lite.js reads the bundle as latin1 (one byte a character: no UTF-8 decoding, a compact
// string). esbuild escapes every non-ASCII character in code (charset: 'ascii') but keeps the
// comments it keeps as they are: those characters become '?', in comment lines only.
let text = readFileSync(OUT, 'utf8');
const lines = text.split('\n');
for (let i = 0; i < lines.length; i++) {
  if (!/[^\x00-\x7f]/.test(lines[i])) continue;
  if (!/^\s*(\*|\/\*|\/\/)/.test(lines[i])) throw new Error(`${OUT}:${i + 1}: a non-ASCII character outside a comment`);
  lines[i] = lines[i].replace(/[^\x00-\x7f]/g, '?');
}
text = lines.join('\n');
writeFileSync(OUT, text, 'latin1');
if (/\bimport\(/.test(text.replace(/\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g, ''))) {
  throw new Error(`${OUT}: a dynamic import() is left (vm.Script cannot run it)`);
}

// The code caches (scripts/cli-code-cache.cjs): one child process per command group, with no
// extra V8 flags (a cache made under other flags is refused); `exec` first: it makes the database.
const env = { ...process.env };
delete env.NODE_OPTIONS;
const { GROUP_NAMES } = createRequire(import.meta.url)('./cli-code-cache.cjs');
const dir = await mkdtemp(join(tmpdir(), 's3lite-code-cache-'));
const train = (name) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/cli-code-cache.cjs', name, dir], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`scripts/cli-code-cache.cjs ${name} exited with ${code ?? signal}`))));
  });
try {
  await train('exec');
  await Promise.all(GROUP_NAMES.filter((n) => n !== 'exec').map(train));
} catch (err) {
  // The command works without its caches (it compiles from source): a build that cannot make
  // them says so and goes on. test/package/entry-points.test.ts fails when they are missing.
  await rm('dist/cli-bundle/code-cache', { recursive: true, force: true });
  console.warn(`warning: no code cache for the CLI (it will start slower): ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
