/** `--bbox minx,miny,maxx,maxy` of `s3lite rows` (GeoPackage feature tables; commands/gpkg-rows.ts). */
import { MisuseError } from '../errors.js';

export type Bbox = readonly [minx: number, miny: number, maxx: number, maxy: number];

export function bboxOption(value: string): Bbox {
  const n = value.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (n.length !== 4 || !n.every(Number.isFinite)) throw new MisuseError(`--bbox must be four numbers minx,miny,maxx,maxy, got "${value}"`);
  const [minx, miny, maxx, maxy] = n as [number, number, number, number];
  if (minx > maxx || miny > maxy) throw new MisuseError(`--bbox: minx must not exceed maxx nor miny maxy, got "${value}"`);
  return [minx, miny, maxx, maxy];
}
