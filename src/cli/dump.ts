/**
 * `.dump` as the sqlite3 shell (3.40) writes it: SQL text that rebuilds the database.
 *
 *   PRAGMA foreign_keys=OFF;
 *   BEGIN TRANSACTION;
 *   CREATE TABLE …;  INSERT INTO … VALUES(…);   every table with SQL, in sqlite_schema order
 *                                               (sqlite_sequence last), each followed by its rows
 *   CREATE INDEX / TRIGGER / VIEW …;            in sqlite_schema order
 *   COMMIT;
 *
 * Shell details kept: a CREATE TABLE whose name is quoted with " or ' becomes CREATE TABLE IF NOT
 * EXISTS; sqlite_sequence is emptied first ("DELETE FROM sqlite_sequence;") and sqlite_stat1 made
 * by "ANALYZE sqlite_schema;" before their rows; other sqlite_ tables are left out; a virtual table
 * is an INSERT into sqlite_schema under PRAGMA writable_schema=ON (its shadow tables are dumped as
 * tables); INSERTs list no columns and leave out generated ones; names are double-quoted when not
 * plain identifiers or keywords; TEXT is quoted ('' for ') and stops at a NUL, newlines and
 * carriage returns go through replace(…,'\n',char(10)); BLOBs are X'…'; a REAL that is a whole
 * number below 2^63 prints as N.0, infinities as 1e999 / -1e999, others with 20 significant
 * digits ("%!.20g"). Patterns (`.dump PATTERN`) select tables whose name is LIKE the pattern, and
 * the shadow tables of a matching virtual table, by the shell's own queries. `--preserve-rowids`
 * names the columns and puts the rowid first (rowidName).
 *
 * Known difference: sqlite3 3.40 computes the 20 digits of a REAL in x87 long double and its last
 * digits can differ from the exact ones printed here (1e100 prints as 1.0e+100 there,
 * 1.0000000000000000159e+100 here); both read back as the same double.
 */
import type { Database } from '../api/database.js';
import { BusyError } from '../errors.js';
import type { Value } from '../exec/value.js';
import { KEYWORDS } from '../sql/keywords.js';
import { splitStatements } from './statement-splitter.js';

export interface DumpOptions {
  /** LIKE patterns of the tables to dump (none: all). */
  readonly patterns?: readonly string[];
  /** Only the INSERTs (sqlite3's --data-only). */
  readonly dataOnly?: boolean;
  /** Leave out sqlite_sequence and sqlite_stat1 (sqlite3's --nosys). */
  readonly noSys?: boolean;
  /** Newlines and carriage returns as they are inside the quotes (sqlite3's --newlines). */
  readonly newlines?: boolean;
  /** Each row's rowid too, where it is not a column (sqlite3's --preserve-rowids). */
  readonly preserveRowids?: boolean;
}

/** Takes the dump's text in order; a Promise returned is waited for (backpressure). */
export type DumpWriter = (text: string) => void | Promise<void>;

/**
 * Writes the dump of `db` through `write` (called with pieces of text, in order). Each query of
 * the dump reads one committed state; a commit by another writer between them (its change
 * counter moved) ends the dump with BusyError — the text written so far would mix two states.
 */
export async function dumpDatabase(db: Database, options: DumpOptions, write: DumpWriter): Promise<void> {
  const before = await changeCounter(db);
  await dumpQueries(db, options, write);
  if ((await changeCounter(db)) !== before) throw new BusyError('a commit to the database landed during the dump; dump again');
}

/** The header's change counter as of a fresh consistent read (every read begins with page 1). */
async function changeCounter(db: Database): Promise<number> {
  await db.query('PRAGMA schema_version');
  return db.header.changeCounter;
}

