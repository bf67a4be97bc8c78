/**
 * The PRAGMAs as table-valued functions in FROM — SQLite's eponymous pragma tables:
 * `pragma_table_info('t')`, `pragma_index_list(s.name)` (re-run for every row of the items to its
 * left), `pragma_page_count`. Each has the PRAGMA's result columns and then the hidden columns
 * SQLite gives it: `arg` (when the PRAGMA takes an argument) and `schema`.
 */
import { SqliteError } from '../../errors.js';
import { valueToText } from '../expr/value-ops.js';
import { coreSpans } from '../select/column-names.js';
import { compileSelect } from '../select/compile-select.js';
import type { TableFunction } from '../select/table-functions.js';
import { pragmaNames, pragmaDef } from './pragma-catalog.js';

/** [name, function] for every PRAGMA answered as a query. */
export function pragmaTableFunctions(): Array<[string, TableFunction]> {
  return pragmaNames().map((name) => {
    const def = pragmaDef(name)!;
    const hidden = def.takesArg ? ['arg', 'schema'] : ['schema'];
    const fn: TableFunction = {
      columns: [...def.columns.map((c) => ({ name: c, hidden: false })), ...hidden.map((c) => ({ name: c, hidden: true }))],
      async *rows(args, ctx) {
        const argValue = def.takesArg ? (args[0] ?? null) : null;
        const schemaValue = (def.takesArg ? args[1] : args[0]) ?? null;
        const schemaName = schemaValue === null ? null : valueToText(schemaValue);
        // pragma_table_info('t', 'temp'): that database's schema (and pager) alone.
        const schema = ctx.schema.database(schemaName ?? undefined);
        if (schema === undefined) throw new SqliteError('SQLITE_ERROR', `unknown database '${schemaName}'`);
        const arg = argValue === null ? undefined : (valueToText(argValue) ?? undefined);
        const rows = await def.rows(
          {
            pager: schema.temp?.pager ?? ctx.rt.pager,
            schema,
            file: ctx.file ?? '',
            compileView: (v) => compileSelect(v.select, { schema: ctx.schema, ctes: new Map(), viewStack: [v.name.toLowerCase()], spans: coreSpans(v.selectText, v.select) }, undefined),
          },
          arg,
        );
        // The hidden columns read back what was given (SQLite: the argument, the schema).
        const tail = def.takesArg ? [argValue, schemaValue] : [schemaValue];
        for (const r of rows) yield [...r, ...tail];
      },
    };
    return [`pragma_${name}`, fn];
  });
}
