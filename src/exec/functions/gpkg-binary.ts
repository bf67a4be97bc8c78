/**
 * GeoPackage binary geometries (OGC GeoPackage 1.3, §2.1.3) read into a small tree: the header
 * and the WKB behind it. The ST_* functions (gpkg.ts) and the GeoJSON writer (gpkg-geojson.ts)
 * both read through here.
 *
 *   offset 0   2 bytes   magic "GP"
 *   offset 2   1 byte    version (0 = version 1)
 *   offset 3   1 byte    flags: bit 0 byte order of the header (1 = little-endian), bits 1–3 the
 *                        envelope kind (0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm), bit 4 empty,
 *                        bit 5 extended type (a geometry type beyond ISO's, GeoPackage §2.1.3.1.2)
 *   offset 4   4 bytes   srs_id
 *   offset 8   0/4/6/6/8 doubles: minx, maxx, miny, maxy[, minz, maxz][, minm, maxm]
 *   then       the geometry as WKB
 *
 * WKB (ISO 13249-3 / OGC 06-103r4), each geometry:
 *   1 byte     byte order (0 big-endian, 1 little-endian), for this geometry and what it holds
 *   4 bytes    type code: base type 1…17, + 1000 Z, + 2000 M, + 3000 ZM (ISO); the EWKB / GDAL
 *              flags 0x80000000 Z, 0x40000000 M, 0x20000000 "a 4-byte SRID follows" are read too
 *   [4 bytes   SRID, EWKB only]
 *   then       Point: one coordinate; LineString, CircularString: count + coordinates;
 *              Polygon, Triangle: ring count + (count + coordinates) per ring; the collections
 *              (Multi*, GeometryCollection, CompoundCurve, CurvePolygon, MultiCurve,
 *              MultiSurface, PolyhedralSurface, TIN): count + that many geometries.
 *   A coordinate is 2, 3 or 4 doubles (x y [z] [m]).
 *
 * Every count is checked against the bytes left before anything is allocated, and nesting is
 * limited, so no blob makes the reader loop, recurse without end or allocate beyond its length.
 */
import type { Value } from '../value.js';

export interface GpHeader {
  readonly srsId: number;
  readonly empty: boolean;
  /** minx, maxx, miny, maxy when the header has an envelope. */
  readonly envelope: readonly number[] | undefined;
  /** Where the WKB starts. */
  readonly wkbAt: number;
}

const ENVELOPE_DOUBLES = [0, 4, 6, 6, 8];

