/**
 * The GeoJSON writer (gpkg-geojson.ts) on untrusted bytes: any blob gives either GeoJSON that
 * parses or a SqliteError — never another exception, a hang, or an allocation beyond the blob.
 * What GDAL reads alike is proved against GDAL in test/cli/gpkg-cli.test.ts; the cases here are
 * those GDAL cannot answer (it turns them into null or refuses them), so their expectations are
 * written out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqliteError } from '../../../src/errors.js';
import { geoJsonOf } from '../../../src/exec/functions/gpkg-geojson.js';
import { encodeGp, gpGeometryArb, type GpGeometry } from '../../support/gpkg-geometry.js';

function outcome(blob: Uint8Array): 'json' | 'error' {
  try {
    const text = geoJsonOf(blob, 't.geom of fid 1');
    JSON.parse(text!);
    return 'json';
  } catch (err) {
    if (err instanceof SqliteError && err.code === 'SQLITE_ERROR' && err.message.startsWith('t.geom of fid 1 is not')) return 'error';
    throw err;
  }
}

const gp = (geom: GpGeometry['geom'], dims: GpGeometry['dims'] = 'xy'): Uint8Array =>
  encodeGp({ dims, geom, little: [true], ewkbFlags: false, headerLittle: true, envelope: false });

/** A GP header (little-endian, no envelope) before raw WKB bytes. */
const withHeader = (wkb: readonly number[]): Uint8Array => Uint8Array.from([0x47, 0x50, 0, 1, 0, 0, 0, 0, ...wkb]);

describe('GeoPackage geometry → GeoJSON on untrusted bytes', () => {
  it('random bytes behind a GP header: GeoJSON or a SqliteError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        outcome(withHeader([...bytes]));
      }),
      { numRuns: 2000 },
    );
  });

  it('every truncation and byte change of a valid geometry: GeoJSON or a SqliteError', () => {
    fc.assert(
      fc.property(gpGeometryArb(), fc.nat(), fc.nat(255), (g, cut, flip) => {
        const blob = encodeGp(g);
        expect(outcome(blob)).toBe('json');
        // The WKB fills the blob to its end: every shorter prefix lacks bytes the reader needs.
        for (let n = 0; n < blob.length; n++) expect(outcome(blob.subarray(0, n))).toBe('error');
        const changed = blob.slice();
        changed[cut % blob.length] = flip;
        outcome(changed);
      }),
      { numRuns: 300 },
    );
  });

  it('a count larger than the blob is refused before anything is allocated', () => {
    // LineString claiming 2^32-1 points.
    expect(() => geoJsonOf(withHeader([1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), 'g')).toThrow('g is not a valid GeoPackage geometry: WKB count 4294967295 exceeds the blob at byte 13');
  });

  it('nesting deeper than 32 is refused, not recursed into', () => {
    const wkb: number[] = [];
    for (let i = 0; i < 40; i++) wkb.push(1, 7, 0, 0, 0, 1, 0, 0, 0);
    wkb.push(1, 7, 0, 0, 0, 0, 0, 0, 0);
    expect(() => geoJsonOf(withHeader(wkb), 'g')).toThrow(/WKB nested deeper than 32/);
  });

  it('curves have no GeoJSON form', () => {
    // CircularString (8) with no points.
    expect(() => geoJsonOf(withHeader([1, 8, 0, 0, 0, 0, 0, 0, 0]), 'g')).toThrow('g is not a valid GeoPackage geometry: CIRCULARSTRING has no GeoJSON form');
    // A MultiLineString holding a point.
    const point = [1, 1, 0, 0, 0, ...new Array<number>(16).fill(0)];
    expect(() => geoJsonOf(withHeader([1, 5, 0, 0, 0, 1, 0, 0, 0, ...point]), 'g')).toThrow('MULTILINESTRING holds a POINT');
  });

  it('not a GeoPackage geometry: text, numbers, a blob without the header', () => {
    expect(() => geoJsonOf('POINT (1 2)', 'g')).toThrow('g is not a GeoPackage geometry: a text value');
    expect(() => geoJsonOf(3n, 'g')).toThrow('g is not a GeoPackage geometry: a integer value');
    expect(() => geoJsonOf(Uint8Array.from([1, 1, 0, 0, 0]), 'g')).toThrow('g is not a GeoPackage geometry: a blob without a GeoPackage header');
    expect(geoJsonOf(null, 'g')).toBeNull();
  });

  // GDAL writes every one of these as null (or refuses it: "Infinite or NaN coordinate").
  it('empties keep their type with empty coordinates; an empty point inside a MultiPoint is left out', () => {
    expect(geoJsonOf(gp({ type: 'Point', coords: null }), 'g')).toBe('{"type":"Point","coordinates":[]}');
    expect(geoJsonOf(gp({ type: 'Polygon', rings: [] }, 'zm'), 'g')).toBe('{"type":"Polygon","coordinates":[]}');
    expect(geoJsonOf(gp({ type: 'GeometryCollection', parts: [] }), 'g')).toBe('{"type":"GeometryCollection","geometries":[]}');
    const multi = gp({ type: 'MultiPoint', parts: [{ type: 'Point', coords: [1, 2, 9] }, { type: 'Point', coords: null }] }, 'm');
    expect(geoJsonOf(multi, 'g')).toBe('{"type":"MultiPoint","coordinates":[[1,2]]}');
  });

  it('a coordinate JSON cannot carry is an error', () => {
    expect(() => geoJsonOf(gp({ type: 'LineString', points: [[1, 2], [Infinity, 3]] }), 'g')).toThrow('coordinate Infinity has no JSON form');
  });
});
