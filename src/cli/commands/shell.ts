/**
 * `s3lite shell LOCATION`: an interactive prompt, as sqlite3's. Statements may span lines and
 * end with `;`; each runs through a read-write `Database` — SELECT, EXPLAIN QUERY PLAN and
 * PRAGMA print their rows (a SELECT streams them), INSERT/UPDATE/DELETE/DDL change the database
 * (each commits on its own unless inside BEGIN … COMMIT; a transaction left open at the end is
 * rolled back, as sqlite3 does). A location that cannot be written (a single S3 object, an
 * https:// URL) is read as usual and refuses writes with SQLITE_READONLY. Dot-commands
 * (`.tables`, `.indexes`, `.schema [name]`, `.dump [pattern]`, `.import FILE TABLE`, `.read FILE`,
 * `.output`/`.once FILE`, `.print`, `.mode`, `.headers`, `.width`, `.echo`, `.changes`, `.show`,
 * `.separator`, `.nullvalue`, `.bail`,
 * `.plan SQL`, `.help`, `.quit`) are read when no statement is pending; their words are split
 * and unescaped as sqlite3 splits them (shell-args.ts). History is kept for the
 * session and saved in ~/.s3lite_history when the terminal is interactive.
 *
 * A script piped in prints what `sqlite3 FILE < script` prints: lines are gathered until they
 * complete a statement (sqlite3_complete's rules, statement-splitter.ts), output is in list mode
 * (shell-format.ts), and an error prints sqlite3's `Parse error near line N: …` or `Runtime
 * error near line N: …` (shell-errors.ts) and skips the rest of that input; the session goes on
 * and the exit status is then 1. A person at a terminal gets qbox tables and the same error lines
 * without the line number.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Database } from '../../api/database.js';
import type { Statement } from '../../sql/ast.js';
import { parseStatementsWithText } from '../../sql/parser.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';
import { createRowWriter, type RowWriter } from '../output.js';
import { createShellWriter } from '../shell-format.js';
import { createColumnarWriter } from '../shell-columnar.js';
import { applyMode, defaultSettings, isColumnar, showSettings } from '../shell-mode.js';
import { ShellParameters } from '../shell-params.js';
import { AlreadyReported, errorContext, errorLine, ShellMessage } from '../shell-errors.js';
import { splitStatements } from '../statement-splitter.js';
import { dumpDatabase, schemaLine } from '../dump.js';
import { dotImport } from '../shell-import.js';
import { dotArgs } from '../shell-args.js';
import { ShellOutput } from '../shell-output.js';
import { drawPlan } from './query.js';

export interface ShellIo {
  readonly input: Readable;
  readonly output: Writable;
  /** Where `Error: …` lines go (standard error, as sqlite3's). */
  readonly errors: Writable;
  /** Interactive terminal: prompts, history file. */
  readonly terminal: boolean;
  /** The database as the user named it (`.show`'s filename). */
  readonly filename?: string;
}

const HELP = `.help                 this text
.tables [PATTERN]     list tables and views (named LIKE PATTERN)
.indexes [PATTERN]    list indexes (of tables named LIKE PATTERN); also .indices
.schema [NAME]        the CREATE statements (of NAME only)
.mode [MODE]          output mode, as sqlite3's: list (the default when input is not a
                      terminal), ascii, box, column, csv, html, insert [TABLE], json (one
                      array), line, markdown, qbox (the default on a terminal), quote, table,
                      tabs, tcl; also jsonl (JSON Lines); without MODE prints the current one
.headers on|off       column names before the rows (.mode column turns them on)
.width N …            widths of the table-like modes' columns (0 automatic; a negative width
                      aligns right; values wrap at the width)
.echo on|off          print each command before it runs
.changes on|off       print changes() and total_changes() after each statement
.show                 the current settings
.timer on|off         print each statement's run time (wall, user and system CPU seconds)
.param set KEY VALUE  bind the SQL parameter KEY (:x, @x, $x, ?N) to VALUE (an SQL expression,
                      else text); also .param list, unset KEY, clear, init
.separator COL [ROW]  the separators of list mode (default '|' and newline)
.nullvalue TEXT       what NULL prints as (default empty; qbox, quote, insert and json
                      write NULL / null)
.bail on|off          stop at the first error (default off)
.dump [PATTERN …]     SQL text that rebuilds the database (tables named LIKE PATTERN), as sqlite3's
                      .dump; --data-only, --nosys, --newlines, --preserve-rowids as there
.import FILE TABLE    rows of FILE into TABLE (created from the first row when missing), as
                      sqlite3's: --csv, --ascii, --skip N, --schema S, -v; else the mode's
                      separators
.read FILE            run the statements and dot-commands of FILE
.output [FILE]        send output to FILE ('|COMMAND' pipes it into a command; --bom writes a
                      UTF-8 byte-order mark first); without FILE, or 'stdout', back to stdout
.once FILE            the same for the next command only
.print TEXT …         print the words, separated by one space
.plan SELECT …        the query plan of a statement
.quit                 leave (also .exit, or end of input)
Statements end with ';' and may span several lines. SELECT, EXPLAIN QUERY PLAN and PRAGMA
print rows; other statements change the database (BEGIN … COMMIT groups them).
`;



