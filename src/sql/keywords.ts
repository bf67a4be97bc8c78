/**
 * SQLite's keywords (https://www.sqlite.org/lang_keywords.html) and which of them may stand in
 * for an identifier.
 *
 * SQLite's grammar (parse.y) declares a `%fallback ID` list: when the parser cannot use one of
 * those keywords as a keyword in the current state, it treats it as a plain identifier. That is
 * why `CREATE TABLE t(key, desc, end)` works but `CREATE TABLE t(select)` does not. We follow the
 * same approach: the parser asks `isFallbackKeyword()` wherever a name is allowed.
 */

/** Every keyword SQLite 3.46 recognises (147 of them), upper case. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'ABORT', 'ACTION', 'ADD', 'AFTER', 'ALL', 'ALTER', 'ALWAYS', 'ANALYZE', 'AND', 'AS', 'ASC',
  'ATTACH', 'AUTOINCREMENT', 'BEFORE', 'BEGIN', 'BETWEEN', 'BY', 'CASCADE', 'CASE', 'CAST',
  'CHECK', 'COLLATE', 'COLUMN', 'COMMIT', 'CONFLICT', 'CONSTRAINT', 'CREATE', 'CROSS',
  'CURRENT', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'DATABASE', 'DEFAULT',
  'DEFERRABLE', 'DEFERRED', 'DELETE', 'DESC', 'DETACH', 'DISTINCT', 'DO', 'DROP', 'EACH',
  'ELSE', 'END', 'ESCAPE', 'EXCEPT', 'EXCLUDE', 'EXCLUSIVE', 'EXISTS', 'EXPLAIN', 'FAIL',
  'FILTER', 'FIRST', 'FOLLOWING', 'FOR', 'FOREIGN', 'FROM', 'FULL', 'GENERATED', 'GLOB',
  'GROUP', 'GROUPS', 'HAVING', 'IF', 'IGNORE', 'IMMEDIATE', 'IN', 'INDEX', 'INDEXED',
  'INITIALLY', 'INNER', 'INSERT', 'INSTEAD', 'INTERSECT', 'INTO', 'IS', 'ISNULL', 'JOIN', 'KEY',
  'LAST', 'LEFT', 'LIKE', 'LIMIT', 'MATCH', 'MATERIALIZED', 'NATURAL', 'NO', 'NOT', 'NOTHING',
  'NOTNULL', 'NULL', 'NULLS', 'OF', 'OFFSET', 'ON', 'OR', 'ORDER', 'OTHERS', 'OUTER', 'OVER',
  'PARTITION', 'PLAN', 'PRAGMA', 'PRECEDING', 'PRIMARY', 'QUERY', 'RAISE', 'RANGE', 'RECURSIVE',
  'REFERENCES', 'REGEXP', 'REINDEX', 'RELEASE', 'RENAME', 'REPLACE', 'RESTRICT', 'RETURNING',
  'RIGHT', 'ROLLBACK', 'ROW', 'ROWS', 'SAVEPOINT', 'SELECT', 'SET', 'TABLE', 'TEMP', 'TEMPORARY',
  'THEN', 'TIES', 'TO', 'TRANSACTION', 'TRIGGER', 'UNBOUNDED', 'UNION', 'UNIQUE', 'UPDATE',
  'USING', 'VACUUM', 'VALUES', 'VIEW', 'VIRTUAL', 'WHEN', 'WHERE', 'WINDOW', 'WITH', 'WITHOUT',
]);

/**
 * parse.y's `%fallback ID` list (with LIKE_KW = LIKE/GLOB/REGEXP, CTIME_KW = CURRENT_DATE/
 * CURRENT_TIME/CURRENT_TIMESTAMP, COLUMNKW = COLUMN, TEMP = TEMP/TEMPORARY) in a default build.
 * FILTER, OVER and WINDOW are keywords only in context (tokenize.c's analyzeWindowKeyword and
 * friends); the parser turns them into identifiers elsewhere.
 */
export const FALLBACK_KEYWORDS: ReadonlySet<string> = new Set([
  'ABORT', 'ACTION', 'AFTER', 'ANALYZE', 'ASC', 'ATTACH', 'BEFORE', 'BEGIN', 'BY', 'CASCADE',
  'CAST', 'COLUMN', 'CONFLICT', 'DATABASE', 'DEFERRED', 'DESC', 'DETACH', 'DO', 'EACH', 'END',
  'EXCLUSIVE', 'EXPLAIN', 'FAIL', 'FOR', 'IGNORE', 'IMMEDIATE', 'INITIALLY', 'INSTEAD', 'LIKE',
  'GLOB', 'REGEXP', 'MATCH', 'NO', 'PLAN', 'QUERY', 'KEY', 'OF', 'OFFSET', 'PRAGMA', 'RAISE',
  'RECURSIVE', 'RELEASE', 'REPLACE', 'RESTRICT', 'ROW', 'ROWS', 'ROLLBACK', 'SAVEPOINT', 'TEMP',
  'TEMPORARY', 'TRIGGER', 'VACUUM', 'VIEW', 'VIRTUAL', 'WITH', 'WITHOUT', 'NULLS', 'FIRST',
  'LAST', 'CURRENT', 'FOLLOWING', 'PARTITION', 'PRECEDING', 'RANGE', 'UNBOUNDED', 'EXCLUDE',
  'GROUPS', 'OTHERS', 'TIES', 'GENERATED', 'ALWAYS', 'MATERIALIZED', 'REINDEX', 'RENAME',
  'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'IF',
]);

/** JOIN_KW: usable as a name (`nm`) and as a column in expressions, but not as a bare alias. */
export const JOIN_KEYWORDS: ReadonlySet<string> = new Set([
  'CROSS', 'FULL', 'INNER', 'LEFT', 'NATURAL', 'OUTER', 'RIGHT',
]);

export function isKeyword(upper: string): boolean {
  return KEYWORDS.has(upper);
}

export function isFallbackKeyword(upper: string): boolean {
  return FALLBACK_KEYWORDS.has(upper);
}
