/**
 * The shell's `.import [--csv|--ascii] [--skip N] [--schema S] [-v] FILE TABLE`, as sqlite3's
 * (3.40): rows of FILE into TABLE, created when missing from the first row's names (each column
 * TEXT; an empty name is "?", names that repeat — ignoring case — get "_" and their position,
 * reported on standard error). Without --csv/--ascii the separators are the output mode's
 * (`.mode csv` reads CSV; list mode reads `|`-separated fields, quotes honoured as in CSV).
 *
 * Fields are read as sqlite3's csv_read_one_field reads them: a field that starts with `"` runs
 * to a `"` followed by a separator (`""` is a quote; a stray quote is reported "unescaped"), a
 * UTF-8 BOM before the first field is skipped, a `\r` before the row separator is dropped. Every
 * field is bound as TEXT (the column's affinity applies). A row with too few fields is filled
 * with NULL, one with too many loses the extras, each with sqlite3's message naming the row's
 * first line; all rows go in one transaction unless one is open.
 */
import { readFileSync } from 'node:fs';
import type { Database } from '../api/database.js';
import { decodeUtf8 } from '../record/text-encoding.js';

export interface ImportShell {
  readonly db: Database;
  /** The output mode's separators (list: `|` and newline; csv: `,` and `\r\n`). */
  readonly mode: string;
  readonly colSep: string;
  readonly rowSep: string;
  out(text: string): void;
  err(text: string): void;
  /** sqlite3 turns csv mode's `\r\n` row separator into `\n` for good when it imports with it. */
  setRowSep(sep: string): void;
}

const EOF = -1;
const USAGE = 'Usage: .import FILE TABLE\n';

/** Runs `.import`; false when it failed as sqlite3's does (its exit status then is 1). */
export async function dotImport(args: readonly string[], shell: ImportShell): Promise<boolean> {
  let file: string | undefined;
  let table: string | undefined;
  let schema: string | undefined;
  let skip = 0;
  let verbose = 0;
  let seps: { col: string; row: string; ascii: boolean } | undefined;
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    if (a.startsWith('--')) a = a.slice(1);
    if (!a.startsWith('-')) {
      if (file === undefined) file = a;
      else if (table === undefined) table = a;
      else {
        shell.out(`ERROR: extra argument: "${a}".  ${USAGE}`);
        return false;
      }
    } else if (a === '-v') verbose++;
    else if (a === '-schema' && i < args.length - 1) schema = args[++i]!;
    else if (a === '-skip' && i < args.length - 1) skip = Number.parseInt(args[++i]!, 10) || 0;
    else if (a === '-ascii') seps = { col: '\x1f', row: '\x1e', ascii: true };
    else if (a === '-csv') seps = { col: ',', row: '\n', ascii: false };
    else {
      shell.out(`ERROR: unknown option: "${a}".  ${USAGE}`);
      return false;
    }
  }
  if (file === undefined || table === undefined) {
    shell.out(`ERROR: missing ${file === undefined ? 'FILE' : 'TABLE'} argument. ${USAGE}`);
    return false;
  }
  if (seps === undefined) {
    const row = shell.mode === 'csv' && shell.rowSep === '\r\n' ? '\n' : shell.rowSep;
    if (row !== shell.rowSep) shell.setRowSep(row);
    for (const [sep, what] of [[shell.colSep, 'column'], [row, 'row']] as const) {
      if (sep.length === 0) shell.err(`Error: non-null ${what} separator required for import\n`);
      else if (sep.length > 1) shell.err(`Error: multi-character ${what} separators not allowed for import\n`);
      else continue;
      return false;
    }
    seps = { col: shell.colSep, row, ascii: shell.mode === 'ascii' };
  }
  let text: string;
  try {
    text = decodeUtf8(new Uint8Array(readFileSync(file)));
  } catch {
    shell.err(`Error: cannot open "${file}"\n`);
    return false;
  }
  const reader = new FieldReader(text, file, seps.col.charCodeAt(0), seps.row.charCodeAt(0), seps.ascii, shell.err);
  while (skip-- > 0) while (reader.read() !== undefined && reader.term === reader.colSep);

  const full = schema === undefined ? quoted(table) : `${quoted(schema)}.${quoted(table)}`;
  const db = shell.db;
  let columns: number;
  try {
    columns = (await db.prepare(`SELECT * FROM ${full}`)).columns().length;
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('no such table: ')) throw err;
    const names: string[] = [];
    for (let f = reader.read(); f !== undefined; f = reader.read()) {
      names.push(f);
      if (reader.term !== reader.colSep) break;
    }
    if (names.length === 0) {
      shell.err(`${file}: empty file\n`);
      return false;
    }
    const { defs, renames } = columnDefinitions(names);
    if (renames.length > 0) shell.err(`Columns renamed during .import ${file} due to duplicates:\n${renames.join(',\n')}\n`);
    const create = `CREATE TABLE ${full}${defs}\n`;
    if (verbose >= 1) shell.out(`${create}\n`);
    await db.run(create);
    columns = names.length;
  }
  if (columns === 0) return true;
  const insert = await db.prepare(`INSERT INTO ${full} VALUES(${new Array(columns).fill('?').join(',')})`);
  const own = !db.inTransaction;
  if (own) await db.run('BEGIN');
  let rows = 0;
  let errors = 0;
  try {
    do {
      const startLine = reader.line;
      const values: (string | null)[] = [];
      let i = 0;
      for (; i < columns; i++) {
        const z = reader.read();
        if (z === undefined && i === 0) break;
        if (seps.ascii && (z === undefined || z === '') && i === 0) break;
        values.push(z ?? null);
        if (i < columns - 1 && reader.term !== reader.colSep) {
          shell.err(`${file}:${startLine}: expected ${columns} columns but found ${i + 1} - filling the rest with NULL\n`);
          while (values.length < columns) values.push(null);
          i = columns + 1;
        }
      }
      if (reader.term === reader.colSep) {
        do {
          reader.read();
          i++;
        } while (reader.term === reader.colSep);
        shell.err(`${file}:${startLine}: expected ${columns} columns but found ${i} - extras ignored\n`);
      }
      if (i >= columns) {
        try {
          await insert.run(values);
          rows++;
        } catch (err) {
          shell.err(`${file}:${startLine}: INSERT failed: ${err instanceof Error ? err.message : String(err)}\n`);
          errors++;
        }
      }
    } while (reader.term !== EOF);
  } finally {
    if (own) await db.run('COMMIT');
  }
  if (verbose > 0) shell.out(`Added ${rows} rows with ${errors} errors using ${reader.line - 1} lines of input\n`);
  return true;
}

