/**
 * `s3lite query LOCATION "SQL" [-p value …] [--json|--csv]` and `s3lite plan LOCATION "SQL"`:
 * run a SELECT where the database lies, reading only the pages the plan needs.
 */
import { loadStats } from '../../schema/stat1.js';
import { openLocation } from '../../api/open-location.js';
import { readSchemaRows } from '../../api/schema-rows.js';
import { prepareQuery } from '../../api/statement.js';
import type { QueryContext } from '../../exec/select/query-types.js';
import { readSchema } from '../../schema/read-schema.js';
import { connectionSchema } from '../../schema/connection-schema.js';
import { mentionsTemp, TempDatabase } from '../../api/temp-database.js';
import { parseStatementsWithText } from '../../sql/parser.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';
import { tableRecordBatches } from '../../api/table-rows.js';
import { readConsistentCounts } from '../../pager/consistent-read.js';
import { createByteRowWriter } from '../byte-rows.js';
import { stdoutBytes, type ByteOutput } from '../stdout-bytes.js';
import { plainScanTable } from '../plain-scan.js';
import { createRowWriter, type OutputFormat } from '../output.js';
import { outputFormat, type FormatOptions } from './read.js';
import { openSafePager, safeProtocol } from '../../pager/commit-protocol.js';

const write = (text: string): void => void process.stdout.write(text);

/**
 * Opens the database read-only, hands `fn` its pager and schema, and closes it afterwards. When
 * `sql` names the TEMP database (`sqlite_temp_schema`, `temp.x`), the schema includes the
 * connection's TEMP database, empty as a new connection's is (SQLite always has one).
 */
export async function withQueryContext<T>(spec: string, options: GlobalOptions, fn: (ctx: QueryContext) => Promise<T>, sql?: string): Promise<T> {
  const opened = await openLocation(resolveLocation(spec), { ...storeOptions(options), readonly: true, peekJournal: true });
  try {
    // Through the commit protocol: a dead writer's hot journal is rolled back (or, while a
    // commit is in flight, its pages are read from the journal) before anything is read.
    const pager = await openSafePager(opened.vfs, opened.name, opened.file, {
      readonly: true,
      recover: true,
      ...(opened.journalHead !== undefined && { journalHead: opened.journalHead }),
    });
    try {
      const main = readSchema(await readSchemaRows(pager));
      const names = sql !== undefined && parseStatementsWithText(sql).some((p) => mentionsTemp(p.text, p.statement));
      const temp = names ? await TempDatabase.create(pager.header.textEncoding) : undefined;
      try {
        const schema = temp === undefined ? main : connectionSchema(main, await temp.schema());
        await loadStats(pager, schema);
        return await fn({ pager, schema, file: opened.url });
      } finally {
        temp?.close();
      }
    } finally {
      await safeProtocol(pager)?.close();
    }
  } finally {
    await opened.close();
  }
}

/**
 * A `-p` value as typed on the command line: an integer literal binds as INTEGER, a decimal or
 * exponent literal as REAL, `NULL` (any case) as NULL, anything else as TEXT.
 */
export function parseParam(text: string): bigint | number | string | null {
  if (/^[-+]?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
  }
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
  if (/^null$/i.test(text)) return null;
  return text;
}

/**
 * Prints the rows of `sql` in `format`; returns the number of rows printed. With `bytes`, JSON
 * Lines and CSV go there as byte chunks (see byte-rows.ts, stdout-bytes.ts) rather than to `out`
 * as strings, waiting for the destination between batches when it holds too much.
 */
export async function printQuery(
  ctx: QueryContext,
  sql: string,
  params: readonly unknown[],
  format: OutputFormat,
  out: (text: string) => void,
  bytes?: ByteOutput,
): Promise<number> {
  const stmt = prepareQuery(ctx, sql);
  if (bytes !== undefined && format !== 'table') {
    const table = params.length === 0 ? plainScanTable(sql, stmt, ctx.schema) : undefined;
    if (table !== undefined) {
      // SELECT * FROM t: the rows straight from the records, as `rows` prints them.
      const writer = createByteRowWriter(format, stmt.columns(), (c) => bytes.write(c), bytes.consumed);
      let n = 0;
      const scan = () => tableRecordBatches(ctx.pager, table, {}, (shape) => writer.recordVisitor(shape));
      for await (const k of readConsistentCounts(ctx.pager, scan)) {
        n += k;
        const full = bytes.drained?.();
        if (full !== undefined) await full;
      }
      writer.end();
      return n;
    }
  }
  const writer =
    bytes !== undefined && format !== 'table'
      ? createByteRowWriter(format, stmt.columns(), (c) => bytes.write(c), bytes.consumed)
      : createRowWriter(format, stmt.columns(), out);
  let n = 0;
  for await (const batch of stmt.typedBatches(params.length > 0 ? params : undefined)) {
    for (let i = 0; i < batch.length; i++) writer.execRow(batch[i]!);
    n += batch.length;
    const full = bytes?.drained?.();
    if (full !== undefined) await full;
  }
  writer.end();
  return n;
}

export interface QueryOptions extends FormatOptions {
  readonly param?: string[];
}

export async function runQuery(spec: string, sql: string, options: QueryOptions): Promise<void> {
  await withQueryContext(spec, options, async (ctx) => {
    await printQuery(ctx, sql, (options.param ?? []).map(parseParam), outputFormat(options), write, stdoutBytes);
  }, sql);
}

/** Draws plan lines (with depths) as SQLite's shell draws EXPLAIN QUERY PLAN. */
export function drawPlan(lines: readonly { depth: number; text: string }[]): string[] {
  const out = ['QUERY PLAN'];
  const isLast = (i: number): boolean => {
    const d = lines[i]!.depth;
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j]!.depth < d) return true;
      if (lines[j]!.depth === d) return false;
    }
    return true;
  };
  // For each depth, whether the most recent line at that depth was the last of its siblings.
  const closed: boolean[] = [];
  lines.forEach((l, i) => {
    let prefix = '';
    for (let k = 0; k < l.depth; k++) prefix += closed[k] === true ? '   ' : '|  ';
    const last = isLast(i);
    closed[l.depth] = last;
    out.push(`${prefix}${last ? '`--' : '|--'}${l.text}`);
  });
  return out;
}

export async function runPlan(spec: string, sql: string, options: GlobalOptions): Promise<void> {
  await withQueryContext(spec, options, async (ctx) => {
    const stmt = prepareQuery(ctx, sql);
    const lines = stmt.plan().map((l) => {
      const text = l.trimStart();
      return { depth: (l.length - text.length) / 2, text };
    });
    write(`${drawPlan(lines).join('\n')}\n`);
  }, sql);
}