async function dumpQueries(db: Database, options: DumpOptions, write: DumpWriter): Promise<void> {
  const like = likeClause(options.patterns ?? []);
  if (options.dataOnly !== true) await write('PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n');
  let writableSchema = false;
  const tables = await db.query(
    `SELECT name, type, sql FROM sqlite_schema AS o WHERE (${like}) AND type=='table' AND sql NOT NULL ORDER BY tbl_name='sqlite_sequence', rowid`,
  );
  for (const t of tables) {
    const name = String(t.name);
    const sql = String(t.sql);
    const noSys = options.noSys === true;
    const dataOnly = options.dataOnly === true;
    if (name === 'sqlite_sequence' && !noSys) {
      if (!dataOnly) await write('DELETE FROM sqlite_sequence;\n');
    } else if (/^sqlite_stat.$/.test(name) && !noSys) {
      if (!dataOnly) await write('ANALYZE sqlite_schema;\n');
    } else if (name.startsWith('sqlite_')) {
      continue;
    } else if (dataOnly) {
      // rows only
    } else if (sql.startsWith('CREATE VIRTUAL TABLE')) {
      if (!writableSchema) {
        await write('PRAGMA writable_schema=ON;\n');
        writableSchema = true;
      }
      await write(`INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table',${sqlString(name)},${sqlString(name)},0,${sqlString(sql)});\n`);
      continue;
    } else {
      await write(schemaLine(sql));
    }
    await dumpRows(db, name, options, write);
  }
  if (options.dataOnly !== true) {
    const others = await db.query(`SELECT sql FROM sqlite_schema AS o WHERE (${like}) AND sql NOT NULL AND type IN ('index','trigger','view')`);
    for (const o of others) {
      const sql = String(o.sql);
      // sqlite3 puts the ';' on a line of its own after SQL with a `--` comment in it.
      await write(sql.includes('--') ? `${sql}\n;\n` : `${sql};\n`);
    }
  }
  if (writableSchema) await write('PRAGMA writable_schema=OFF;\n');
  if (options.dataOnly !== true) await write('COMMIT;\n');
}

/** The shell's filter on sqlite_schema for `.dump [PATTERN …]`. */
function likeClause(patterns: readonly string[]): string {
  if (patterns.length === 0) return 'true';
  return patterns
    .map((p) => {
      const q = sqlString(p);
      return (
        `name LIKE ${q} ESCAPE '\\' OR EXISTS (SELECT 1 FROM sqlite_schema WHERE name LIKE ${q} ESCAPE '\\' AND ` +
        `sql LIKE 'CREATE VIRTUAL TABLE%' AND substr(o.name, 1, length(name)+1) == (name||'_'))`
      );
    })
    .join(' OR ');
}

/**
 * printSchemaLine: the CREATE text and `;`, IF NOT EXISTS for a quoted table name, and a comment
 * at the end closed first so that the `;` ends the statement.
 */
