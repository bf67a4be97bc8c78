/**
 * `s3lite shell LOCATION`: an interactive prompt, as sqlite3's. Statements may span lines and
 * end with `;`; each runs through a read-write `Database` — SELECT, EXPLAIN QUERY PLAN and
 * PRAGMA print their rows (a SELECT streams them), INSERT/UPDATE/DELETE/DDL change the database
 * (each commits on its own unless inside BEGIN … COMMIT; a transaction left open at the end is
 * rolled back, as sqlite3 does). A location that cannot be written (a single S3 object, an
 * https:// URL) is read as usual and refuses writes with SQLITE_READONLY. Dot-commands
 * (`.tables`, `.schema [name]`, `.mode table|csv|json`, `.plan SQL`, `.help`, `.quit`) are read
 * when no statement is pending. History is kept for the session and saved in ~/.s3lite_history
 * when the terminal is interactive. An error prints `Error: …` on standard error and the prompt
 * goes on; with input that is not a terminal the exit status is then 1, as sqlite3's.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Database } from '../../api/database.js';
import { SqliteError } from '../../errors.js';
import type { Statement } from '../../sql/ast.js';
import { parseStatementsWithText, type ParsedStatement } from '../../sql/parser.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';
import { createRowWriter, type OutputFormat } from '../output.js';
import { drawPlan } from './query.js';

export interface ShellIo {
  readonly input: Readable;
  readonly output: Writable;
  /** Where `Error: …` lines go (standard error, as sqlite3's). */
  readonly errors: Writable;
  /** Interactive terminal: prompts, history file. */
  readonly terminal: boolean;
}

const HELP = `.help                 this text
.tables               list tables and views
.schema [NAME]        the CREATE statements (of NAME only)
.mode table|csv|json  output format
.plan SELECT …        the query plan of a statement
.quit                 leave (also .exit, or end of input)
Statements end with ';' and may span several lines. SELECT, EXPLAIN QUERY PLAN and PRAGMA
print rows; other statements change the database (BEGIN … COMMIT groups them).
`;

export async function runShell(spec: string, options: GlobalOptions, io?: ShellIo): Promise<void> {
  const shellIo: ShellIo = io ?? { input: process.stdin, output: process.stdout, errors: process.stderr, terminal: process.stdin.isTTY === true };
  const db = await Database.open(resolveLocation(spec), { ...storeOptions(options), readonly: false });
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
  const rl = createInterface({ input: io.input, output: io.output, terminal: io.terminal, history, historySize: 500, prompt: 's3lite> ' });
  const say = (text: string): void => void io.output.write(text);
  let mode: OutputFormat = 'table';
  let pending = '';
  let failed = false;
  const prompt = (): void => {
    if (io.terminal) {
      rl.setPrompt(pending === '' ? 's3lite> ' : '   ...> ');
      rl.prompt();
    }
  };
  const remember = (line: string): void => {
    if (!io.terminal) return;
    try {
      appendFileSync(historyFile, `${line}\n`);
    } catch {
      // history is a convenience
    }
  };
  const report = (err: unknown): void => {
    failed = true;
    io.errors.write(`Error: ${err instanceof SqliteError || err instanceof Error ? err.message : String(err)}\n`);
  };

  const dot = async (line: string): Promise<boolean> => {
    const [cmd = '', ...args] = line.trim().split(/\s+/);
    switch (cmd) {
      case '.quit':
      case '.exit':
        return false;
      case '.help':
        say(HELP);
        break;
      case '.tables': {
        const names = (await db.schema())
          .filter((r) => (r.type === 'table' || r.type === 'view') && !r.name.toLowerCase().startsWith('sqlite_'))
          .map((r) => r.name)
          .sort();
        say(names.length === 0 ? '' : `${names.join('\n')}\n`);
        break;
      }
      case '.schema': {
        // In sqlite_schema's order, as sqlite3's .schema prints them.
        const wanted = args[0]?.toLowerCase();
        for (const r of await db.schema()) {
          if (r.sql === null) continue;
          if (wanted !== undefined && r.name.toLowerCase() !== wanted && r.tblName.toLowerCase() !== wanted) continue;
          say(`${r.sql};\n`);
        }
        break;
      }
      case '.mode': {
        const m = args[0];
        if (m === 'table' || m === 'csv' || m === 'json') mode = m;
        else report(new Error('mode must be table, csv or json'));
        break;
      }
      case '.plan': {
        const lines = (await db.prepare(line.trim().slice('.plan'.length).trim())).plan().map((l) => {
          const text = l.trimStart();
          return { depth: (l.length - text.length) / 2, text };
        });
        say(`${drawPlan(lines).join('\n')}\n`);
        break;
      }
      default:
        report(new Error(`unknown command or invalid arguments: "${cmd.slice(1)}". Enter ".help" for help`));
    }
    return true;
  };

  /** One statement: a query streams its rows; anything else runs (and prints what it returns). */
  const run = async (sql: string, parsed: Statement): Promise<void> => {
    const query = parsed.kind === 'explain' ? parsed.queryPlan && parsed.statement.kind === 'select' : parsed.kind === 'select';
    if (query) {
      const stmt = await db.prepare(sql);
      const writer = createRowWriter(mode, stmt.columns(), say);
      for await (const { values } of stmt.typedIterate()) writer.execRow(values);
      writer.end();
      return;
    }
    await db.execRows(sql, undefined, (result) => {
      if (result === undefined) return;
      const writer = createRowWriter(mode, result.columns, say);
      for (const r of result.rows) writer.row(r.values, r.classes);
      writer.end();
    });
  };

  prompt();
  for await (const line of rl) {
    if (pending === '' && line.trim().startsWith('.')) {
      remember(line);
      let goOn = true;
      try {
        goOn = await dot(line);
      } catch (err) {
        report(err);
      }
      if (!goOn) break;
      prompt();
      continue;
    }
    pending = pending === '' ? line : `${pending}\n${line}`;
    if (pending.trim() === '') {
      pending = '';
      prompt();
      continue;
    }
    const statements = complete(pending);
    if (statements === undefined) {
      prompt();
      continue;
    }
    remember(pending.replace(/\n/g, ' '));
    pending = '';
    try {
      for (const { statement, text } of statements()) await run(text, statement);
    } catch (err) {
      report(err);
    }
    prompt();
  }
  rl.close();
  return failed;
}

/**
 * Whether `input` is a complete run of statements, as sqlite3_complete() judges it: it ends
 * with `;` outside any string, and a CREATE TRIGGER's body has reached its END. Returns the
 * parse to run (which throws the syntax error of a complete but wrong input), or undefined
 * while more lines are needed.
 */
function complete(input: string): (() => ParsedStatement[]) | undefined {
  if (!/;\s*$/.test(input)) return undefined;
  try {
    const parsed = parseStatementsWithText(input);
    return () => parsed;
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    // An unfinished trigger body, or a quote still open (its `;` is inside the string).
    if (message.startsWith('incomplete input') || /^unrecognized token: "['"`[]/.test(message)) return undefined;
    return () => {
      throw err;
    };
  }
}
