/**
 * The schema a connection with a TEMP database runs statements against: main's objects and
 * TEMP's in one lookup, where an unqualified name finds the TEMP object first and then main's
 * (SQLite's order: temp, main), plus the two databases' schemas alone for `main.x` / `temp.x`
 * and for the SQL stored in main (a main view or trigger sees main's objects only).
 *
 * TEMP objects carry their database's pager (`TempTag`); b-tree code picks it with `pagerOf`.
 */
import type { Pager } from '../pager/pager.js';
import { Schema, type SchemaLinks } from './read-schema.js';
import type { SchemaObject } from './schema-types.js';

/** `main` and `temp` as one connection's schema (see the header). */
export function connectionSchema(main: Schema, temp: Schema): Schema {
  const links = {} as SchemaLinks;
  const part = (s: Schema, tag: Schema['temp']): Schema => new Schema(s.tables, s.indexes, s.views, s.triggers, s.virtualTables, tag, links);
  links.main = part(main, undefined);
  links.temp = part(temp, temp.temp);
  // Later entries win a name in Schema's maps: TEMP's objects come last.
  links.all = new Schema(
    [...main.tables, ...temp.tables],
    [...main.indexes, ...temp.indexes],
    [...main.views, ...temp.views],
    [...main.triggers, ...temp.triggers],
    [...main.virtualTables, ...temp.virtualTables],
    undefined,
    links,
  );
  Object.freeze(links);
  return links.all;
}

/** The pager holding `obj`'s b-tree: the TEMP database's for a TEMP object, else `main`. */
export function pagerOf(obj: Pick<SchemaObject, 'temp'>, main: Pager): Pager {
  return obj.temp?.pager ?? main;
}