export function schemaLine(sql: string): string {
  let z = sql;
  if (z.includes('/*') || z.includes('--')) {
    for (const term of ['', '*/', '\n']) {
      const candidate = `${z}${term};`;
      if (splitStatements(candidate).complete) {
        z = `${z}${term}`;
        break;
      }
    }
  }
  if (/^CREATE TABLE ['"]/.test(z)) return `CREATE TABLE IF NOT EXISTS ${z.slice(13)};\n`;
  return `${z};\n`;
}

async function dumpRows(db: Database, table: string, options: DumpOptions, write: DumpWriter): Promise<void> {
  const newlines = options.newlines === true;
  const info = await db.query(`PRAGMA table_info(${sqlString(table)})`);
  const columns = info.map((c) => String(c.name));
  const rowid = options.preserveRowids === true ? await rowidName(db, table, info) : undefined;
  const names = (rowid === undefined ? columns : [rowid, ...columns]).map(quoteName);
  // With a rowid the INSERT names its columns (the rowid first); otherwise it lists none.
  const into = `INSERT INTO ${quoteName(table)}${rowid === undefined ? '' : `(${names.join(',')})`} VALUES(`;
  const select = `SELECT ${names.join(',')} FROM ${quoteName(table)}`;
  const stmt = await db.prepare(select);
  if (!('typedIterate' in stmt)) return;
  let buffer = '';
  for await (const row of stmt.typedIterate()) {
    buffer += into;
    row.values.forEach((v, i) => {
      if (i > 0) buffer += ',';
      buffer += literal(v, newlines);
    });
    buffer += ');\n';
    if (buffer.length >= 1 << 16) {
      await write(buffer);
      buffer = '';
    }
  }
  if (buffer !== '') await write(buffer);
}

/**
 * The name under which `--preserve-rowids` dumps a table's rowid, as the shell's tableColumnList
 * picks it: none when a single PRIMARY KEY column typed exactly INTEGER is the rowid (no "pk"
 * index backs it), else the first of rowid, _rowid_, oid that no column is named (case-insensitive)
 * — and none when that name is not a rowid (WITHOUT ROWID) or all three are columns.
 */
async function rowidName(db: Database, table: string, info: readonly Record<string, unknown>[]): Promise<string | undefined> {
  const pk = info.filter((c) => Number(c.pk) > 0);
  if (pk.length === 1 && String(pk[0]!.type).toUpperCase() === 'INTEGER') {
    const indexes = await db.query(`PRAGMA index_list(${sqlString(table)})`);
    if (!indexes.some((i) => i.origin === 'pk')) return undefined;
  }
  const taken = new Set(info.map((c) => String(c.name).toLowerCase()));
  const name = ['rowid', '_rowid_', 'oid'].find((n) => !taken.has(n));
  if (name === undefined) return undefined;
  try {
    await db.prepare(`SELECT ${name} FROM ${quoteName(table)}`);
    return name;
  } catch {
    return undefined; // WITHOUT ROWID: the name is no column at all
  }
}

/** A value as the shell's insert mode writes it. */
function literal(v: Value, newlines: boolean): string {
  if (v === null) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return realLiteral(v);
  if (v instanceof Uint8Array) return `X'${Buffer.from(v).toString('hex')}'`;
  const text = upToNul(v);
  return newlines ? sqlString(text) : escapedString(text);
}

/** The shell's REAL: N.0 for a whole number below 2^63, 1e999 for infinity, else %!.20g. */
export function realLiteral(r: number): string {
  if (r === Infinity) return '1e999';
  if (r === -Infinity) return '-1e999';
  if (Number.isInteger(r) && Math.abs(r) < 2 ** 63) return `${BigInt(r)}.0`;
  return formatG20(r);
}

/** SQLite's "%!.20g": 20 significant digits, trailing zeros dropped, a ".0" kept. */
function formatG20(r: number): string {
  const [mantissa, expText] = Math.abs(r).toExponential(19).split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  const sign = r < 0 ? '-' : '';
  if (exp < -4 || exp >= 20) {
    let m = `${digits[0]}.${digits.slice(1)}`.replace(/0+$/, '');
    if (m.endsWith('.')) m += '0';
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let fixed: string;
  if (exp >= 0) fixed = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else fixed = `0.${'0'.repeat(-exp - 1)}${digits}`;
  fixed = fixed.replace(/0+$/, '');
  if (fixed.endsWith('.')) fixed += '0';
  return `${sign}${fixed}`;
}

/** output_quoted_escaped_string: quotes doubled, \n and \r through replace(…, char(10|13)). */
export function escapedString(s: string): string {
  const hasNl = s.includes('\n');
  const hasCr = s.includes('\r');
  if (!hasNl && !hasCr) return sqlString(s);
  const nl = hasNl ? unusedMarker(s, '\\n', '\\012') : '';
  const cr = hasCr ? unusedMarker(s, '\\r', '\\015') : '';
  let body = s.replaceAll("'", "''");
  if (hasNl) body = body.replaceAll('\n', nl);
  if (hasCr) body = body.replaceAll('\r', cr);
  let out = `${hasNl ? 'replace(' : ''}${hasCr ? 'replace(' : ''}'${body}'`;
  if (hasCr) out += `,'${cr}',char(13))`;
  if (hasNl) out += `,'${nl}',char(10))`;
  return out;
}

/** unused_string: the first of two markers not in `s`, else "(A1)", "(A2)", … until one is not. */
function unusedMarker(s: string, a: string, b: string): string {
  if (!s.includes(a)) return a;
  if (!s.includes(b)) return b;
  for (let i = 0; ; i++) {
    const m = `(${a}${i})`;
    if (!s.includes(m)) return m;
  }
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function upToNul(s: string): string {
  const at = s.indexOf('\0');
  return at < 0 ? s : s.slice(0, at);
}

/** quoteChar: a name in double quotes unless it is a plain identifier and not a keyword. */
export function quoteName(name: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase());
  return plain ? name : `"${name.replaceAll('"', '""')}"`;
}
