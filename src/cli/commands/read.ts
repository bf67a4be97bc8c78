/**
 * The inspection commands — `schema`, `tables`, `rows`, `pages` — which read a database where it
 * lies (S3, a block directory, a plain file) through the page cache, never downloading it whole.
 */
import { Database } from '../../api/database.js';
import type { SqlValue, StorageClass } from '../../record/value.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';
import { createByteRowWriter } from '../byte-rows.js';
import { stdoutBytes } from '../stdout-bytes.js';
import { createRowWriter, type OutputFormat } from '../output.js';
import type { Bbox } from '../bbox.js';
import { runGeoRows, type GeoRowsOptions } from './gpkg-rows.js';
import { gpkgLayers, layerCells, LAYER_COLUMNS } from './gpkg-layers.js';

export interface FormatOptions extends GlobalOptions {
  readonly json?: boolean;
  readonly csv?: boolean;
  readonly table?: boolean;
}

export function outputFormat(options: FormatOptions): OutputFormat {
  if (options.json === true) return 'json';
  if (options.csv === true) return 'csv';
  return 'table';
}

const write = (text: string): void => void process.stdout.write(text);

export async function withDatabase<T>(spec: string, options: GlobalOptions, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(resolveLocation(spec), { ...storeOptions(options), readonly: true });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export async function runSchema(spec: string, options: GlobalOptions): Promise<void> {
  await withDatabase(spec, options, async (db) => {
    for (const entry of await db.schema()) {
      if (entry.sql !== null) write(`${entry.sql};\n`);
    }
  });
}

export async function runTables(spec: string, options: FormatOptions): Promise<void> {
  await withDatabase(spec, options, async (db) => {
    const summaries = await db.tables();
    // A GeoPackage's layers get four more columns (gpkg-layers.ts); any other database prints as ever.
    const layers = await gpkgLayers(db);
    const format = outputFormat(options);
    const out = createRowWriter(format, ['type', 'name', 'tbl_name', 'rootpage', 'rows', ...(layers.size > 0 ? LAYER_COLUMNS : [])], write);
    const classes: StorageClass[] = ['text', 'text', 'text', 'integer', 'integer'];
    for (const t of summaries) {
      const values: SqlValue[] = [t.type, t.name, t.tblName, t.rootPage, t.rowCount];
      const rowClasses = t.rowCount === null ? [...classes.slice(0, 4), 'null' as const] : [...classes];
      if (layers.size > 0) {
        const cells = layerCells(t.type === 'table' ? layers.get(t.name.toLowerCase()) : undefined, format);
        values.push(...cells.values);
        rowClasses.push(...cells.classes);
      }
      out.row(values, rowClasses);
    }
    out.end();
  });
}

export interface RowsOptions extends FormatOptions {
  readonly limit?: number;
  readonly offset?: number;
  /** GeoPackage feature tables (gpkg-rows.ts). */
  readonly geojson?: boolean;
  readonly bbox?: Bbox;
}

export async function runRows(spec: string, table: string, options: RowsOptions): Promise<void> {
  await withDatabase(spec, options, async (db) => {
    if (options.geojson === true || options.bbox !== undefined) {
      const geo: GeoRowsOptions = {
        format: outputFormat(options),
        geojson: options.geojson === true,
        bbox: options.bbox,
        limit: options.limit,
        offset: options.offset,
        quiet: options.quiet === true,
      };
      await runGeoRows(db, table, geo, write);
      return;
    }
    const key = table.toLowerCase();
    const entry = (await db.schema()).find((r) => r.type === 'table' && r.name.toLowerCase() === key);
    if (entry !== undefined && entry.rootPage === 0 && /^\s*create\s+virtual\b/i.test(entry.sql ?? '')) {
      // A virtual table (an R*Tree): its rows come from its module, through the query engine.
      const stmt = await db.prepare(`SELECT * FROM "${entry.name.replaceAll('"', '""')}" LIMIT ${options.limit ?? -1} OFFSET ${options.offset ?? 0}`);
      const out = createRowWriter(outputFormat(options), stmt.columns(), write);
      for await (const row of stmt.typedIterate()) out.execRow(row.values as SqlValue[]);
      out.end();
      return;
    }
    const columns = await db.columns(table);
    const format = outputFormat(options);
    const range = {
      ...(options.limit !== undefined && { limit: options.limit }),
      ...(options.offset !== undefined && { offset: options.offset }),
    };
    if (format !== 'table') {
      // JSON Lines and CSV straight from the records in the pages (byte-rows.ts).
      const out = createByteRowWriter(format, columns, stdoutBytes.write, stdoutBytes.consumed);
      for await (const _ of db.recordBatches(table, range, (shape) => out.recordVisitor(shape))) {
        const full = stdoutBytes.drained?.();
        if (full !== undefined) await full;
      }
      out.end();
      return;
    }
    const out = createRowWriter(format, columns, write);
    for await (const row of db.typedRows(table, range)) out.row(row.values, row.classes);
    out.end();
  });
}

export async function runPages(spec: string, options: FormatOptions): Promise<number> {
  return withDatabase(spec, options, async (db) => {
    const census = await db.pages();
    const columns = ['name', 'table_interior', 'table_leaf', 'index_interior', 'index_leaf', 'overflow', 'pages', 'payload_bytes', 'unused_bytes'];
    const out = createRowWriter(outputFormat(options), columns, write);
    const int = (n: number): [number, StorageClass] => [n, 'integer'];
    const emit = (name: string, counts: number[]): void => {
      const cells = counts.map(int);
      out.row([name, ...cells.map((c) => c[0])], ['text', ...cells.map((c) => c[1])]);
    };
    for (const t of census.trees) {
      const pages = t.tableInterior + t.tableLeaf + t.indexInterior + t.indexLeaf + t.overflow;
      emit(t.name, [t.tableInterior, t.tableLeaf, t.indexInterior, t.indexLeaf, t.overflow, pages, t.payloadBytes, t.unusedBytes]);
    }
    if (census.freelistTrunk + census.freelistLeaf > 0) {
      emit('(freelist trunk)', [0, 0, 0, 0, 0, census.freelistTrunk, 0, 0]);
      emit('(freelist leaf)', [0, 0, 0, 0, 0, census.freelistLeaf, 0, 0]);
    }
    if (census.ptrmap > 0) emit('(pointer map)', [0, 0, 0, 0, 0, census.ptrmap, 0, 0]);
    if (census.lockByte > 0) emit('(lock-byte page)', [0, 0, 0, 0, 0, census.lockByte, 0, 0]);
    if (census.orphans.length > 0) emit('(unaccounted)', [0, 0, 0, 0, 0, census.orphans.length, 0, 0]);
    out.end();
    const problems = [
      ...census.errors.map((e) => `${e.owner}: ${e.message}`),
      ...census.duplicates.map((d) => `page ${d.pgno} is used by both ${d.firstOwner} and ${d.secondOwner}`),
      ...(census.orphans.length > 0 ? [`${census.orphans.length} page(s) belong to nothing: ${census.orphans.slice(0, 20).join(', ')}`] : []),
    ];
    if (options.quiet !== true || problems.length > 0) {
      process.stderr.write(`${census.pageCount} pages in all${problems.length === 0 ? '; every page accounted for' : ''}\n`);
    }
    for (const p of problems) process.stderr.write(`problem: ${p}\n`);
    return problems.length === 0 ? 0 : 1;
  });
}
