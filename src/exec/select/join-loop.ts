/**
 * The joined rows of FROM + WHERE: nested loops over the core's FROM items, left to right,
 * each read through its access path. Every WHERE term is tested at the innermost level it
 * reads; the ON terms of a LEFT JOIN decide whether its item matched and, when nothing did,
 * the item's columns are NULL for one pass.
 *
 * RIGHT and FULL JOIN (SQLite ≥ 3.39): while the loops run, each row of the item that passes
 * its ON terms is remembered as matched; when the loops are done, a second pass per such
 * item (in order, left to right) reads it whole and continues, for every row never matched,
 * with the items to its left NULL — as SQLite's right-join "no match" pass does, so those rows
 * come after the others. FULL JOIN is both a LEFT JOIN and a RIGHT JOIN.
 */
import type { Value } from '../value.js';
import { settle, type Later, type RowSource, type Step } from './access-path.js';
import type { JoinLoops } from './core-plan.js';
import type { CoreScope } from './query-scope.js';
import type { RunContext } from './query-types.js';
import { groupKey } from './group-key.js';
import { passesNow } from './run-terms.js';

/**
 * Where joinRows' state machine stands: START (the terms that read no column), ADVANCE (the
 * current level's next row), HAVE_ROW (its LEFT JOIN ON terms), WHERE (the terms tested at
 * this level), DESCEND (into the next level, or out with a joined row), EXHAUSTED (the level is
 * done: maybe its LEFT JOIN NULL row, tested by NULL_WHERE), UP (back to the enclosing level), END.
 */
const Phase = { START: 0, ADVANCE: 1, HAVE_ROW: 2, WHERE: 3, DESCEND: 4, EXHAUSTED: 5, NULL_WHERE: 6, UP: 7, END: 8 } as const;
type Mode = (typeof Phase)[keyof typeof Phase];

/** The shared row array of a join and how to move it to the next joined row. */
export interface Joined {
  readonly row: Value[];
  /** Moves to the next joined row: true when there is one (see Step). */
  step(): Step;
  close(): void;
}

/**
 * The joined rows of FROM + WHERE, one `step()` at a time, in the shared row array: nested
 * loops over the levels' sources, written as a resumable state machine so that a step costs
 * no Promise unless a source must fetch a page or a term runs a subquery.
 */