export async function runShell(spec: string, options: GlobalOptions, io?: ShellIo): Promise<void> {
  const shellIo: ShellIo = io ?? { input: process.stdin, output: process.stdout, errors: process.stderr, terminal: process.stdin.isTTY === true, filename: spec };
  const location = resolveLocation(spec);
  // As sqlite3 does, a file that does not exist yet is a new database.
  const db =
    location.kind === 'file' && !existsSync(location.path)
      ? await Database.create(location, storeOptions(options))
      : await Database.open(location, { ...storeOptions(options), readonly: false });
  let failed = false;
  try {
    failed = await shell(db, shellIo);
  } finally {
    await db.close();
  }
  if (failed && !shellIo.terminal) process.exitCode = 1;
}

/** Runs the prompt over `io` until `.quit` or the end of input; whether any statement failed. */
export async function shell(db: Database, io: ShellIo): Promise<boolean> {
  const historyFile = join(homedir(), '.s3lite_history');
  let history: string[] = [];
  if (io.terminal) {
    try {
      history = readFileSync(historyFile, 'utf8').split('\n').filter((l) => l !== '').reverse().slice(0, 500);
    } catch {
      history = [];
    }
  }
  // A terminal gets line editing and history; a script is read as sqlite3 reads it (scriptLines).
  const rl = io.terminal ? createInterface({ input: io.input, output: io.output, terminal: true, history, historySize: 500, prompt: 's3lite> ' }) : undefined;
  const out = new ShellOutput(io.output);
  const say = (text: string): void => out.write(text);
  const sayBytes = (bytes: Uint8Array): void => out.write(bytes);
  // sqlite3 prints lists; a person at a terminal gets boxes with values as SQL literals (qbox).
  const settings = defaultSettings(io.terminal ? 'qbox' : 'list');
  let bail = false;
  let failed = false;
  const parameters = new ShellParameters();
  /** `.timer on`: each chunk of SQL is followed by its run time. */
  let timer = false;
  const remember = (line: string): void => {
    if (!io.terminal) return;
    try {
      appendFileSync(historyFile, `${line}\n`);
    } catch {
      // history is a convenience
    }
  };
  /** A dot-command's error: one `Error: …` line, as sqlite3's (its usage lines come bare). */
  const report = (err: unknown): void => {
    failed = true;
    if (err instanceof AlreadyReported) return;
    io.errors.write(err instanceof ShellMessage ? `${err.message}\n` : `Error: ${err instanceof Error ? err.message : String(err)}\n`);
  };
  /**
   * A statement's error, as sqlite3's shell prints it (`Parse error near line N: …`; a person at
   * the terminal gets no line number).
   */
  const reportStatement = (err: unknown, rest: string, line: number | undefined): void => {
    failed = true;
    io.errors.write(`${errorLine(err, line)}${errorContext(err, rest)}\n`);
  };
  const writerFor = (columns: readonly string[]): RowWriter =>
    settings.mode === 'jsonl'
      ? createRowWriter('json', columns, say)
      : isColumnar(settings.mode)
        ? createColumnarWriter({ ...settings, mode: settings.mode }, columns, sayBytes)
        : createShellWriter({ ...settings, mode: settings.mode }, columns, sayBytes);
  const onOff = (arg: string | undefined): boolean => {
    const a = arg?.toLowerCase();
    if (a === 'on' || a === 'yes' || a === 'true' || a === '1') return true;
    if (a === 'off' || a === 'no' || a === 'false' || a === '0') return false;
    // sqlite3 complains and takes "no"; not an error.
    io.errors.write(`ERROR: Not a boolean value: "${arg ?? ''}". Assuming "no".\n`);
    return false;
  };

  /** A dot-command: whether to go on or leave this input (`.quit`); an error throws. */
  const dot = async (line: string): Promise<'go' | 'quit'> => {
    const [cmd = '', ...args] = dotArgs(line.trim());
    switch (cmd) {
      case '.quit':
      case '.exit':
        return 'quit';
      case '.help':
        say(HELP);
        break;
      case '.tables':
      case '.indexes':
      case '.indices': {
        // sqlite3's own queries (a LIKE pattern, case-insensitive; sqlite_% left out of .tables).
        if (args.length > 1) throw new ShellMessage(`Usage: ${cmd} ?LIKE-PATTERN?`);
        const sql =
          cmd === '.tables'
            ? "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' AND name LIKE ?1 ORDER BY 1"
            : "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name LIKE ?1 ORDER BY 1";
        const names = (await db.query(sql, [args[0] ?? '%'])).map((r) => String(r.name));
        say(tableColumns(names));
        break;
      }
      case '.print':
        say(`${args.join(' ')}\n`);
        break;
      case '.read': {
        if (args.length !== 1) throw new ShellMessage('Usage: .read FILE');
        let text: string;
        try {
          text = readFileSync(args[0]!, 'utf8');
        } catch {
          throw new Error(`cannot open "${args[0]!}"`);
        }
        // Lines as a script's are read: a CR just before the LF goes.
        const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
        if (lines[lines.length - 1] === '') lines.pop();
        // `.quit` in the file ends the file only; its errors make `.read` fail (already printed).
        if ((await processInput(lines, false)).errors > 0) throw new AlreadyReported();
        break;
      }
      case '.output':
      case '.once': {
        const bom = args.includes('--bom');
        const rest = args.filter((a) => a !== '--bom');
        const bad = rest.find((a) => a.startsWith('-'));
        if (bad !== undefined) throw new Error(`${cmd}: option ${bad} is not supported (only --bom)`);
        if (rest.length > 1) throw new Error(`extra parameter: "${rest[1]!}"`);
        const name = rest[0];
        if (name === undefined || name === 'stdout') {
          if (cmd === '.output') await out.reset();
        } else await out.redirect(name, { once: cmd === '.once', bom });
        break;
      }
      case '.schema': {
        // In sqlite_schema's order, as sqlite3's .schema prints them.
        const wanted = args[0]?.toLowerCase();
        for (const r of await db.schema()) {
          if (r.sql === null) continue;
          if (wanted !== undefined && r.name.toLowerCase() !== wanted && r.tblName.toLowerCase() !== wanted) continue;
          // sqlite3 follows a view or virtual table with its columns in a comment (shellFakeSchema).
          const fake = r.type === 'view' || r.sql.startsWith('CREATE VIRTUAL TABLE');
          const columns = fake ? (await db.prepare(`SELECT * FROM ${quoteName(r.name)}`)).columns() : undefined;
          // printSchemaLine: IF NOT EXISTS for a quoted table name, a trailing comment closed.
          say(columns === undefined ? schemaLine(r.sql) : `${r.sql}\n/* ${quoteName(r.name)}(${columns.map(quoteName).join(',')}) */;\n`);
        }
        break;
      }
      case '.mode':
        say(applyMode(settings, args, onOff));
        break;
      case '.param':
      case '.parameter':
        await parameters.command(db, args, say);
        break;
      case '.width':
        settings.widths = args.map((a) => Number.parseInt(a, 10) || 0);
        break;
      case '.echo':
        settings.echo = onOff(args[0]);
        break;
      case '.changes':
        settings.changes = onOff(args[0]);
        break;
      case '.timer':
        timer = onOff(args[0]);
        break;
      case '.show':
        say(showSettings(settings, out.name, io.filename ?? ''));
        break;
      case '.headers':
      case '.header':
        settings.headers = onOff(args[0]);
        settings.headersSet = true;
        break;
      case '.bail':
        bail = onOff(args[0]);
        break;
      case '.separator':
        if (args[0] === undefined) throw new ShellMessage('Usage: .separator COL ?ROW?');
        settings.colSep = args[0];
        if (args[1] !== undefined) settings.rowSep = args[1];
        break;
      case '.nullvalue':
        settings.nullValue = args[0] ?? '';
        break;
      case '.dump': {
        const flags = args.filter((a) => a.startsWith('-'));
        const known = new Set(['--data-only', '--nosys', '--newlines', '--preserve-rowids']);
        const bad = flags.find((f) => !known.has(f));
        if (bad !== undefined) throw new ShellMessage(`Unknown option "${bad}" on ".dump"`);
        const patterns = args.filter((a) => !a.startsWith('-'));
        await dumpDatabase(db, { patterns, dataOnly: flags.includes('--data-only'), noSys: flags.includes('--nosys'), newlines: flags.includes('--newlines'), preserveRowids: flags.includes('--preserve-rowids') }, say);
        break;
      }
      case '.import':
        if (!(await dotImport(args, { db, mode: settings.mode, colSep: settings.colSep, rowSep: settings.rowSep, out: say, err: (t) => void io.errors.write(t), setRowSep: (sep) => (settings.rowSep = sep) }))) throw new AlreadyReported();
        break;
      case '.plan': {
        const lines = (await db.prepare(line.trim().slice('.plan'.length).trim())).plan().map((l) => {
          const text = l.trimStart();
          return { depth: (l.length - text.length) / 2, text };
        });
        say(`${drawPlan(lines).join('\n')}\n`);
        break;
      }
      default:
        throw new Error(`unknown command or invalid arguments:  "${cmd.slice(1)}". Enter ".help" for help`);
    }
    return 'go';
  };

  /** sqlite3 gives `.width` a 0 for every column past its list once a table-like result has rows. */
  const widen = (columns: number): void => {
    if (isColumnar(settings.mode)) while (settings.widths.length < columns) settings.widths.push(0);
  };

  /** One statement: a query streams its rows; anything else runs (and prints what it returns). */
  const run = async (sql: string, parsed: Statement): Promise<void> => {
    const params = parameters.forStatement();
    const query = parsed.kind === 'explain' ? parsed.queryPlan && parsed.statement.kind === 'select' : parsed.kind === 'select';
    if (query) {
      const stmt = await db.prepare(sql);
      if (parsed.kind === 'explain') {
        // sqlite3's shell draws EXPLAIN QUERY PLAN as a tree whatever the mode (its autoexplain).
        const depth = new Map<bigint, number>();
        const lines: { depth: number; text: string }[] = [];
        for await (const { values } of stmt.typedIterate(params)) {
          const [id, parent, , detail] = values;
          const d = typeof parent === 'bigint' && depth.has(parent) ? depth.get(parent)! + 1 : 0;
          if (typeof id === 'bigint') depth.set(id, d);
          lines.push({ depth: d, text: String(detail) });
        }
        say(`${drawPlan(lines).join('\n')}\n`);
        return;
      }
      const columns = stmt.columns();
      const writer = writerFor(columns);
      let rows = 0;
      for await (const { values } of stmt.typedIterate(params)) {
        if (rows++ === 0) widen(columns.length);
        writer.execRow(values);
      }
      writer.end();
      return;
    }
    await db.execRows(sql, params, (result) => {
      if (result === undefined) return;
      if (result.rows.length > 0) widen(result.columns.length);
      const writer = writerFor(result.columns);
      for (const r of result.rows) writer.row(r.values, r.classes);
      writer.end();
    });
  };

  /**
   * The statements of a complete input, in order, as sqlite3's shell runs them: the first error
   * is reported and the rest of that input is skipped. Whether one failed. `line` is where the
   * input starts, for error messages.
   */
  const runInput = async (input: string, line: number | undefined, atEnd = false): Promise<boolean> => {
    const split = splitStatements(input);
    const statements = [...split.statements];
    // At the end of input an unfinished statement runs as it is (its error, if any, is reported).
    if (atEnd && /\S/.test(input.slice(split.rest).replace(/--[^\n]*/g, ''))) statements.push({ text: input.slice(split.rest), offset: split.rest });
    let error = false;
    const started = { real: performance.now(), cpu: process.cpuUsage() };
    for (const { text, offset } of statements) {
      try {
        for (const { statement, text: sql } of parseStatementsWithText(text)) await run(sql, statement);
      } catch (err) {
        reportStatement(err, input.slice(offset), line);
        error = true;
        break;
      }
    }
    if (timer) {
      // sqlite3's END_TIMER: wall seconds, then the process's user and system CPU seconds.
      const cpu = process.cpuUsage(started.cpu);
      say(`Run Time: real ${((performance.now() - started.real) / 1000).toFixed(3)} user ${(cpu.user / 1e6).toFixed(6)} sys ${(cpu.system / 1e6).toFixed(6)}\n`);
    }
    if (!error && settings.changes) {
      const [c] = await db.query('SELECT changes() AS c, total_changes() AS t');
      say(`changes: ${String(c?.c)}   total_changes: ${String(c?.t)}\n`);
    }
    await out.afterCommand();
    return error;
  };

  /**
   * Lines of input — the terminal or a script on standard input, or a `.read` file — gathered
   * into statements and dot-commands, as sqlite3's process_input: it counts its own lines and
   * errors, ends at the end of its lines or after `.quit`, and, under `.bail on`, stops reading
   * once it has had an error (even one from before `.bail on`; never at a terminal).
   */
  const processInput = async (lines: AsyncIterable<string> | Iterable<string>, interactive: boolean): Promise<{ errors: number }> => {
    let pending = '';
    let lineNo = 0;
    let startLine = 0;
    let errors = 0;
    const prompt = (): void => {
      if (interactive) {
        rl?.setPrompt(pending === '' ? 's3lite> ' : '   ...> ');
        rl?.prompt();
      }
    };
    prompt();
    for await (const line of lines) {
      if (errors > 0 && bail && !interactive) return { errors };
      lineNo++;
      if (pending === '' && line.trim().startsWith('.')) {
        if (interactive) remember(line);
        if (settings.echo) say(`${line}\n`);
        let next: 'go' | 'quit' = 'go';
        try {
          next = await dot(line);
        } catch (err) {
          report(err);
          errors++;
        }
        await out.afterCommand();
        if (next === 'quit') return { errors };
        prompt();
        continue;
      }
      if (pending === '') {
        if (line.trim() === '') {
          prompt();
          continue;
        }
        startLine = lineNo;
      }
      pending = pending === '' ? line : `${pending}\n${line}`;
      // Input can only become complete on a line with a ';' (keeps a long statement linear).
      if (!line.includes(';') || !splitStatements(pending).complete) {
        prompt();
        continue;
      }
      if (interactive) remember(pending.replace(/\n/g, ' '));
      const input = pending;
      pending = '';
      if (settings.echo) say(`${input}\n`);
      if (await runInput(input, interactive ? undefined : startLine)) errors++;
      prompt();
    }
    // Input that ends inside a statement: sqlite3 runs what it has, and reports an unfinished one.
    if (pending.trim() !== '') {
      if (settings.echo) say(`${pending}\n`);
      if (await runInput(pending, interactive ? undefined : startLine, true)) errors++;
    }
    return { errors };
  };

  // sqlite3 numbers the lines of a piped script in its errors, not those typed at a terminal.
  try {
    await processInput(rl ?? scriptLines(io.input), io.terminal);
  } finally {
    rl?.close();
    await out.reset();
  }
  return failed;
}

