/**
 * Compiled statement plans kept across executions (SQLite keeps a prepared statement's VDBE
 * program, trigger sub-programs included, until the schema changes).
 *
 * A plan is what a statement compiles from its AST and the schema alone: the target table, its
 * TableWriter, the compiled expressions, the triggers it fires, how WHERE finds its rows. It is
 * keyed by the AST node (the caller hands back the same parsed, parameter-numbered AST for the
 * same SQL text; a trigger body's statements are parsed once per trigger text), and is valid
 * while the schema object (a new one after any schema change, including this connection's
 * uncommitted DDL and a failed statement) and the enclosing scope (a trigger's OLD/NEW scope,
 * see triggers.ts) are the same objects.
 *
 * What belongs to one execution — the bound parameters, the pager transaction, the OR clause of
 * the statement that fired a trigger, connection settings such as recursive_triggers and
 * foreign_keys — is never part of a plan; the user re-binds it per execution.
 *
 * Re-entrancy: a plan may hold per-execution state while it runs (TableWriter's REPLACE hook).
 * A statement that runs again inside its own execution (a recursive trigger) gets a fresh,
 * uncached plan instead of sharing the one in use.
 */
import type { Schema } from '../../schema/read-schema.js';

interface Entry<P> {
  readonly schema: Schema;
  readonly parent: object | undefined;
  readonly plan: P;
  busy: boolean;
}

export class PlanMemo<K extends object, P> {
  private readonly entries = new WeakMap<K, Entry<P>>();

  /**
   * Runs `use` with the plan of `key` under (`schema`, `parent`), built by `build` when there is
   * none yet (or it belongs to another schema or scope, or is in use up the stack).
   */
  async with<R>(key: K, schema: Schema, parent: object | undefined, build: () => P, use: (plan: P) => Promise<R>): Promise<R> {
    let entry = this.entries.get(key);
    if (entry === undefined || entry.schema !== schema || entry.parent !== parent) {
      entry = { schema, parent, plan: build(), busy: false };
      this.entries.set(key, entry);
    } else if (entry.busy) {
      return use(build());
    }
    entry.busy = true;
    try {
      return await use(entry.plan);
    } finally {
      entry.busy = false;
    }
  }

  /** Whether `key` has a plan under (`schema`, `parent`): what the plan was built for is still what the statement names. */
  has(key: K, schema: Schema, parent: object | undefined): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.schema === schema && entry.parent === parent;
  }

  /** The plan of `key` for code that keeps no per-execution state in it (no busy tracking). */
  get(key: K, schema: Schema, parent: object | undefined, build: () => P): P {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.schema === schema && entry.parent === parent) return entry.plan;
    const plan = build();
    this.entries.set(key, { schema, parent, plan, busy: false });
    return plan;
  }
}
