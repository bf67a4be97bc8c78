/**
 * Rewriting names inside stored CREATE statements, as ALTER TABLE … RENAME does
 * (https://www.sqlite.org/lang_altertable.html): the text is kept byte for byte except the
 * tokens that name the renamed table or column, which are replaced — a table always as
 * `"new"` (SQLite quotes it), a column bare when the new name is a plain identifier and the
 * old token was not quoted, else `"new"`.
 *
 * Which tokens name the table is decided from the tokens around them (SQLite resolves names
 * with its parser; this follows the places a table name can stand in a CREATE TABLE / INDEX /
 * VIEW / TRIGGER statement): the name after CREATE TABLE, after ON (index and trigger
 * headers), INTO, UPDATE, DELETE FROM, REFERENCES, in a FROM list (after FROM, JOIN or a comma
 * of the FROM list), and a qualifier before `.`. Columns: see `columnTokens`.
 */
import { SqliteError } from '../../errors.js';
import { isFallbackKeyword, isKeyword } from '../../sql/keywords.js';
import { tokenize, type Token } from '../../sql/tokenizer.js';

/** The name a token stands for when used as a name (identifiers, quoted identifiers, fallback keywords, 'strings'). */
export function tokenName(t: Token): string | undefined {
  if (t.kind === 'identifier' || t.kind === 'identifier-quoted') return t.value;
  // Keywords SQLite lets stand for names (parse.y's %fallback ID); not OF, ON, SET, …
  if (t.kind === 'keyword') return isFallbackKeyword(t.value) && !['OF', 'ON', 'SET', 'AS', 'BEGIN', 'END', 'WHEN', 'AFTER', 'BEFORE', 'INSTEAD', 'FOR', 'EACH', 'ROW'].includes(t.value) ? t.text : undefined;
  if (t.kind === 'string') return t.value;
  return undefined;
}

function same(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}

export function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A column's new token: bare when that is how SQLite writes it. */
function columnToken(old: Token, name: string): string {
  const bare = /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) && !isKeyword(name.toUpperCase());
  return bare && old.kind === 'identifier' ? name : quoteName(name);
}

function significant(sql: string): Token[] {
  return tokenize(sql).filter((t) => t.kind !== 'eof');
}

function kw(t: Token | undefined, ...values: string[]): boolean {
  return t !== undefined && t.kind === 'keyword' && values.includes(t.value);
}

