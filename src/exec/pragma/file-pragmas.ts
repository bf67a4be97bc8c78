/**
 * The PRAGMAs that report the database file (https://www.sqlite.org/pragma.html), read from
 * the header the pager holds (so inside a write transaction they see its changes):
 *
 *   page_size          header offset 16 (1 means 65536)
 *   page_count         the database size in pages
 *   freelist_count     header offset 36
 *   schema_version     the schema cookie, offset 40
 *   auto_vacuum        0 none, 1 full, 2 incremental: offset 52 (largest root page, non-zero
 *                      when auto-vacuum is on) and offset 64 (incremental)
 *   encoding           offset 56: UTF-8, UTF-16le, UTF-16be
 *   user_version       offset 60, application_id offset 68 (signed 32-bit)
 *   journal_mode       always `delete`: s3lite keeps a rollback journal beside the database
 *   database_list      one database, `main`, with where it lives
 *   integrity_check,   s3lite's own check of every b-tree and page (src/exec/check-database.ts):
 *   quick_check        `ok`, or up to N (default 100) problems in its own words
 */
import type { Pager } from '../../pager/pager.js';
import type { Schema } from '../../schema/read-schema.js';
import { readSchemaRows } from '../../schema/schema-rows.js';
import { checkDatabase } from '../check-database.js';
import type { Value } from '../value.js';

const ENCODINGS: Readonly<Record<number, string>> = { 1: 'UTF-8', 2: 'UTF-16le', 3: 'UTF-16be' };

/** The one-value PRAGMAs of the header, by name. */
export const HEADER_PRAGMAS: Readonly<Record<string, (pager: Pager) => Value>> = {
  page_size: (p) => BigInt(p.header.pageSize),
  page_count: (p) => BigInt(p.pageCount),
  freelist_count: (p) => BigInt(p.header.freelistCount),
  schema_version: (p) => BigInt(p.header.schemaCookie | 0),
  auto_vacuum: (p) => (p.header.largestRootPage === 0 ? 0n : p.header.incrementalVacuum !== 0 ? 2n : 1n),
  encoding: (p) => ENCODINGS[p.header.textEncoding] ?? 'UTF-8',
  user_version: (p) => BigInt(p.header.userVersion | 0),
  application_id: (p) => BigInt(p.header.applicationId | 0),
  journal_mode: () => 'delete',
};

/** database_list: seq, name, file — and `1, temp, ''` once the connection has a TEMP database (SQLite's row). */
export function databaseListRows(file: string, temp = false): Value[][] {
  return temp ? [[0n, 'main', file], [1n, 'temp', '']] : [[0n, 'main', file]];
}

/** integrity_check / quick_check: 'ok', or the problems found (at most `limit`). */
export async function integrityRows(pager: Pager, schema: Schema, limit: number): Promise<Value[][]> {
  const problems = await checkDatabase(pager, await readSchemaRows(pager), schema);
  if (problems.length === 0) return [['ok']];
  return problems.slice(0, Math.max(1, limit)).map((p) => [p]);
}
