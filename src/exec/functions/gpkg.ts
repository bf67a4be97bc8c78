/**
 * GeoPackage's minimal runtime SQL functions (OGC GeoPackage 1.3, Annex "Minimal Runtime SQL
 * Functions"), the ones a GeoPackage's spatial-index and geometry-type triggers call, on
 * GeoPackage binary geometries (GDAL's behaviour is the reference):
 *
 *   offset 0   2 bytes   magic "GP"
 *   offset 2   1 byte    version (0 = version 1)
 *   offset 3   1 byte    flags: bit 0 byte order of the header (1 = little-endian), bits 1–3 the
 *                        envelope kind (0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm), bit 4 empty,
 *                        bit 5 extended type
 *   offset 4   4 bytes   srs_id
 *   offset 8   0/4/6/6/8 doubles: minx, maxx, miny, maxy[, minz, maxz][, minm, maxm]
 *   then       the geometry as (ISO) WKB
 *
 * ST_MinX/MaxX/MinY/MaxY take the header's envelope, else compute it from the WKB (all WKB
 * types, Z/M/ZM, ISO and EWKB-style type codes); ST_IsEmpty reads the empty flag; ST_SRID the
 * srs_id; ST_GeometryType the WKB type's name; GPKG_IsAssignable(expected, actual) the type
 * hierarchy. As in GDAL, anything that is not a GeoPackage geometry (NULL, text, a short or
 * damaged blob) gives NULL: the triggers then leave the spatial index alone. Parsing is
 * bounded by the blob's length, so no blob makes it loop or allocate.
 */
import type { Value } from '../value.js';

interface Header {
  readonly srsId: number;
  readonly empty: boolean;
  /** minx, maxx, miny, maxy when the header has an envelope. */
  readonly envelope: readonly number[] | undefined;
  /** Where the WKB starts. */
  readonly wkbAt: number;
}

const ENVELOPE_DOUBLES = [0, 4, 6, 6, 8];

function header(v: Value): Header | undefined {
  if (!(v instanceof Uint8Array) || v.length < 8) return undefined;
  if (v[0] !== 0x47 || v[1] !== 0x50 || v[2] !== 0) return undefined;
  const flags = v[3]!;
  const kind = (flags >> 1) & 7;
  if (kind > 4) return undefined;
  const little = (flags & 1) === 1;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const n = ENVELOPE_DOUBLES[kind]!;
  const wkbAt = 8 + 8 * n;
  if (v.length < wkbAt) return undefined;
  const envelope = n === 0 ? undefined : [0, 1, 2, 3].map((i) => view.getFloat64(8 + 8 * i, little));
  return { srsId: view.getInt32(4, little), empty: (flags & 0x10) !== 0, envelope, wkbAt };
}

/** WKB type code → base type (1…17) and dimensions with Z / M. */
function wkbType(code: number): { base: number; z: boolean; m: boolean } {
  let z = (code & 0x80000000) !== 0;
  let m = (code & 0x40000000) !== 0;
  let t = code & 0x0fffffff;
  if (t >= 3000) {
    z = m = true;
    t -= 3000;
  } else if (t >= 2000) {
    m = true;
    t -= 2000;
  } else if (t >= 1000) {
    z = true;
    t -= 1000;
  }
  return { base: t, z, m };
}

const TYPE_NAMES = [
  'GEOMETRY', 'POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION',
  'CIRCULARSTRING', 'COMPOUNDCURVE', 'CURVEPOLYGON', 'MULTICURVE', 'MULTISURFACE', 'CURVE', 'SURFACE', 'POLYHEDRALSURFACE', 'TIN', 'TRIANGLE',
];

/** Thrown inside the WKB walk when the bytes do not make a geometry. */
class BadWkb extends Error {}

/** The xy envelope of WKB at `at` (undefined when it has no point), reading at most the blob. */
function wkbEnvelope(b: Uint8Array, start: number): number[] | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const env = [Infinity, -Infinity, Infinity, -Infinity];
  let at = start;
  const need = (n: number): void => {
    if (n < 0 || at + n > b.length) throw new BadWkb();
  };
  const geometry = (depth: number): void => {
    if (depth > 32) throw new BadWkb();
    need(5);
    const little = b[at] === 1;
    if (b[at] !== 0 && b[at] !== 1) throw new BadWkb();
    const { base, z, m } = wkbType(view.getUint32(at + 1, little));
    at += 5;
    const dims = 2 + (z ? 1 : 0) + (m ? 1 : 0);
    const points = (count: number): void => {
      need(count * dims * 8);
      for (let i = 0; i < count; i++) {
        const x = view.getFloat64(at, little);
        const y = view.getFloat64(at + 8, little);
        at += dims * 8;
        if (Number.isNaN(x) || Number.isNaN(y)) continue;
        if (x < env[0]!) env[0] = x;
        if (x > env[1]!) env[1] = x;
        if (y < env[2]!) env[2] = y;
        if (y > env[3]!) env[3] = y;
      }
    };
    const count = (): number => {
      need(4);
      const n = view.getUint32(at, little);
      at += 4;
      // Each element needs at least 4 bytes: a count beyond that is a lie.
      if (n > (b.length - at) / 4) throw new BadWkb();
      return n;
    };
    if (base === 1) points(1);
    else if (base === 2 || base === 8) points(count());
    else if (base === 3 || base === 17) {
      const rings = count();
      for (let r = 0; r < rings; r++) points(count());
    } else if ((base >= 4 && base <= 7) || (base >= 9 && base <= 12) || base === 15 || base === 16) {
      const parts = count();
      for (let p = 0; p < parts; p++) geometry(depth + 1);
    } else throw new BadWkb();
  };
  try {
    geometry(0);
  } catch (err) {
    if (err instanceof BadWkb) return undefined;
    throw err;
  }
  return env[0] === Infinity ? undefined : env;
}

function envelopeOf(v: Value): readonly number[] | undefined {
  const h = header(v);
  if (h === undefined || h.empty) return undefined;
  return h.envelope ?? wkbEnvelope(v as Uint8Array, h.wkbAt);
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
