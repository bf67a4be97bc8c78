/**
 * The shell's `.parameter` (`.param`) command and the bindings it keeps, as sqlite3's shell (3.40)
 * offers them:
 *
 *   .param set KEY VALUE   VALUE as an SQL expression (`1+2` is 3), else as text (`abc`)
 *   .param unset KEY       .param list      .param clear      .param init
 *
 * Every statement the shell runs binds each of its parameters to the binding whose key is the
 * parameter's name as written (`:x`, `@y`, `$z`, `?3`; a bare `?` is `?N` by its number), NULL
 * when there is none. One difference: sqlite3 keeps them in a TEMP table (sqlite_parameters)
 * that SQL can read; here the shell keeps them itself (the engine reserves sqlite_ names).
 */
import type { Database } from '../api/database.js';
import type { Value } from '../exec/value.js';

const USAGE = `.parameter CMD ...       Manage SQL parameter bindings
   clear                   Erase all bindings
   init                    Initialize the TEMP table that holds bindings
   list                    List the current parameter bindings
   set PARAMETER VALUE     Given SQL parameter PARAMETER a value of VALUE
                           PARAMETER should start with one of: $ : @ ?
   unset PARAMETER         Remove PARAMETER from the binding table
`;

interface Binding {
  readonly value: Value;
  /** quote(value), as `.param list` prints it. */
  readonly quoted: string;
}

export class ShellParameters {
  /** By key, in the order sqlite3 lists them (its table's primary key order: by bytes). */
  private readonly bindings = new Map<string, Binding>();

  /** Runs `.param ARGS`; `say` prints to the shell's output. */
  async command(db: Database, args: readonly string[], say: (text: string) => void): Promise<void> {
    const [cmd, key, value] = args;
    if (args.length === 1 && cmd === 'clear') this.bindings.clear();
    else if (args.length === 1 && cmd === 'init') return;
    else if (args.length === 1 && cmd === 'list') {
      const keys = [...this.bindings.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      // sqlite3 pads the keys to the longest one, at most 40 characters.
      const width = Math.min(40, Math.max(0, ...keys.map((k) => k.length)));
      for (const k of keys) say(`${k.padEnd(width)} ${this.bindings.get(k)!.quoted}\n`);
    } else if (args.length === 2 && cmd === 'unset') this.bindings.delete(key!);
    else if (args.length === 3 && cmd === 'set') {
      // The value as SQL when it is an expression that compiles, else as text; one that fails
      // when it runs is ignored, as sqlite3 ignores it.
      const evaluate = async (sql: string): Promise<Binding | undefined> => {
        for await (const { values } of (await db.prepare(`SELECT v, quote(v) FROM (SELECT ${sql} AS v)`)).typedIterate()) {
          return { value: values[0] ?? null, quoted: String(values[1]) };
        }
        return undefined;
      };
      let binding: Binding | undefined;
      try {
        binding = await evaluate(value!);
      } catch {
        const text = `'${value!.replaceAll("'", "''")}'`;
        binding = await evaluate(text).catch(() => undefined);
      }
      if (binding !== undefined) this.bindings.set(key!, binding);
    } else say(USAGE);
  }

  /** The bindings for a statement (undefined when there are none). */
  forStatement(): Record<string, Value> | undefined {
    if (this.bindings.size === 0) return undefined;
    const out: Record<string, Value> = {};
    for (const [key, { value }] of this.bindings) {
      // Named parameters by their names with the prefix; `?N` by number (the binder's `{ N: v }`).
      if (/^\?[1-9][0-9]*$/.test(key)) out[key.slice(1)] = value;
      else if (/^[:@$]/.test(key)) out[key] = value;
    }
    return out;
  }
}
