/**
 * Random GeoPackage binary geometries for tests whose oracle is GDAL: a small geometry model, a
 * fast-check arbitrary over it (every OGC simple-feature type, XY/Z/M/ZM, empties, either byte
 * order per nested geometry, ISO or EWKB-flag type codes, header with or without an envelope),
 * and the encoder to bytes. GDAL decodes what this writes; the tests compare its reading with
 * s3lite's, so this encoder is not trusted on its own.
 */
import fc from 'fast-check';

export type Dims = 'xy' | 'z' | 'm' | 'zm';

export type Geom =
  | { readonly type: 'Point'; readonly coords: readonly number[] | null /* null: empty */ }
  | { readonly type: 'LineString'; readonly points: readonly (readonly number[])[] }
  | { readonly type: 'Polygon'; readonly rings: readonly (readonly (readonly number[])[])[] }
  | { readonly type: 'MultiPoint' | 'MultiLineString' | 'MultiPolygon' | 'GeometryCollection'; readonly parts: readonly Geom[] };

export interface GpGeometry {
  readonly dims: Dims;
  readonly geom: Geom;
  /** Byte order per geometry, in encoding order (cycled). */
  readonly little: readonly boolean[];
  readonly ewkbFlags: boolean;
  readonly headerLittle: boolean;
  readonly envelope: boolean;
}

const CODES: Record<Geom['type'], number> = {
  Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6, GeometryCollection: 7,
};

const width = (dims: Dims): number => (dims === 'xy' ? 2 : dims === 'zm' ? 4 : 3);

/**
 * Coordinates: ordinary map numbers mostly, and now and then any double up to 1e100 in size
 * (subnormals and -0 included; GDAL refuses geometries whose extent overflows a double).
 */
const ordinate = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -1e7, max: 1e7, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: -1e100, max: 1e100, noNaN: true }) },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
);

/**
 * `nestedEmptyPoints: false` keeps empty points to the top level: GDAL turns a collection that
 * holds one into null ("Infinite or NaN coordinate encountered").
 */
export function gpGeometryArb(options: { nestedEmptyPoints?: boolean } = {}): fc.Arbitrary<GpGeometry> {
  return fc.constantFrom<Dims>('xy', 'z', 'm', 'zm').chain((dims) => {
    const position = fc.array(ordinate, { minLength: width(dims), maxLength: width(dims) });
    const emptyOrNot = fc.option(position, { freq: 6 }).map((coords): Geom => ({ type: 'Point', coords }));
    const point = options.nestedEmptyPoints === false ? position.map((coords): Geom => ({ type: 'Point', coords })) : emptyOrNot;
    const line = fc.array(position, { maxLength: 5 }).map((points): Geom => ({ type: 'LineString', points }));
    const polygon = fc.array(fc.array(position, { minLength: 1, maxLength: 5 }), { maxLength: 3 }).map((rings): Geom => ({ type: 'Polygon', rings }));
    const multi = (type: 'MultiPoint' | 'MultiLineString' | 'MultiPolygon', part: fc.Arbitrary<Geom>): fc.Arbitrary<Geom> =>
      fc.array(part, { maxLength: 3 }).map((parts): Geom => ({ type, parts }));
    const { geom } = fc.letrec<{ geom: Geom }>((tie) => ({
      geom: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        point,
        line,
        polygon,
        multi('MultiPoint', point),
        multi('MultiLineString', line),
        multi('MultiPolygon', polygon),
        fc.array(tie('geom'), { maxLength: 3 }).map((parts): Geom => ({ type: 'GeometryCollection', parts })),
      ),
    }));
    return fc.record({
      dims: fc.constant(dims),
      geom: fc.oneof({ weight: 12, arbitrary: geom }, { weight: 1, arbitrary: emptyOrNot }),
      little: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
      ewkbFlags: fc.boolean(),
      headerLittle: fc.boolean(),
      envelope: fc.boolean(),
    });
  });
}

/** True when the geometry holds no position at all. */
export function isEmptyGeom(g: Geom): boolean {
  switch (g.type) {
    case 'Point':
      return g.coords === null;
    case 'LineString':
      return g.points.length === 0;
    case 'Polygon':
      return g.rings.length === 0;
    default:
      return g.parts.every(isEmptyGeom);
  }
}

/** The GeoPackage binary of a generated geometry. */
export function encodeGp(gp: GpGeometry): Uint8Array {
  const bytes: number[] = [];
  const w = width(gp.dims);
  let nth = 0;
  const u32 = (v: number, little: boolean): void => {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint32(0, v, little);
    bytes.push(...new Uint8Array(b.buffer));
  };
  const f64 = (v: number, little: boolean): void => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v, little);
    bytes.push(...new Uint8Array(b.buffer));
  };
  const typeCode = (base: number): number => {
    if (gp.ewkbFlags) return (base | (gp.dims === 'z' || gp.dims === 'zm' ? 0x80000000 : 0) | (gp.dims === 'm' || gp.dims === 'zm' ? 0x40000000 : 0)) >>> 0;
    return base + (gp.dims === 'z' ? 1000 : gp.dims === 'm' ? 2000 : gp.dims === 'zm' ? 3000 : 0);
  };
  const points = (pts: readonly (readonly number[])[], little: boolean): void => {
    for (const p of pts) for (const v of p) f64(v, little);
  };
  const geometry = (g: Geom): void => {
    const little = gp.little[nth++ % gp.little.length]!;
    bytes.push(little ? 1 : 0);
    u32(typeCode(CODES[g.type]), little);
    switch (g.type) {
      case 'Point':
        points([g.coords ?? Array.from({ length: w }, () => NaN)], little);
        return;
      case 'LineString':
        u32(g.points.length, little);
        points(g.points, little);
        return;
      case 'Polygon':
        u32(g.rings.length, little);
        for (const r of g.rings) {
          u32(r.length, little);
          points(r, little);
        }
        return;
      default:
        u32(g.parts.length, little);
        for (const p of g.parts) geometry(p);
    }
  };
  geometry(gp.geom);
  const wkb = bytes.splice(0);
  const empty = isEmptyGeom(gp.geom);
  const env = gp.envelope && !empty ? envelopeOf(gp.geom) : undefined;
  const little = gp.headerLittle;
  bytes.push(0x47, 0x50, 0, (little ? 1 : 0) | (env !== undefined ? 2 : 0) | (empty ? 0x10 : 0));
  u32(4326, little);
  if (env !== undefined) for (const v of env) f64(v, little);
  bytes.push(...wkb);
  return Uint8Array.from(bytes);
}

function envelopeOf(g: Geom): number[] {
  const env = [Infinity, -Infinity, Infinity, -Infinity];
  const add = (p: readonly number[]): void => {
    env[0] = Math.min(env[0]!, p[0]!);
    env[1] = Math.max(env[1]!, p[0]!);
    env[2] = Math.min(env[2]!, p[1]!);
    env[3] = Math.max(env[3]!, p[1]!);
  };
  const walk = (g: Geom): void => {
    if (g.type === 'Point') {
      if (g.coords !== null) add(g.coords);
    } else if (g.type === 'LineString') g.points.forEach(add);
    else if (g.type === 'Polygon') g.rings.forEach((r) => r.forEach(add));
    else g.parts.forEach(walk);
  };
  walk(g);
  return env;
}
