/**
 * The hook between the SELECT planner and a virtual table module (SQLite's xBestIndex and
 * xFilter in one): given the WHERE terms that may constrain the table, the module picks its
 * access path and names the terms it decides itself (SQLite's `omit`); the executor then
 * tests only the others.
 */
import type { AccessPath } from '../select/access-path.js';
import type { CoreScope, Source, TrackedExpr } from '../select/query-scope.js';

export interface VirtualPlan {
  readonly path: AccessPath;
  readonly consumed: ReadonlySet<TrackedExpr>;
}

export type VirtualPlanner = (scope: CoreScope, source: Source, terms: readonly TrackedExpr[]) => VirtualPlan;
