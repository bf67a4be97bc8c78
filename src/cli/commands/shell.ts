/**
 * `s3lite shell LOCATION`: an interactive prompt. Statements may span lines and end with `;`;
 * dot-commands (`.tables`, `.schema [name]`, `.mode table|csv|json`, `.plan SQL`, `.help`,
 * `.quit`) are read when no statement is pending. History is kept for the session and saved in
 * ~/.s3lite_history when the terminal is interactive.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { prepareQuery } from '../../api/statement.js';
import { SqliteError } from '../../errors.js';
import type { QueryContext } from '../../exec/select/query-types.js';
import type { GlobalOptions } from '../context.js';
import type { OutputFormat } from '../output.js';
import { drawPlan, printQuery, withQueryContext } from './query.js';

export interface ShellIo {
  readonly input: Readable;
  readonly output: Writable;
  /** Interactive terminal: prompts, history file. */
  readonly terminal: boolean;
}

const HELP = `.help                 this text
.tables               list tables and views
.schema [NAME]        the CREATE statements (of NAME only)
.mode table|csv|json  output format
.plan SELECT …        the query plan of a statement
.quit                 leave (also .exit, or end of input)
Statements end with ';' and may span several lines.
`;

export async function runShell(spec: string, options: GlobalOptions, io?: ShellIo): Promise<void> {
  const shellIo: ShellIo = io ?? { input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true };
  await withQueryContext(spec, options, (ctx) => shell(ctx, shellIo));
}

/** Runs the prompt over `io` until `.quit` or the end of input. */
export async function shell(ctx: QueryContext, io: ShellIo): Promise<void> {
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
    if (err instanceof SqliteError) say(`Error: ${err.message}\n`);
    else say(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  };

  const dot = (line: string): boolean => {
    const [cmd = '', ...args] = line.trim().split(/\s+/);
    switch (cmd) {
      case '.quit':
      case '.exit':
        return false;
      case '.help':
        say(HELP);
        break;
      case '.tables': {
        const names = [...ctx.schema.tables, ...ctx.schema.views]
          .map((t) => t.name)
          .filter((n) => !n.toLowerCase().startsWith('sqlite_'))
          .sort();
        say(names.length === 0 ? '' : `${names.join('\n')}\n`);
        break;
      }
      case '.schema': {
        const wanted = args[0]?.toLowerCase();
        const objects = [...ctx.schema.tables, ...ctx.schema.indexes, ...ctx.schema.views, ...ctx.schema.triggers];
        for (const o of objects) {
          if (o.sql === null) continue;
          const owner = o.kind === 'index' ? o.tableName : o.kind === 'trigger' ? o.tableName : o.name;
          if (wanted !== undefined && o.name.toLowerCase() !== wanted && owner.toLowerCase() !== wanted) continue;
          say(`${o.sql};\n`);
        }
        break;
      }
      case '.mode': {
        const m = args[0];
        if (m === 'table' || m === 'csv' || m === 'json') mode = m;
        else say(`Error: mode must be table, csv or json\n`);
        break;
      }
      case '.plan': {
        const sql = line.trim().slice('.plan'.length).trim();
        try {
          const lines = prepareQuery(ctx, sql).plan().map((l) => {
            const text = l.trimStart();
            return { depth: (l.length - text.length) / 2, text };
          });
          say(`${drawPlan(lines).join('\n')}\n`);
        } catch (err) {
          report(err);
        }
        break;
      }
      default:
        say(`Error: unknown command or invalid arguments: "${cmd.slice(1)}". Enter ".help" for help\n`);
    }
    return true;
  };

  prompt();
  for await (const line of rl) {
    if (pending === '' && line.trim().startsWith('.')) {
      remember(line);
      if (!dot(line)) break;
      prompt();
      continue;
    }
    pending = pending === '' ? line : `${pending}\n${line}`;
    if (!/;\s*$/.test(pending)) {
      if (pending.trim() === '') pending = '';
      prompt();
      continue;
    }
    const sql = pending;
    pending = '';
    remember(sql.replace(/\n/g, ' '));
    for (const stmt of splitStatements(sql)) {
      try {
        await printQuery(ctx, stmt, [], mode, say);
      } catch (err) {
        report(err);
      }
    }
    prompt();
  }
  rl.close();
}

/** Splits input at top-level `;` (outside quotes), dropping empty statements. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '[') quote = ']';
    else if (c === ';') {
      out.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  out.push(sql.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}
