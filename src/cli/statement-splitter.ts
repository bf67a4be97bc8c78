/**
 * Splits shell input into statements the way sqlite3's shell sees them: sqlite3_complete()'s
 * state machine over a rough tokenization, so a `;` inside a string, quoted name, comment or a
 * CREATE TRIGGER body (up to its `END;`) does not end a statement. The shell gathers lines until
 * the input is complete, then runs its statements in order.
 *
 * Token classes (sqlite3_complete's): `;`, white space (comments too), EXPLAIN, CREATE, TEMP or
 * TEMPORARY, TRIGGER, END, and anything else. The input is complete when the machine is back in
 * its START state after a `;`.
 */

type Tok = 'semi' | 'ws' | 'other' | 'explain' | 'create' | 'temp' | 'trigger' | 'end';

const START = 1;

/** trans[state][token]; states 0 INVALID, 1 START, 2 NORMAL, 3 EXPLAIN, 4 CREATE, 5 TRIGGER, 6 SEMI, 7 END. */
const TRANS: Record<Tok, number>[] = [
  { semi: 1, ws: 0, other: 2, explain: 3, create: 4, temp: 2, trigger: 2, end: 2 },
  { semi: 1, ws: 1, other: 2, explain: 3, create: 4, temp: 2, trigger: 2, end: 2 },
  { semi: 1, ws: 2, other: 2, explain: 2, create: 2, temp: 2, trigger: 2, end: 2 },
  { semi: 1, ws: 3, other: 3, explain: 2, create: 4, temp: 2, trigger: 2, end: 2 },
  { semi: 1, ws: 4, other: 2, explain: 2, create: 2, temp: 4, trigger: 5, end: 2 },
  { semi: 6, ws: 5, other: 5, explain: 5, create: 5, temp: 5, trigger: 5, end: 5 },
  { semi: 6, ws: 6, other: 5, explain: 5, create: 5, temp: 5, trigger: 5, end: 7 },
  { semi: 1, ws: 7, other: 5, explain: 5, create: 5, temp: 5, trigger: 5, end: 5 },
];

const KEYWORDS: Record<string, Tok> = { explain: 'explain', create: 'create', temp: 'temp', temporary: 'temp', trigger: 'trigger', end: 'end' };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r' || c === '\v';
}

/** Identifier characters as SQLite's tokenizer takes them (every non-ASCII character too). */
function isIdChar(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) > 0x7f;
}

export interface SplitInput {
  /** Complete statements in order, each from just after the previous `;` through its own `;`. */
  readonly statements: readonly { readonly text: string; readonly offset: number }[];
  /** Whether the whole input is complete (sqlite3_complete() would return true). */
  readonly complete: boolean;
  /** Where the text after the last complete statement begins. */
  readonly rest: number;
}

/** Splits `input` at the `;` that end statements; statements of only spaces and comments are left out. */
export function splitStatements(input: string): SplitInput {
  const statements: { text: string; offset: number }[] = [];
  let state = 0;
  let start = 0;
  let substantive = false;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i]!;
    let tok: Tok;
    if (c === ';') {
      tok = 'semi';
      i++;
    } else if (isSpace(c)) {
      tok = 'ws';
      i++;
    } else if (c === '/' && input[i + 1] === '*') {
      const close = input.indexOf('*/', i + 2);
      if (close < 0) return { statements, complete: false, rest: start };
      tok = 'ws';
      i = close + 2;
    } else if (c === '-' && input[i + 1] === '-') {
      const nl = input.indexOf('\n', i);
      if (nl < 0) {
        i = n;
        tok = 'ws';
      } else {
        tok = 'ws';
        i = nl + 1;
      }
    } else if (c === '[' || c === '"' || c === "'" || c === '`') {
      const close = input.indexOf(c === '[' ? ']' : c, i + 1);
      if (close < 0) return { statements, complete: false, rest: start };
      tok = 'other';
      i = close + 1;
    } else if (isIdChar(c)) {
      let j = i + 1;
      while (j < n && isIdChar(input[j]!)) j++;
      tok = KEYWORDS[input.slice(i, j).toLowerCase()] ?? 'other';
      i = j;
    } else {
      tok = 'other';
      i++;
    }
    if (tok !== 'ws' && tok !== 'semi') substantive = true;
    state = TRANS[state]![tok];
    if (tok === 'semi' && state === START) {
      if (substantive) statements.push({ text: input.slice(start, i), offset: start });
      start = i;
      substantive = false;
    }
  }
  return { statements, complete: state === START, rest: start };
}
