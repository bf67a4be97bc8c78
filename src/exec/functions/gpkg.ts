/**
 * GeoPackage's minimal runtime SQL functions (OGC GeoPackage 1.3, Annex "Minimal Runtime SQL
 * Functions"), the ones a GeoPackage's spatial-index and geometry-type triggers call, on
 * GeoPackage binary geometries, GDAL's behaviour the reference
 * (their layout and the WKB reader: gpkg-binary.ts).
 *
 * ST_MinX/MaxX/MinY/MaxY take the header's envelope, else compute it from the WKB (all WKB
 * types, Z/M/ZM, ISO and EWKB-style type codes); ST_IsEmpty reads the empty flag; ST_SRID the
 * srs_id; ST_GeometryType the WKB type's name; GPKG_IsAssignable(expected, actual) the type
 * hierarchy. As in GDAL, anything that is not a GeoPackage geometry (NULL, text, a short or
 * damaged blob) gives NULL: the triggers then leave the spatial index alone. Parsing is
 * bounded by the blob's length, so no blob makes it loop or allocate.
 */
import type { Value } from '../value.js';
import { gpHeader as header, readWkb, TYPE_NAMES, wkbEnvelope, WkbFormatError, wkbType } from './gpkg-binary.js';

function envelopeOf(v: Value): readonly number[] | undefined {
  const h = header(v);
  if (h === undefined || h.empty) return undefined;
  if (h.envelope !== undefined) return h.envelope;
  try {
    return wkbEnvelope(readWkb(v as Uint8Array, h.wkbAt));
  } catch (err) {
    if (err instanceof WkbFormatError) return undefined;
    throw err;
  }
}

function wkbTypeName(v: Value): string | undefined {
  const h = header(v);
  if (h === undefined) return undefined;
  const b = v as Uint8Array;
  if (b.length < h.wkbAt + 5 || (b[h.wkbAt] !== 0 && b[h.wkbAt] !== 1)) return undefined;
  const code = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(h.wkbAt + 1, b[h.wkbAt] === 1);
  return TYPE_NAMES[wkbType(code).base];
}

/** The supertypes of each type (itself included), as GDAL's OGR_GT_IsSubClassOf sees them. */
const SUPER: Record<string, readonly string[]> = {
  POINT: ['POINT'],
  LINESTRING: ['LINESTRING', 'CURVE'],
  CIRCULARSTRING: ['CIRCULARSTRING', 'CURVE'],
  COMPOUNDCURVE: ['COMPOUNDCURVE', 'CURVE'],
  CURVE: ['CURVE'],
  TRIANGLE: ['TRIANGLE', 'POLYGON', 'CURVEPOLYGON', 'SURFACE'],
  POLYGON: ['POLYGON', 'CURVEPOLYGON', 'SURFACE'],
  CURVEPOLYGON: ['CURVEPOLYGON', 'SURFACE'],
  SURFACE: ['SURFACE'],
  TIN: ['TIN', 'POLYHEDRALSURFACE', 'SURFACE'],
  POLYHEDRALSURFACE: ['POLYHEDRALSURFACE', 'SURFACE'],
  MULTIPOINT: ['MULTIPOINT', 'GEOMETRYCOLLECTION'],
  MULTILINESTRING: ['MULTILINESTRING', 'MULTICURVE', 'GEOMETRYCOLLECTION'],
  MULTICURVE: ['MULTICURVE', 'GEOMETRYCOLLECTION'],
  MULTIPOLYGON: ['MULTIPOLYGON', 'MULTISURFACE', 'GEOMETRYCOLLECTION'],
  MULTISURFACE: ['MULTISURFACE', 'GEOMETRYCOLLECTION'],
  GEOMETRYCOLLECTION: ['GEOMETRYCOLLECTION'],
};

function isAssignable(expected: Value, actual: Value): Value {
  if (typeof expected !== 'string' || typeof actual !== 'string') return null;
  const e = expected.toUpperCase();
  const a = actual.toUpperCase();
  if (e === 'GEOMETRY') return 1n;
  return (SUPER[a] ?? [a]).includes(e) ? 1n : 0n;
}

const coord = (i: number) => ([g = null]: readonly Value[]): Value => envelopeOf(g)?.[i] ?? null;

/** name → [min args, max args, implementation] */
export const GPKG_FUNCTIONS: Record<string, readonly [number, number, (args: readonly Value[]) => Value]> = {
  st_minx: [1, 1, coord(0)],
  st_maxx: [1, 1, coord(1)],
  st_miny: [1, 1, coord(2)],
  st_maxy: [1, 1, coord(3)],
  st_isempty: [1, 1, ([g = null]) => {
    const h = header(g);
    return h === undefined ? null : h.empty ? 1n : 0n;
  }],
  st_srid: [1, 1, ([g = null]) => {
    const h = header(g);
    return h === undefined ? null : BigInt(h.srsId);
  }],
  st_geometrytype: [1, 1, ([g = null]) => wkbTypeName(g) ?? null],
  gpkg_isassignable: [2, 2, ([e = null, a = null]) => isAssignable(e, a)],
};