const CLAUSE_AFTER_FROM = new Set(['WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'UNION', 'INTERSECT', 'EXCEPT', 'ON', 'USING', 'SET', 'RETURNING', 'VALUES', 'SELECT', 'BEGIN', 'END', 'WHEN']);

/** Positions of the tokens that name table `name`. */
function tableTokens(tokens: readonly Token[], name: string): number[] {
  const out: number[] = [];
  // Paren depths at which a FROM list is open.
  const fromAt = new Set<number>();
  let depth = 0;
  tokens.forEach((t, i) => {
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      fromAt.delete(depth);
      depth--;
    } else if (t.text === ';') fromAt.clear();
    else if (kw(t, 'FROM')) fromAt.add(depth);
    else if (t.kind === 'keyword' && CLAUSE_AFTER_FROM.has(t.value)) fromAt.delete(depth);
    if (!same(tokenName(t), name)) return;
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    if (next?.text === '.') {
      if (prev?.text !== '.') out.push(i); // a qualifier (not the column of schema.table.column)
      return;
    }
    if (prev?.text === '.') {
      // main.t: the table after a schema name
      const before = tokens[i - 2];
      const ctx = tokens[i - 3];
      if (same(tokenName(before!), 'main') && (kw(ctx, 'TABLE', 'ON', 'INTO', 'UPDATE', 'FROM', 'JOIN', 'REFERENCES') || ctx?.text === ',')) out.push(i);
      return;
    }
    const inFrom = fromAt.has(depth) && (kw(prev, 'FROM', 'JOIN') || prev?.text === ',');
    if (kw(prev, 'TABLE', 'ON', 'INTO', 'UPDATE', 'REFERENCES', 'JOIN') || (kw(prev, 'FROM') && kw(tokens[i - 2], 'DELETE')) || inFrom || (kw(prev, 'EXISTS') && kw(tokens[i - 4], 'TABLE'))) {
      out.push(i);
    }
  });
  return out;
}

/** `sql` with the tokens at `positions` replaced by `replacement(token)`. */
function edit(sql: string, tokens: readonly Token[], positions: readonly number[], replacement: (t: Token) => string): string {
  let out = '';
  let at = 0;
  for (const p of [...positions].sort((a, b) => a - b)) {
    const t = tokens[p]!;
    out += sql.slice(at, t.offset) + replacement(t);
    at = t.offset + t.text.length;
  }
  return out + sql.slice(at);
}

/** ALTER TABLE old RENAME TO new: the statement text with every reference to table `old` renamed. */
export function renameTableIn(sql: string, oldName: string, newName: string): string {
  const tokens = significant(sql);
  const positions = tableTokens(tokens, oldName);
  return positions.length === 0 ? sql : edit(sql, tokens, positions, () => quoteName(newName));
}

/**
 * The tokens naming column `column` of table `table` in a statement: `table.column` anywhere,
 * `new.column` / `old.column` in a trigger on `table`, and bare `column` where the table is the
 * only one in scope — in its own CREATE TABLE (except inside REFERENCES other(…)), in an index
 * on it, in a statement (or SELECT) of a trigger or view whose only table is `table`, and in
 * `REFERENCES table(…)` of any table. A bare name in a statement over several tables, where it
 * could name another table's column, is refused rather than guessed.
 */
function columnTokens(tokens: readonly Token[], table: string, column: string, kind: 'table' | 'index' | 'trigger' | 'view', ownerIsTable: boolean, where: string): number[] {
  const out: number[] = [];
  // Split into statements (a trigger's header and body statements) and judge each one's tables.
  let start = 0;
  const segments: [number, number][] = [];
  tokens.forEach((t, i) => {
    if (t.text === ';' || kw(t, 'BEGIN')) {
      segments.push([start, i]);
      start = i + 1;
    }
  });
  segments.push([start, tokens.length]);
  for (const [from, to] of segments) {
    const seg = tokens.slice(from, to);
    const tablePositions = new Set(allTablePositions(seg));
    const named = new Set<string>();
    for (const p of tablePositions) named.add(tokenName(seg[p]!)!.toLowerCase());
    const onlyThis = named.size === 0 ? ownerIsTable : named.size === 1 && named.has(table.toLowerCase());
    // REFERENCES x(…): inside it, the columns are x's.
    let refs: { depth: number; own: boolean } | undefined;
    let depth = 0;
    seg.forEach((t, j) => {
      const i = from + j;
      if (t.text === '(') depth++;
      else if (t.text === ')') {
        if (refs !== undefined && depth === refs.depth) refs = undefined;
        depth--;
      }
      if (kw(t, 'REFERENCES')) refs = { depth: depth + 1, own: same(tokenName(seg[j + 1]!), table) };
      if (!same(tokenName(t), column) || t.kind === 'string' || tablePositions.has(j)) return;
      const prev = seg[j - 1];
      const next = seg[j + 1];
      if (next?.text === '(' || next?.text === '.' || kw(prev, 'AS')) return; // a function call, a qualifier, an alias
      if (prev?.text === '.') {
        const q = tokenName(seg[j - 2]!);
        if (same(q, table) || (kind === 'trigger' && ownerIsTable && (same(q, 'new') || same(q, 'old')))) out.push(i);
        return;
      }
      if (refs !== undefined && depth >= refs.depth) {
        if (refs.own) out.push(i);
        return;
      }
      if (kind === 'table') {
        if (ownerIsTable) out.push(i);
        return;
      }
      if (kind === 'index' ? ownerIsTable : onlyThis) {
        out.push(i);
        return;
      }
      if (named.has(table.toLowerCase())) {
        throw new SqliteError('SQLITE_ERROR', `cannot rename column ${column}: ${where} names it without saying which table it belongs to (qualify it as ${table}.${column})`);
      }
    });
  }
  return out;
}

/** Positions of every name in a table position (for judging which tables a statement reads). */
function allTablePositions(tokens: readonly Token[]): number[] {
  const out: number[] = [];
  const seen = new Set<string>();
  for (const t of tokens) {
    const n = tokenName(t);
    if (n !== undefined && !seen.has(n.toLowerCase())) {
      seen.add(n.toLowerCase());
      for (const p of tableTokens(tokens, n)) if (tokens[p + 1]?.text !== '.') out.push(p);
    }
  }
  return out;
}

/** ALTER TABLE t RENAME COLUMN old TO new inside one stored statement. */
export function renameColumnIn(
  sql: string,
  kind: 'table' | 'index' | 'trigger' | 'view',
  table: string,
  ownerIsTable: boolean,
  oldName: string,
  newName: string,
  where: string,
): string {
  const tokens = significant(sql);
  const positions = columnTokens(tokens, table, oldName, kind, ownerIsTable, where);
  return positions.length === 0 ? sql : edit(sql, tokens, positions, (t) => columnToken(t, newName));
}

/**
 * Where ALTER TABLE ADD COLUMN inserts `, def` in a stored CREATE TABLE: before the comma that
 * starts the table constraints, else before the closing parenthesis (SQLite's addColOffset).
 */
export function addColumnOffset(sql: string): number {
  const tokens = significant(sql);
  const open = tokens.findIndex((t) => t.text === '(');
  if (open < 0) throw new SqliteError('SQLITE_ERROR', 'CREATE TABLE without a column list');
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      depth--;
      if (depth === 0) return t.offset;
    } else if (depth === 1 && t.text === ',' && kw(tokens[i + 1], 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN')) {
      return t.offset;
    }
  }
  throw new SqliteError('SQLITE_ERROR', 'CREATE TABLE without a closing parenthesis');
}

