/**
 * The `s3lite` command line. Each command lives in `commands/`; this file wires arguments,
 * options and help, and turns every failure into one line `CODE: message` on stderr with a
 * non-zero exit code.
 *
 * Start-up: this module loads only commander and a few small modules. Each action imports its
 * command's module when it runs (`import()`), so `--help` never loads the engine, a local file
 * never loads the AWS SDK (only `import`/`export`, and the store for an `s3://` location, do),
 * and every command loads only what it uses. Keep heavy imports out of this file.
 */
import { Command, CommanderError, Option } from 'commander';
import { MisuseError, SqliteError } from '../errors.js';
import type { CreateOptions } from './commands/create.js';
import type { ExecOptions } from './commands/exec.js';
import type { FormatOptions, RowsOptions } from './commands/read.js';
import type { QueryOptions } from './commands/query.js';
import type { ImportOptions } from './commands/transfer.js';
import { bboxOption } from './bbox.js';
import { positiveInteger, type GlobalOptions } from './context.js';

const LOCATIONS = `
Locations (the command and what exists decide, never the name):
  s3://bucket/k          blocks k/0000000000, k/0000000001, … (sqlite-s3vfs layout) when k/0000000000
                         exists, else the single object k (read in place by ranged GETs, read-only);
                         import always writes blocks at k, export always one object k (multipart), create blocks
  https://host/path      a SQLite file at a URL, read in place by Range requests (read-only; import source)
  DIR/                   a block directory (an existing directory, or any path ending in /)
  FILE                   any other local path: a plain SQLite file
  -                      standard input (import) or standard output (export)

WAL mode: a plain file's FILE-wal (a single object's k-wal) is applied when reading, as SQLite
applies it (its committed frames); a writer checkpoints it into FILE first, then writes with the
rollback journal.

S3 settings come from the AWS SDK's usual sources (AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE,
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/config) unless --endpoint/--region are given.`;

function commonOptions(command: Command): Command {
  return command
    .addOption(new Option('--endpoint <url>', 'S3 endpoint URL (any S3-compatible server)'))
    .addOption(new Option('--region <region>', 'S3 region (default: from the environment, else us-east-1)'))
    .addOption(
      new Option('--block-size <bytes>', 'bytes per block object for new databases (default 4096)').argParser(
        positiveInteger('--block-size'),
      ),
    )
    .addOption(
      new Option('--concurrency <n>', 'requests in flight at once (default 64)').argParser(positiveInteger('--concurrency')),
    )
    .addOption(new Option('--cache-dir <dir>', 'keep blocks read from S3 in this directory (trusted while the database is unchanged)'))
    .addOption(new Option('--busy-timeout <ms>', 'wait this long for another writer (default 0)').argParser(positiveInteger('--busy-timeout')))
    .addOption(
      new Option('--lease-duration <ms>', "how long a writer's lease lives unrenewed (default 30000); a writer paused longer loses it").argParser(
        positiveInteger('--lease-duration'),
      ),
    )
    .addOption(
      new Option('--lease-margin <ms>', 'stop sending writes this long before the lease could expire (default 5000)').argParser(
        positiveInteger('--lease-margin'),
      ),
    )
    .addOption(
      new Option(
        '--unsafe-no-lock',
        'write without the writer lease (as sqlite-s3vfs does): only safe when nobody else writes; needed on stores that ignore conditional writes',
      ),
    )
    .addOption(new Option('-q, --quiet', 'print nothing but errors and the requested output'));
}

