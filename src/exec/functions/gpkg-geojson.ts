/**
 * A GeoPackage binary geometry as a GeoJSON geometry object (RFC 7946 §3.1), the text of
 * `s3lite rows --geojson`.
 *
 * Positions are [x, y] or [x, y, z]: GeoJSON has no M, so M is dropped (as GDAL does). Numbers
 * print as JavaScript's shortest round-trip form, so every coordinate reads back as the same
 * double. Empty geometries keep their type with empty coordinates (`{"type":"Point",
 * "coordinates":[]}`, `{"type":"GeometryCollection","geometries":[]}`; WKB writes an empty point
 * as NaN NaN; an empty point inside a MultiPoint is left out, having no position to list) —
 * RFC 7946 allows them; GDAL writes `null` instead. The GeoPackage header's empty
 * flag and envelope are not consulted: the WKB decides.
 *
 * Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon and GeometryCollection
 * have GeoJSON forms; curves, surfaces, TINs and triangles do not and give an error, as does
 * anything that is not a GeoPackage geometry, a malformed WKB, or a coordinate that is not a
 * finite number (JSON has none).
 */
import { SqliteError } from '../../errors.js';
import type { Value } from '../value.js';
import { gpHeader, readWkb, TYPE_NAMES, WkbFormatError, type WkbGeometry } from './gpkg-binary.js';

const GEOJSON_TYPES: Record<number, string> = {
  1: 'Point',
  2: 'LineString',
  3: 'Polygon',
  4: 'MultiPoint',
  5: 'MultiLineString',
  6: 'MultiPolygon',
  7: 'GeometryCollection',
};

/** What each Multi* type may hold. */
const MEMBER: Record<number, number> = { 4: 1, 5: 2, 6: 3 };

class NoGeoJson extends Error {}

/**
 * The GeoJSON text of a GeoPackage geometry; null for SQL NULL. `where` names the value in
 * errors (e.g. `feat.geom of fid 12`).
 */
export function geoJsonOf(value: Value, where: string): string | null {
  if (value === null) return null;
  const h = gpHeader(value);
  if (h === undefined) {
    const what = value instanceof Uint8Array ? 'a blob without a GeoPackage header' : `a ${typeof value === 'string' ? 'text' : typeof value === 'number' ? 'real' : 'integer'} value`;
    throw new SqliteError('SQLITE_ERROR', `${where} is not a GeoPackage geometry: ${what}`);
  }
  try {
    return geometry(readWkb(value as Uint8Array, h.wkbAt));
  } catch (err) {
    if (err instanceof WkbFormatError || err instanceof NoGeoJson) {
      throw new SqliteError('SQLITE_ERROR', `${where} is not a valid GeoPackage geometry: ${err.message}`);
    }
    throw err;
  }
}

function geometry(g: WkbGeometry): string {
  const type = GEOJSON_TYPES[g.type.base];
  if (type === undefined) throw new NoGeoJson(`${TYPE_NAMES[g.type.base] ?? g.type.base} has no GeoJSON form`);
  if (g.shape === 'parts') {
    if (g.type.base === 7) return `{"type":"GeometryCollection","geometries":[${g.parts.map(geometry).join(',')}]}`;
    const member = MEMBER[g.type.base]!;
    const items: string[] = [];
    for (const p of g.parts) {
      if (p.type.base !== member) throw new NoGeoJson(`${TYPE_NAMES[g.type.base]} holds a ${TYPE_NAMES[p.type.base] ?? p.type.base}`);
      // An empty point has no position to list.
      if (!(member === 1 && isEmptyPoint(p))) items.push(coordinates(p));
    }
    return `{"type":"${type}","coordinates":[${items.join(',')}]}`;
  }
  return `{"type":"${type}","coordinates":${coordinates(g)}}`;
}

/** The coordinates member of a Point, LineString or Polygon. */
function coordinates(g: WkbGeometry): string {
  if (g.shape === 'rings') return `[${g.rings.map((r) => positions(r, g)).join(',')}]`;
  if (g.shape === 'parts') throw new NoGeoJson('a collection where a simple geometry belongs');
  if (g.type.base === 1) {
    if (isEmptyPoint(g)) return '[]';
    return position(g.coords, 0, g);
  }
  return positions(g.coords, g);
}

/** WKB's empty point: every ordinate NaN. */
function isEmptyPoint(g: WkbGeometry): boolean {
  return g.shape === 'points' && g.coords.every(Number.isNaN);
}

function positions(coords: Float64Array, g: WkbGeometry): string {
  let out = '[';
  for (let i = 0; i < coords.length; i += g.dims) {
    if (i > 0) out += ',';
    out += position(coords, i, g);
  }
  return `${out}]`;
}

function position(coords: Float64Array, i: number, g: WkbGeometry): string {
  const n = g.type.z ? 3 : 2;
  let out = '[';
  for (let k = 0; k < n; k++) {
    const v = coords[i + k]!;
    if (!Number.isFinite(v)) throw new NoGeoJson(`coordinate ${v} has no JSON form`);
    out += (k > 0 ? ',' : '') + String(v);
  }
  return `${out}]`;
}