/**
 * ALTER TABLE DROP COLUMN's edit of the stored CREATE TABLE: the column's definition goes with
 * the separator after it (`a, b, c` without b is `a, c`), or, for the last column definition,
 * with the separator before it (`a, b, c` without c is `a, b`), as SQLite's sqlite_drop_column.
 */
export function dropColumnIn(sql: string, column: string): string {
  const tokens = significant(sql);
  const open = tokens.findIndex((t) => t.text === '(');
  // Top-level items of the column list: [first token, last token] positions.
  const items: [number, number][] = [];
  let depth = 0;
  let first = open + 1;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') {
      depth--;
      if (depth === 0) {
        items.push([first, i - 1]);
        break;
      }
    } else if (depth === 1 && t.text === ',') {
      items.push([first, i - 1]);
      first = i + 1;
    }
  }
  const isConstraint = (item: [number, number]): boolean => kw(tokens[item[0]], 'CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN');
  const columns = items.filter((it) => !isConstraint(it));
  const at = columns.findIndex((it) => same(tokenName(tokens[it[0]]!), column));
  if (at < 0) throw new SqliteError('SQLITE_ERROR', `no such column: "${column}"`);
  const end = (it: [number, number]): number => tokens[it[1]]!.offset + tokens[it[1]]!.text.length;
  const item = columns[at]!;
  const next = columns[at + 1];
  if (next !== undefined) return sql.slice(0, tokens[item[0]]!.offset) + sql.slice(tokens[next[0]]!.offset);
  const prev = columns[at - 1]!;
  return sql.slice(0, end(prev)) + sql.slice(end(item));
}