/** zAutoColumn's definitions: `(\n"a" TEXT, …)`, four to a line, and the renames it made. */
function columnDefinitions(names: readonly string[]): { defs: string; renames: string[] } {
  const base = names.map((n) => (n === '' ? '?' : n));
  const counts = new Map<string, number>();
  for (const n of base) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
  const renames: string[] = [];
  const finals = base.map((n, i) => {
    if (counts.get(n.toLowerCase())! < 2) return n;
    const renamed = `${n}_${i + 1}`;
    renames.push(`${quoted(n)} to ${quoted(renamed)}`);
    return renamed;
  });
  let defs = '(\n';
  finals.forEach((n, i) => {
    if (i > 0) defs += i % 4 === 0 ? ',\n ' : ', ';
    defs += `${quoted(n)} TEXT`;
  });
  return { defs: `${defs})`, renames };
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** csv_read_one_field / ascii_read_one_field over the decoded file. */
class FieldReader {
  /** The character that ended the last field (a separator, or EOF). */
  term = 0;
  /** The line the reader is on (1-based, counted in row separators). */
  line = 1;
  private at = 0;
  private first = true;

  constructor(
    private readonly s: string,
    private readonly file: string,
    readonly colSep: number,
    private readonly rowSep: number,
    private readonly ascii: boolean,
    private readonly err: (text: string) => void,
  ) {}

  private next(): number {
    return this.at < this.s.length ? this.s.charCodeAt(this.at++) : EOF;
  }

  /** The next field's text, or undefined at the end of the file. */
  read(): string | undefined {
    let c = this.next();
    if (c === EOF) {
      this.term = EOF;
      return undefined;
    }
    let field = '';
    if (this.ascii) {
      while (c !== EOF && c !== this.colSep && c !== this.rowSep) {
        field += String.fromCharCode(c);
        c = this.next();
      }
      if (c === this.rowSep) this.line++;
      this.term = c;
      return field;
    }
    if (c === 0x22) {
      const startLine = this.line;
      let pc = 0;
      let ppc = 0;
      for (;;) {
        c = this.next();
        if (c === this.rowSep) this.line++;
        if (c === 0x22 && pc === 0x22) {
          pc = 0;
          continue;
        }
        if ((c === this.colSep && pc === 0x22) || (c === this.rowSep && pc === 0x22) || (c === this.rowSep && pc === 0x0d && ppc === 0x22) || (c === EOF && pc === 0x22)) {
          field = field.slice(0, field.lastIndexOf('"'));
          this.term = c;
          break;
        }
        if (pc === 0x22 && c !== 0x0d) this.err(`${this.file}:${this.line}: unescaped " character\n`);
        if (c === EOF) {
          this.err(`${this.file}:${startLine}: unterminated "-quoted field\n`);
          this.term = c;
          break;
        }
        field += String.fromCharCode(c);
        ppc = pc;
        pc = c;
      }
    } else {
      // A UTF-8 byte-order mark before the first field is not part of it.
      if (this.first && c === 0xfeff) c = this.next();
      while (c !== EOF && c !== this.colSep && c !== this.rowSep) {
        field += String.fromCharCode(c);
        c = this.next();
      }
      if (c === this.rowSep) {
        this.line++;
        if (field.endsWith('\r')) field = field.slice(0, -1);
      }
      this.term = c;
    }
    this.first = false;
    return field;
  }
}
