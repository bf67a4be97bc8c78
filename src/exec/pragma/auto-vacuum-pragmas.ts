/**
 * `PRAGMA auto_vacuum = NONE | FULL | INCREMENTAL` (0 | 1 | 2) and `PRAGMA incremental_vacuum[(N)]`
 * (https://www.sqlite.org/pragma.html#pragma_auto_vacuum), with SQLite's rules:
 *
 *  - the mode asked for is remembered by the connection for the next VACUUM, which rebuilds
 *    the database in it (SQLite's db->nextAutovac);
 *  - on an empty database (page 1 alone: nothing created yet) the mode changes at once:
 *    header offset 52 = 1 for FULL and INCREMENTAL (0 for NONE), offset 64 = 1 for INCREMENTAL;
 *  - on a non-empty auto-vacuum database FULL <-> INCREMENTAL only changes offset 64; from or to
 *    NONE nothing changes until that VACUUM.
 *
 * `incremental_vacuum(N)` moves up to N free pages out of the file (all when N is omitted or
 * <= 0) in an auto-vacuum database (pager/auto-vacuum.ts); elsewhere it does nothing.
 */
import type { Pager } from '../../pager/pager.js';
import { incrementalVacuum } from '../../pager/auto-vacuum.js';

export type AutoVacuumMode = 0 | 1 | 2;

/** SQLite's getAutoVacuum: none/full/incremental or 0/1/2 (another number: none... as SQLite, anything else is 0). */
export function autoVacuumMode(value: string): AutoVacuumMode {
  const v = value.trim().toLowerCase();
  if (v === 'none') return 0;
  if (v === 'full') return 1;
  if (v === 'incremental') return 2;
  const m = /^[-+]?\d+/.exec(v);
  const n = m === null ? 0 : Number(m[0]);
  return n >= 0 && n <= 2 ? (n as AutoVacuumMode) : 0;
}

/** `PRAGMA auto_vacuum = mode` inside the open write transaction. */
export async function setAutoVacuum(pager: Pager, mode: AutoVacuumMode): Promise<void> {
  const header = pager.header;
  if (pager.pageCount === 1) {
    await pager.setHeaderU32(52, mode === 0 ? 0 : 1);
    await pager.setHeaderU32(64, mode === 2 ? 1 : 0);
    return;
  }
  if (mode !== 0 && header.largestRootPage !== 0) await pager.setHeaderU32(64, mode === 2 ? 1 : 0);
}

/** `PRAGMA incremental_vacuum(N)` inside the open write transaction. */
export async function runIncrementalVacuum(pager: Pager, value: string | undefined): Promise<void> {
  const m = value === undefined ? null : /^\s*[-+]?\d+/.exec(value);
  await incrementalVacuum(pager, m === null ? 0 : Number(m[0]));
}
