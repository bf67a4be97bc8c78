import { Database } from '../src/index.js';
import { MemoryObjectStore } from '../src/store/memory-store.js';
const initSqlJs = (await import('sql.js')).default as any;
const SQL = await initSqlJs();
const o = new SQL.Database();
const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'p' } as any);
const fmt = (x: unknown) => JSON.stringify(x, (_, v) => typeof v === 'bigint' ? Number(v) : v);
for (const s of [
  'create table m(a, b)', 'insert into m values (1, 2)', 'create temp table t(x, y)', 'insert into t values (1, 9)',
  'create temp view tv as select m.a, t.y from m join t on m.a = t.x', 'select * from tv',
  'alter table t rename to t2', 'select sql from sqlite_temp_master', 'select * from tv',
  'alter table t2 add column z', 'alter table temp.t2 rename column y to yy', 'select sql from sqlite_temp_master',
  'create temp trigger tt after update on m begin insert into t2(x) values (new.a); end',
  'alter table m rename to m2', 'select sql from sqlite_temp_master', 'update m2 set a = 5', 'select * from t2',
  'reindex', 'pragma temp.page_count', 'vacuum temp', 'create virtual table temp.r using rtree(id, a, b)',
  'select * from pragma_table_info(\'t2\')',
]) {
  let a: string, b: string;
  try { const rows: unknown[] = []; await db.execRows(s, undefined, (r) => { if (r) rows.push(...r.rows.map((x) => x.values)); }); a = fmt(rows); } catch (e: any) { a = '!! ' + e.message; }
  try { const r = o.exec(s); b = fmt(r.flatMap((x: any) => x.values)); } catch (e: any) { b = '!! ' + e.message; }
  console.log(a === b ? 'same' : 'DIFF', s, '\n   ours:', a, '\n   sqlite:', b);
}
