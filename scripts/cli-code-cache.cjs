'use strict';
/**
 * Writes V8's code caches for the CLI bundle, dist/cli-bundle/code-cache/NAME.cache (run by
 * scripts/bundle-cli.mjs after bundling; bin/s3lite.js says how they are used and checked).
 *
 *   node scripts/cli-code-cache.cjs NAME DIR
 *
 * A cache holds the bytecode of every function compiled when it is made, so it is made after
 * running what a user runs with command NAME — open a file, read the schema, plan, scan, print
 * JSON Lines, CSV and tables — on a small database in DIR (made by the `exec` group, which runs
 * first). Each group runs in a process of its own (the bundle compiled from source), its commands
 * one after the other in this process, their output to nowhere (stdout is /dev/null); a command
 * that fails fails the build.
 */
const { renameSync, writeFileSync, mkdirSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { loadCli, cacheFile, MAGIC, HEADER_BYTES } = require('../bin/s3lite.js');

const SETUP = `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB, n INTEGER);
CREATE INDEX t_name ON t(name);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 3000)
INSERT INTO t SELECT i, 'name-' || (i * 7919 % 3000), i / 3.0, randomblob(CASE WHEN i % 7 = 0 THEN 5000 ELSE 100 END), i * -4099 FROM seq;
INSERT INTO t VALUES (NULL, 'quote " back\\ tab\t é', 1e300, x'', 9007199254740993), (NULL, NULL, NULL, NULL, NULL);`;

/** The commands each cache is made from; `default` serves the commands without a cache of their own. */
const GROUPS = {
  exec: (db) => [
    ['create', '-q', db],
    ['exec', db, SETUP],
    ['exec', db, "UPDATE t SET name = 'x' WHERE id % 10 = 0; DELETE FROM t WHERE id % 11 = 0; SELECT count(*) FROM t"],
  ],
  default: () => [['--help'], ['query', '--help']],
  query: (db) => [
    ['query', db, 'SELECT * FROM t', '--json'],
    ['query', db, 'SELECT * FROM t', '--csv'],
    ['query', db, 'SELECT * FROM t LIMIT 50'],
    ['query', db, 'SELECT name, count(*), max(value) FROM t WHERE id > ? GROUP BY name ORDER BY 2 DESC LIMIT 20', '-p', '10', '--json'],
  ],
  rows: (db) => [
    ['rows', db, 't', '--json'],
    ['rows', db, 't', '--csv'],
    ['rows', db, 't', '--limit', '50'],
  ],
  tables: (db) => [['tables', db]],
  schema: (db) => [['schema', db]],
};

async function main() {
  const [name, dir] = process.argv.slice(2);
  const group = GROUPS[name ?? ''];
  if (group === undefined || dir === undefined) throw new Error(`usage: cli-code-cache.cjs ${Object.keys(GROUPS).join('|')} DIR`);
  const { cli, script, id } = loadCli(undefined);
  if (id === undefined) throw new Error('the bundle has no build id line');
  for (const argv of group(join(dir, 'train.sqlite'))) {
    const code = await cli.main(argv);
    if (code !== 0) throw new Error(`s3lite ${argv.join(' ')} exited with ${code}`);
  }
  process.exitCode = 0;
  const header = Buffer.alloc(HEADER_BYTES, ' ');
  header.write(`${MAGIC}${id}\n`, 'latin1');
  const file = cacheFile(name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, Buffer.concat([header, script.createCachedData()]));
  renameSync(`${file}.tmp`, file);
}

/** The groups in the order the build runs them (`exec` makes the database the others read). */
module.exports = { GROUP_NAMES: Object.keys(GROUPS) };

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`cli-code-cache: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
