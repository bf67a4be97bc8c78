/**
 * The shape of an R*Tree virtual table, from the arguments of its
 * `CREATE VIRTUAL TABLE x USING rtree(id, x0, x1, …, +aux, …)` (or `rtree_i32`):
 *
 *   column 0          the id (the rowid), declared INT
 *   columns 1..2d     d = 1…5 dimensions, a min and a max each: REAL (float32 on disk) for
 *                     rtree, INT (int32 on disk) for rtree_i32
 *   the rest          auxiliary columns (`+name`), stored in x_rowid's a0, a1, … (no affinity)
 *
 * Each column is named by the first token of its argument (a type after it is ignored, as
 * SQLite's rtreeTokenLength does). The errors are SQLite's own messages.
 */
import { SqliteError } from '../../errors.js';
import type { Affinity } from '../../schema/affinity.js';

export interface RtreeColumn {
  readonly name: string;
  readonly affinity: Affinity | undefined;
}

export interface RtreeDef {
  /** The virtual table's name (its shadow tables are `<name>_node`, `<name>_rowid`, `<name>_parent`). */
  readonly name: string;
  /** rtree_i32: int32 coordinates; rtree: float32. */
  readonly int32: boolean;
  /** Number of dimensions, 1…5. */
  readonly dims: number;
  /** Number of auxiliary columns. */
  readonly aux: number;
  /** id, the 2·dims coordinates, then the auxiliary columns. */
  readonly columns: readonly RtreeColumn[];
}

export const RTREE_MODULES = ['rtree', 'rtree_i32'] as const;

export function isRtreeModule(module: string): boolean {
  const m = module.toLowerCase();
  return m === 'rtree' || m === 'rtree_i32';
}

const MAX_AUX = 100;

/** The column name an argument declares: its first token, dequoted. */
function firstToken(arg: string): string {
  const s = arg.trim();
  const open = s[0];
  const close = open === '"' ? '"' : open === "'" ? "'" : open === '`' ? '`' : open === '[' ? ']' : undefined;
  if (close === undefined) return s.split(/\s/, 1)[0] ?? '';
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === close) {
      if (close !== ']' && s[i + 1] === close) {
        out += c;
        i++;
        continue;
      }
      return out;
    }
    out += c;
  }
  return out;
}

export function rtreeDef(name: string, module: string, args: readonly string[]): RtreeDef {
  const int32 = module.toLowerCase() === 'rtree_i32';
  const fail = (message: string): never => {
    throw new SqliteError('SQLITE_ERROR', message);
  };
  let coords = 0;
  let aux = 0;
  const columns: RtreeColumn[] = [];
  args.forEach((raw, i) => {
    const arg = raw.trim();
    if (i > 0 && arg.startsWith('+')) {
      aux++;
      columns.push({ name: firstToken(arg.slice(1)), affinity: undefined });
    } else {
      if (aux > 0) fail('Auxiliary rtree columns must be last');
      if (i > 0) coords++;
      columns.push({ name: firstToken(arg), affinity: i === 0 || int32 ? 'INTEGER' : 'REAL' });
    }
  });
  if (coords < 2) fail('Too few columns for an rtree table');
  if (coords > 10 || aux > MAX_AUX) fail('Too many columns for an rtree table');
  if (coords % 2 !== 0) fail('Wrong number of columns for an rtree table');
  return { name, int32, dims: coords / 2, aux, columns };
}