export function buildProgram(): Command {
  const program = new Command('s3lite')
    .description('SQLite databases stored as block objects in S3, in a local directory, or in a plain file.')
    .version('0.1.0')
    .addHelpText('after', LOCATIONS)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  commonOptions(
    program
      .command('import')
      .description('copy a plain SQLite file (or blocks) into blocks, byte for byte; DEST is always blocks, whatever its name')
      .argument('<source>', 'a SQLite file, -, https://…, s3://bucket/k (blocks, else the object k)')
      .argument('<dest>', 's3://bucket/k (blocks k/0000000000, …) or DIR/')
      .option(
        '--replace',
        'replace a database that exists at DEST, as one crash-safe commit under the writer lease (the old pages are journaled first); without it import refuses an existing database',
      ),
  ).action(async (source: string, dest: string, options: ImportOptions) => (await import('./commands/transfer.js')).runImport(source, dest, options));

  commonOptions(
    program
      .command('export')
      .description('write a database out as one plain SQLite file, byte for byte; DEST is always one file, whatever its name')
      .argument('<source>', 's3://bucket/k (blocks, else the object k), DIR/, a file or https://…')
      .argument('<dest>', 'a file path, - for stdout, or s3://bucket/k (one object, multipart upload)'),
  ).action(async (source: string, dest: string, options: GlobalOptions) => (await import('./commands/transfer.js')).runExport(source, dest, options));

  commonOptions(
    program
      .command('info')
      .description('print the database header and the facts of the store it lives in')
      .argument('<location>', 'the database')
      .option('--json', 'print one JSON object'),
  ).action(async (location: string, options: GlobalOptions & { json?: boolean }) => (await import('./commands/info.js')).runInfo(location, options));

  commonOptions(
    program
      .command('schema')
      .description('print the CREATE statements of every table, index, view and trigger')
      .argument('<location>', 'the database'),
  ).action(async (location: string, options: GlobalOptions) => (await import('./commands/read.js')).runSchema(location, options));

  commonOptions(
    program
      .command('dump')
      .description('print the SQL text that rebuilds the database (or the tables named LIKE a pattern), as sqlite3 FILE .dump does')
      .argument('<location>', 'the database')
      .argument('[patterns...]', "tables to dump: LIKE patterns on their names ('%' any text, '_' one character)")
      .option('--data-only', 'only the INSERT statements')
      .option('--nosys', 'leave out sqlite_sequence and sqlite_stat1')
      .option('--newlines', 'keep newlines and carriage returns inside the quotes (no replace(…))')
      .option('--preserve-rowids', 'keep each row\'s rowid too (INSERT INTO t(rowid,…)) where it is not a column')
  ).action(async (location: string, patterns: string[], options: import('./commands/dump.js').DumpCommandOptions) =>
    (await import('./commands/dump.js')).runDump(location, patterns, options),
  );

  commonOptions(
    formatOptions(
      program
        .command('tables')
        .description('list every table, index and view with its type, root page and row count')
        .argument('<location>', 'the database'),
    ),
  ).action(async (location: string, options: FormatOptions) => (await import('./commands/read.js')).runTables(location, options));

  commonOptions(
    formatOptions(
      program
        .command('rows')
        .description('print the rows of a table, in rowid (or primary key) order (an R*Tree: in its tree order)')
        .argument('<location>', 'the database')
        .argument('<table>', 'table name')
        .addOption(new Option('--limit <n>', 'print at most n rows').argParser(nonNegativeInteger('--limit')))
        .addOption(new Option('--offset <n>', 'skip n rows first').argParser(nonNegativeInteger('--offset')))
        .addOption(new Option('--geojson', 'GeoPackage feature table: print the geometry column as GeoJSON geometry objects (with --json an object in each row, else its text)'))
        .addOption(
          new Option('--bbox <minx,miny,maxx,maxy>', "GeoPackage feature table: only features whose envelope meets the box, found through the table's R*Tree (rtree_<table>_<geom>)").argParser(
            bboxOption,
          ),
        )
        .addHelpText('after', GEOPACKAGE_ROWS),
    ),
  ).action(async (location: string, table: string, options: RowsOptions) => (await import('./commands/read.js')).runRows(location, table, options));

  commonOptions(
    formatOptions(
      program
        .command('pages')
        .description('census of pages by kind and owner (like the dbstat table); exit 1 if any page is unaccounted for')
        .argument('<location>', 'the database'),
    ),
  ).action(async (location: string, options: FormatOptions) => {
    process.exitCode = await (await import('./commands/read.js')).runPages(location, options);
  });

  commonOptions(
    formatOptions(
      program
        .command('query')
        .description('run a SELECT, a read-only PRAGMA (table_info, index_list, page_count, integrity_check, …) or EXPLAIN QUERY PLAN and print its rows')
        .argument('<location>', 'the database')
        .argument('<sql>', 'one SELECT or PRAGMA statement (parameters ?, ?N, :name bind the -p values in order)')
        .addOption(
          new Option('-p, --param <value>', 'a parameter value (repeatable): integer, real, NULL, else text').argParser(
            (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
          ),
        ),
    ),
  ).action(async (location: string, sql: string, options: QueryOptions) => (await import('./commands/query.js')).runQuery(location, sql, options));

  commonOptions(
    program
      .command('plan')
      .description('print how a SELECT would read the database (EXPLAIN QUERY PLAN)')
      .argument('<location>', 'the database')
      .argument('<sql>', 'one SELECT statement'),
  ).action(async (location: string, sql: string, options: GlobalOptions) => (await import('./commands/plan.js')).runPlan(location, sql, options));

  commonOptions(
    program
      .command('shell')
      .description('an interactive SQL prompt, as sqlite3\'s: queries print rows, other statements change the database (each commits unless inside BEGIN … COMMIT; an open transaction is rolled back at the end); a script on standard input runs as with sqlite3 FILE < script.sql; .help lists the dot-commands')
      .argument('<location>', 'the database'),
  ).action(async (location: string, options: GlobalOptions) => (await import('./commands/shell.js')).runShell(location, options));

  commonOptions(
    formatOptions(
      program
        .command('exec')
        .description("run SQL statements (each commits unless inside BEGIN … COMMIT); prints the rows of RETURNING, SELECT and PRAGMA; VACUUM rebuilds the database compactly, VACUUM INTO 'target' writes a compact copy (a file, or blocks at DIR/ or s3://…)")
        .argument('<location>', 'the database')
        .argument('[sql]', 'statements separated by ;')
        .addOption(new Option('-f, --file <path>', 'read the statements from a file (- for stdin)'))
        .addOption(new Option('--changes', 'print the number of rows inserted, updated or deleted')),
    ),
  ).action(async (location: string, sql: string | undefined, options: ExecOptions) => (await import('./commands/exec.js')).runExec(location, sql, options));

  commonOptions(
    program
      .command('check')
      .description('check every b-tree and page of the database; prints ok or the problems (exit 1)')
      .argument('<location>', 'the database'),
  ).action(async (location: string, options: GlobalOptions) => {
    process.exitCode = await (await import('./commands/check.js')).runCheck(location, options);
  });

  commonOptions(
    program
      .command('create')
      .description('create a new, empty database')
      .argument('<location>', 'where: s3://bucket/prefix, DIR/, or a file path')
      .addOption(new Option('--page-size <bytes>', 'page size, a power of two from 512 to 65536 (default 4096)').argParser(positiveInteger('--page-size'))),
  ).action(async (location: string, options: CreateOptions) => (await import('./commands/create.js')).runCreate(location, options));

  return program;
}

function formatOptions(command: Command): Command {
  return command
    .addOption(new Option('--json', 'JSON Lines: one JSON array per row, exact integers, reals always with . or e, blobs as {"blob":hex}').conflicts(['csv']))
    .addOption(new Option('--csv', 'CSV with a header row (RFC 4180)').conflicts(['json']))
    .addHelpText('after', '\nDefault output: a table.');
}

const GEOPACKAGE_ROWS = `
GeoPackages: --bbox runs SELECT * FROM <table> WHERE <pk> IN (SELECT id FROM rtree_<table>_<geom>
WHERE maxx >= minx AND minx <= maxx AND maxy >= miny AND miny <= maxy), reading only the R*Tree
nodes on the way and the leaves of the matching rows (fetched in parallel); rows in fid order.
The R*Tree holds float32 boxes rounded outwards, so a feature just outside the box may come too.
A feature table without an R*Tree is scanned (ST_MinX … ST_MaxY of each geometry; a note says so).
--geojson drops M (GeoJSON has none); an empty geometry prints with empty coordinates; curves,
surfaces and malformed blobs are an error.`;

function nonNegativeInteger(name: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new MisuseError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    process.exitCode = 0;
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${describeError(err)}\n`);
    if (process.env.S3LITE_DEBUG) console.error(err);
    return 1;
  }
}

function describeError(err: unknown): string {
  if (err instanceof SqliteError) return `${err.code}: ${err.message}`;
  if (err instanceof Error && err.name === 'RangeError') return `SQLITE_RANGE: ${err.message}`;
  return `SQLITE_INTERNAL: ${err instanceof Error ? err.message : String(err)}`;
}
