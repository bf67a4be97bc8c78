/**
 * `s3lite rows` on a GeoPackage feature table with `--geojson` and/or `--bbox`.
 *
 * --bbox minx,miny,maxx,maxy keeps the features whose envelope meets the box, found through the
 * table's spatial index — the GeoPackage RTree extension's `rtree_<table>_<column>` — by one
 * query through the engine (bboxSql): the R*Tree nodes on the way (the children of a node
 * fetched together) and the leaves of the matching rows (in parallel batches) are read, not the
 * table. Rows come in fid order, as sqlite3 gives them for the same SQL. The R*Tree holds
 * float32 boxes rounded outwards, so (as in every GeoPackage reader) a feature just outside the
 * box may come too. A feature table without an R*Tree is scanned instead, each geometry's
 * envelope taken with ST_MinX … ST_MaxY (a note on stderr says so).
 *
 * --geojson prints the geometry column as GeoJSON geometry objects (gpkg-geojson.ts): inside
 * the JSON Lines arrays as an object, in table and CSV output as its text.
 */
import type { Database } from '../../api/database.js';
import { SqliteError } from '../../errors.js';
import type { SqlValue } from '../../record/value.js';
import { geoJsonOf } from '../../exec/functions/gpkg-geojson.js';
import { createRowWriter, jsonValue, type OutputFormat } from '../output.js';
import { featureTableOf } from './gpkg-layers.js';

import type { Bbox } from '../bbox.js';

export interface GeoRowsOptions {
  readonly format: OutputFormat;
  readonly geojson: boolean;
  readonly bbox: Bbox | undefined;
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  readonly quiet: boolean;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The query `--bbox` runs on a table with a spatial index: parameters ?1…?4 are minx, miny,
 * maxx, maxy, ?5 and ?6 the limit and offset. The R*Tree gives the ids, then the rows are read
 * by rowid in ascending order, their leaves fetched in parallel a batch at a time (SQLite's plan
 * too: SEARCH t USING INTEGER PRIMARY KEY (rowid=?) over the LIST SUBQUERY).
 */
export function bboxSql(table: string, key: string, rtree: string): string {
  return (
    `SELECT * FROM ${quote(table)} WHERE ${quote(key)} IN (SELECT id FROM ${quote(rtree)} ` +
    'WHERE maxx >= ?1 AND minx <= ?3 AND maxy >= ?2 AND miny <= ?4) LIMIT ?5 OFFSET ?6'
  );
}

/** The query `--bbox` runs on a feature table without a spatial index (same parameters). */
export function bboxScanSql(table: string, column: string): string {
  const g = quote(column);
  return (
    `SELECT * FROM ${quote(table)} WHERE ST_MaxX(${g}) >= ?1 AND ST_MinX(${g}) <= ?3 AND ST_MaxY(${g}) >= ?2 AND ST_MinY(${g}) <= ?4 ` +
    'LIMIT ?5 OFFSET ?6'
  );
}

export async function runGeoRows(db: Database, tableArg: string, options: GeoRowsOptions, write: (text: string) => void): Promise<void> {
  const layer = await featureTableOf(db, tableArg);
  const flag = options.bbox !== undefined ? '--bbox' : '--geojson';
  if (layer === undefined) {
    throw new SqliteError('SQLITE_ERROR', `${flag}: ${tableArg} is not a feature table of a GeoPackage (no row for it in gpkg_geometry_columns)`);
  }
  const { table, column, key } = layer;

  let sql: string;
  if (options.bbox === undefined) {
    sql = `SELECT * FROM ${quote(table)} LIMIT ?5 OFFSET ?6`;
  } else if (layer.indexed) {
    sql = bboxSql(table, key, `rtree_${table}_${column}`);
  } else {
    sql = bboxScanSql(table, column);
    if (!options.quiet) process.stderr.write(`note: ${table} has no spatial index (rtree_${table}_${column}); scanning every feature's envelope\n`);
  }
  const [minx, miny, maxx, maxy] = options.bbox ?? [0, 0, 0, 0];
  const params = [minx, miny, maxx, maxy, BigInt(options.limit ?? -1), BigInt(options.offset ?? 0)];
  const stmt = await db.prepare(sql);
  const names = stmt.columns();
  const geomAt = names.findIndex((n) => n.toLowerCase() === column.toLowerCase());
  if (geomAt < 0) throw new SqliteError('SQLITE_ERROR', `gpkg_geometry_columns names ${table}.${column}, which the table does not have`);
  const keyAt = names.findIndex((n) => n === key);

  const where = (values: readonly SqlValue[]): string =>
    `${table}.${column} of ${key} ${keyAt >= 0 ? String(values[keyAt]) : '?'}`;
  const json = options.format === 'json' && options.geojson;
  // JSON Lines with the geometry as an object: written here (the shared writer prints values only).
  let pending = '';
  const out = json ? undefined : createRowWriter(options.format, names, write);
  for await (const row of stmt.typedIterate(params)) {
    const values = row.values as SqlValue[];
    if (!options.geojson) {
      out!.execRow(values);
      continue;
    }
    const geometry = geoJsonOf(values[geomAt] ?? null, where(values));
    if (out !== undefined) {
      values[geomAt] = geometry;
      out.execRow(values);
      continue;
    }
    let line = '[';
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (i > 0) line += ',';
      line += i === geomAt ? (geometry ?? 'null') : typeof v === 'bigint' ? v.toString() : jsonValue(v, 'real');
    }
    pending += `${line}]\n`;
    if (pending.length >= 1 << 16) {
      write(pending);
      pending = '';
    }
  }
  if (out !== undefined) out.end();
  else if (pending.length > 0) write(pending);
}