export function joinRows(scope: CoreScope, loops: JoinLoops, rt: RunContext, outer: readonly Value[] | undefined): Joined {
  const { paths, leftOn, whereAt, constant, rightJoins, merges } = loops;
  // By loop: the FROM item it reads (the planner may have reordered them; never with a RIGHT
  // or FULL JOIN, whose levels below are then loops too).
  const sources = loops.order.map((level) => scope.sources[level]!);
  const n = sources.length;
  const base = scope.base;
  const row = new Array<Value>(scope.width).fill(null);
  if (outer !== undefined) for (let i = 0; i < base; i++) row[i] = outer[i] ?? null;
  const open: (RowSource | undefined)[] = new Array<RowSource | undefined>(n).fill(undefined);
  const matched: boolean[] = new Array<boolean>(n).fill(false);
  let mode: Mode = Phase.START;
  /** The level being stepped (-1 before the first). */
  let i = -1;
  const enter = (k: number): void => {
    matched[k] = false;
    open[k] = paths[k]!.open(row, rt);
  };
  // RIGHT/FULL JOIN: the rows of each such item that matched, by level; the level of the
  // "no match" pass under way (-1: none yet).
  const rightMatched = rightJoins.length === 0 ? undefined : new Map<number, Set<string>>(rightJoins.map((r) => [r.level, new Set<string>()]));
  let rjLevel = -1;
  /**
   * Which row of item `k` the row array holds: its rowid, or a WITHOUT ROWID table's PRIMARY KEY
   * — never the other columns, which the first pass may not have read (a covering index fills
   * only its own) while the no-match pass reads the item whole. Other items: all their columns.
   */
  const sourceKey = (k: number): string => {
    const src = sources[k]!;
    if (src.rowidSlot !== undefined) return groupKey([row[src.rowidSlot] ?? null], []);
    const pk = src.table?.withoutRowid === true ? src.table.primaryKey : undefined;
    if (pk !== undefined && pk.length > 0) return groupKey(pk.map((c) => row[src.offset + c] ?? null), []);
    return groupKey(row.slice(src.offset, src.offset + src.columns.length), []);
  };
  const markMatched = (k: number): void => {
    rightMatched?.get(k)?.add(sourceKey(k));
  };
  /** Starts the no-match pass of the first RIGHT/FULL JOIN item after `after`; false when none is left. */
  const startPass = (after: number): boolean => {
    const next = rightJoins.find((r) => r.level > after);
    if (next === undefined) return false;
    rjLevel = next.level;
    for (let k = 0; k < rjLevel; k++) {
      const src = sources[k]!;
      const stop = src.offset + src.columns.length + (src.rowidSlot !== undefined ? 1 : 0);
      for (let c = src.offset; c < stop; c++) row[c] = null;
    }
    for (const m of merges) if (m.level < rjLevel) row[m.slot] = null;
    i = rjLevel;
    open[i] = next.scan.open(row, rt);
    mode = Phase.ADVANCE;
    return true;
  };
  /** Continues after an awaited answer: `yes`/`no` is the next mode. */
  const resume =
    (later: Later, yes: Mode, no: Mode): Later =>
    () =>
      later().then((v) => {
        mode = v ? yes : no;
        return settle(step());
      });
  const step = (): Step => {
    for (;;) {
      switch (mode) {
        case Phase.START: {
          const ok = passesNow(constant, row, rt);
          if (typeof ok === 'function') return resume(ok, Phase.DESCEND, Phase.END);
          mode = ok ? Phase.DESCEND : Phase.END;
          continue;
        }
        case Phase.DESCEND:
          if (i + 1 === n) {
            mode = n === 0 ? Phase.END : Phase.ADVANCE;
            return true;
          }
          i++;
          enter(i);
          mode = Phase.ADVANCE;
          continue;
        case Phase.ADVANCE: {
          const src = open[i];
          if (src === undefined) {
            mode = Phase.UP; // its LEFT JOIN NULL row went out
            continue;
          }
          const got = src.next();
          if (typeof got === 'function') return resume(got, Phase.HAVE_ROW, Phase.EXHAUSTED);
          mode = got ? Phase.HAVE_ROW : Phase.EXHAUSTED;
          continue;
        }
        case Phase.HAVE_ROW: {
          if (i === rjLevel) {
            // The no-match pass: only the rows no left row matched go on.
            mode = rightMatched!.get(i)!.has(sourceKey(i)) ? Phase.ADVANCE : Phase.WHERE;
            continue;
          }
          const on = leftOn[i]!;
          const ok = on.length === 0 || passesNow(on, row, rt);
          if (typeof ok === 'function') {
            return () =>
              ok().then((v) => {
                if (v) {
                  matched[i] = true;
                  markMatched(i);
                }
                mode = v ? Phase.WHERE : Phase.ADVANCE;
                return settle(step());
              });
          }
          if (ok) {
            matched[i] = true;
            markMatched(i);
          }
          mode = ok ? Phase.WHERE : Phase.ADVANCE;
          continue;
        }
        case Phase.WHERE:
        case Phase.NULL_WHERE: {
          // USING columns of a RIGHT/FULL JOIN at this level: coalesce(left, right).
          for (const m of merges) if (m.level === i) row[m.slot] = row[m.left] ?? row[m.right] ?? null;
          const wh = whereAt[i]!;
          const fail = mode === Phase.WHERE ? Phase.ADVANCE : Phase.UP;
          const ok = wh.length === 0 || passesNow(wh, row, rt);
          if (typeof ok === 'function') return resume(ok, Phase.DESCEND, fail);
          mode = ok ? Phase.DESCEND : fail;
          continue;
        }
        case Phase.EXHAUSTED: {
          open[i] = undefined;
          if (i === rjLevel) {
            if (startPass(rjLevel)) continue;
            mode = Phase.END;
            return false;
          }
          const src = sources[i]!;
          if (src.leftJoin && !matched[i]) {
            // No row matched the ON terms: one pass with the item's columns NULL.
            const stop = src.offset + src.columns.length + (src.rowidSlot !== undefined ? 1 : 0);
            for (let k = src.offset; k < stop; k++) row[k] = null;
            mode = Phase.NULL_WHERE;
          } else mode = Phase.UP;
          continue;
        }
        case Phase.UP:
          if (i === 0) {
            if (rjLevel < 0 && startPass(-1)) continue;
            mode = Phase.END;
            return false;
          }
          i--;
          mode = Phase.ADVANCE;
          continue;
        default:
          return false;
      }
    }
  };
  return {
    row,
    step,
    close() {
      mode = Phase.END;
      for (let k = 0; k < n; k++) {
        open[k]?.close();
        open[k] = undefined;
      }
    },
  };
}
