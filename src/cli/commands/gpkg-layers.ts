/**
 * The GeoPackage layers of a database (OGC GeoPackage 1.3 §1.1.2–1.1.3, §2.1.5): each table
 * named in `gpkg_contents` with its data type (features, tiles, attributes, …), for a feature
 * table its geometry column and type from `gpkg_geometry_columns`, and its spatial reference
 * system from `gpkg_spatial_ref_sys` as `ORGANIZATION:ID` (e.g. `EPSG:27700`).
 *
 * A database without `gpkg_contents` is not a GeoPackage: no layers, and the commands print
 * what they print for any database.
 */
import type { Database } from '../../api/database.js';
import { SqliteError } from '../../errors.js';
import type { SqlValue, StorageClass } from '../../record/value.js';
import type { OutputFormat } from '../output.js';

export interface GpkgLayer {
  readonly table: string;
  /** gpkg_contents.data_type: 'features', 'tiles', 'attributes', or an extension's. */
  readonly dataType: string;
  readonly geometryColumn: string | null;
  /** e.g. 'MULTIPOLYGON', 'POINT Z', 'GEOMETRY ZM' (Z / M when gpkg_geometry_columns allows them). */
  readonly geometryType: string | null;
  /** e.g. 'EPSG:27700'; null for an undefined SRS (organization NONE) or one gpkg_spatial_ref_sys lacks. */
  readonly srs: string | null;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The layers keyed by lower-case table name (SQLite's names are case-insensitive). */
export async function gpkgLayers(db: Database): Promise<Map<string, GpkgLayer>> {
  const tables = new Set((await db.schema()).filter((r) => r.type === 'table').map((r) => r.name.toLowerCase()));
  const layers = new Map<string, GpkgLayer>();
  if (!tables.has('gpkg_contents')) return layers;
  const geometry = tables.has('gpkg_geometry_columns');
  const srs = tables.has('gpkg_spatial_ref_sys');
  const sql = `SELECT c.table_name AS table_name, c.data_type AS data_type,
      ${geometry ? 'g.column_name, g.geometry_type_name, g.z, g.m' : 'NULL AS column_name, NULL AS geometry_type_name, NULL AS z, NULL AS m'},
      ${srs ? 's.organization, s.organization_coordsys_id' : 'NULL AS organization, NULL AS organization_coordsys_id'}
    FROM ${quote('gpkg_contents')} AS c
    ${geometry ? 'LEFT JOIN gpkg_geometry_columns AS g ON lower(g.table_name) = lower(c.table_name)' : ''}
    ${srs ? `LEFT JOIN gpkg_spatial_ref_sys AS s ON s.srs_id = ${geometry ? 'coalesce(g.srs_id, c.srs_id)' : 'c.srs_id'}` : ''}`;
  for (const row of await db.query(sql)) {
    const table = text(row.table_name);
    if (table === null) continue;
    const type = text(row.geometry_type_name);
    const dims = `${flag(row.z) ? 'Z' : ''}${flag(row.m) ? 'M' : ''}`;
    const org = text(row.organization);
    const id = row.organization_coordsys_id ?? null;
    layers.set(table.toLowerCase(), {
      table,
      dataType: text(row.data_type) ?? '',
      geometryColumn: text(row.column_name),
      geometryType: type === null ? null : `${type.toUpperCase()}${dims === '' ? '' : ` ${dims}`}`,
      // NONE is the GeoPackage's "undefined" SRS (srs_id -1 cartesian, 0 geographic).
      srs: org === null || id === null || org.toUpperCase() === 'NONE' ? null : `${org.toUpperCase()}:${String(id)}`,
    });
  }
  return layers;
}

function text(v: SqlValue | undefined): string | null {
  return v === null || v === undefined ? null : v instanceof Uint8Array ? null : String(v);
}

/** gpkg_geometry_columns.z / .m: 0 prohibited, 1 mandatory, 2 optional. */
function flag(v: SqlValue | undefined): boolean {
  return v !== null && v !== undefined && Number(v) !== 0;
}

/** The columns `s3lite tables` adds for a GeoPackage. */
export const LAYER_COLUMNS = ['data_type', 'geometry_column', 'geometry_type', 'srs'] as const;

/**
 * A table's cells under LAYER_COLUMNS: its layer's facts; for what is no layer (an index, a
 * GeoPackage metadata table) NULL, which the table format shows as blank rather than NULL so
 * that the layers stand out.
 */
export function layerCells(layer: GpkgLayer | undefined, format: OutputFormat): { values: SqlValue[]; classes: StorageClass[] } {
  const cells = [layer?.dataType ?? null, layer?.geometryColumn ?? null, layer?.geometryType ?? null, layer?.srs ?? null];
  const values = cells.map((v) => (v === null && format === 'table' ? '' : v));
  return { values, classes: values.map((v) => (v === null ? 'null' : 'text')) };
}

/** What `rows --bbox/--geojson` needs to know of a feature table. */
export interface FeatureTable {
  /** The table and geometry column as gpkg_geometry_columns spells them. */
  readonly table: string;
  readonly column: string;
  /** The INTEGER PRIMARY KEY column (GeoPackage requires one; `rowid` when there is none). */
  readonly key: string;
  /** The spatial index `rtree_<table>_<column>` exists. */
  readonly indexed: boolean;
}

/**
 * Feature table `table` of a GeoPackage, or undefined when gpkg_geometry_columns (or the row for
 * it) is missing. One query, one consistent read: over S3 every read of its own costs the
 * reader's checks, and the other metadata tables are not read at all.
 */
export async function featureTableOf(db: Database, table: string): Promise<FeatureTable | undefined> {
  let rows: Record<string, SqlValue>[];
  try {
    rows = await db.query(
      `SELECT g.table_name AS t, g.column_name AS c, p.name AS name, p.type AS type, p.pk AS pk,
         (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND lower(name) = lower('rtree_' || g.table_name || '_' || g.column_name)) AS indexed
       FROM gpkg_geometry_columns AS g JOIN pragma_table_info(g.table_name) AS p
       WHERE lower(g.table_name) = lower(?)`,
      [table],
    );
  } catch (err) {
    if (err instanceof SqliteError && err.message === 'no such table: gpkg_geometry_columns') return undefined;
    throw err;
  }
  const first = rows[0];
  const t = text(first?.t);
  const c = text(first?.c);
  if (first === undefined || t === null || c === null) return undefined;
  const pk = rows.filter((r) => Number(r.pk) > 0);
  const key = pk.length === 1 && String(pk[0]!.type).toUpperCase() === 'INTEGER' ? String(pk[0]!.name) : 'rowid';
  return { table: t, column: c, key, indexed: Number(first.indexed) > 0 };
}