/**
 * Names in columns, as sqlite3's .tables lays them out: 80 bytes wide, column by column, each
 * name padded to the longest (widths in UTF-8 bytes, as its printf counts them).
 */
function tableColumns(names: readonly string[]): string {
  if (names.length === 0) return '';
  const bytes = names.map((n) => Buffer.byteLength(n));
  const width = Math.max(...bytes);
  const perLine = Math.max(1, Math.floor(80 / (width + 2)));
  const rows = Math.ceil(names.length / perLine);
  let out = '';
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < names.length; j += rows) out += `${j < rows ? '' : '  '}${names[j]!}${' '.repeat(width - bytes[j]!)}`;
    out += '\n';
  }
  return out;
}

/** A name as sqlite3's shell writes it in a schema comment: bare when it is a plain word. */
function quoteName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * The lines of a script, as sqlite3's local_getline reads them: only a newline ends a line, and
 * a carriage return just before it goes; one elsewhere stays (in a string literal it is part of
 * the value, where readline would end the line).
 */
async function* scriptLines(input: Readable): AsyncGenerator<string> {
  input.setEncoding('utf8');
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let from = 0;
    for (let at = rest.indexOf('\n'); at >= 0; at = rest.indexOf('\n', from)) {
      yield rest.slice(from, at > from && rest.charCodeAt(at - 1) === 13 ? at - 1 : at);
      from = at + 1;
    }
    rest = rest.slice(from);
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}