/** The GeoPackage header of a value, or undefined when the value is not a GeoPackage geometry. */
export function gpHeader(v: Value): GpHeader | undefined {
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

/** A WKB type code's base type (1…17) and whether its coordinates carry Z and M. */
export interface WkbType {
  readonly base: number;
  readonly z: boolean;
  readonly m: boolean;
  /** The EWKB flag: a 4-byte SRID follows the type code. */
  readonly srid: boolean;
}

export function wkbType(code: number): WkbType {
  let z = (code & 0x80000000) !== 0;
  let m = (code & 0x40000000) !== 0;
  const srid = (code & 0x20000000) !== 0;
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
  return { base: t, z, m, srid };
}

export const TYPE_NAMES = [
  'GEOMETRY', 'POINT', 'LINESTRING', 'POLYGON', 'MULTIPOINT', 'MULTILINESTRING', 'MULTIPOLYGON', 'GEOMETRYCOLLECTION',
  'CIRCULARSTRING', 'COMPOUNDCURVE', 'CURVEPOLYGON', 'MULTICURVE', 'MULTISURFACE', 'CURVE', 'SURFACE', 'POLYHEDRALSURFACE', 'TIN', 'TRIANGLE',
];

/** One geometry read from WKB. Coordinates are flat: `dims` numbers per point (x y [z] [m]). */
export type WkbGeometry =
  | { readonly shape: 'points'; readonly type: WkbType; readonly dims: number; readonly coords: Float64Array }
  | { readonly shape: 'rings'; readonly type: WkbType; readonly dims: number; readonly rings: readonly Float64Array[] }
  | { readonly shape: 'parts'; readonly type: WkbType; readonly dims: number; readonly parts: readonly WkbGeometry[] };

/** Thrown when the bytes do not make a geometry; `at` is the byte offset in the blob where reading failed. */
export class WkbFormatError extends Error {
  readonly at: number;
  constructor(message: string, at: number) {
    super(`${message} at byte ${at}`);
    this.name = 'WkbFormatError';
    this.at = at;
  }
}

const MAX_DEPTH = 32;

/** Reads the WKB geometry that starts at `start`; throws WkbFormatError when the bytes are not one. */
export function readWkb(b: Uint8Array, start: number): WkbGeometry {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = start;
  const need = (n: number): void => {
    if (at + n > b.length) throw new WkbFormatError('WKB ends early', at);
  };
  const geometry = (depth: number): WkbGeometry => {
    if (depth > MAX_DEPTH) throw new WkbFormatError(`WKB nested deeper than ${MAX_DEPTH}`, at);
    need(5);
    const order = b[at]!;
    if (order !== 0 && order !== 1) throw new WkbFormatError(`bad WKB byte order ${order}`, at);
    const little = order === 1;
    const type = wkbType(view.getUint32(at + 1, little));
    at += 5;
    if (type.srid) {
      need(4);
      at += 4;
    }
    const dims = 2 + (type.z ? 1 : 0) + (type.m ? 1 : 0);
    const count = (): number => {
      need(4);
      const n = view.getUint32(at, little);
      // Each element needs at least 4 bytes: a count beyond that is a lie.
      if (n > (b.length - at - 4) / 4) throw new WkbFormatError(`WKB count ${n} exceeds the blob`, at);
      at += 4;
      return n;
    };
    const points = (n: number): Float64Array => {
      need(n * dims * 8);
      const out = new Float64Array(n * dims);
      for (let i = 0; i < out.length; i++, at += 8) out[i] = view.getFloat64(at, little);
      return out;
    };
    const base = type.base;
    if (base === 1) return { shape: 'points', type, dims, coords: points(1) };
    if (base === 2 || base === 8) return { shape: 'points', type, dims, coords: points(count()) };
    if (base === 3 || base === 17) {
      const n = count();
      const rings: Float64Array[] = [];
      for (let r = 0; r < n; r++) rings.push(points(count()));
      return { shape: 'rings', type, dims, rings };
    }
    if ((base >= 4 && base <= 7) || (base >= 9 && base <= 12) || base === 15 || base === 16) {
      const n = count();
      const parts: WkbGeometry[] = [];
      for (let p = 0; p < n; p++) parts.push(geometry(depth + 1));
      return { shape: 'parts', type, dims, parts };
    }
    throw new WkbFormatError(`unknown WKB geometry type ${base}`, at - 5);
  };
  return geometry(0);
}

/** minx, maxx, miny, maxy of a geometry's points (NaN coordinates skipped); undefined when it has none. */
export function wkbEnvelope(g: WkbGeometry): number[] | undefined {
  const env = [Infinity, -Infinity, Infinity, -Infinity];
  const add = (coords: Float64Array, dims: number): void => {
    for (let i = 0; i + 1 < coords.length; i += dims) {
      const x = coords[i]!;
      const y = coords[i + 1]!;
      if (Number.isNaN(x) || Number.isNaN(y)) continue;
      if (x < env[0]!) env[0] = x;
      if (x > env[1]!) env[1] = x;
      if (y < env[2]!) env[2] = y;
      if (y > env[3]!) env[3] = y;
    }
  };
  const walk = (g: WkbGeometry): void => {
    if (g.shape === 'points') add(g.coords, g.dims);
    else if (g.shape === 'rings') for (const r of g.rings) add(r, g.dims);
    else for (const p of g.parts) walk(p);
  };
  walk(g);
  return env[0] === Infinity ? undefined : env;
}
