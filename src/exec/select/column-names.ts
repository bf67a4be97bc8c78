/**
 * Result column names as SQLite gives them to an expression without an alias: the expression's
 * text exactly as written (`SELECT a +  1` is named "a +  1"). The AST does not keep source
 * spans, so the spans of the leading SELECT's result columns are recovered from the tokens.
 */
import { tokenize, type Token } from '../../sql/tokenizer.js';

const CLAUSE_END = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'UNION', 'INTERSECT', 'EXCEPT', 'WINDOW']);

/** Source text of each result column of the first SELECT core at parenthesis depth 0 ([] if none). */
export function resultColumnSpans(sql: string): string[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return [];
  }
  let i = 0;
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'operator' && t.text === '(') depth++;
    else if (t.kind === 'operator' && t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'keyword' && t.value === 'VALUES') return [];
    else if (depth === 0 && t.kind === 'keyword' && t.value === 'SELECT') break;
  }
  i++;
  const first = tokens[i];
  if (first !== undefined && first.kind === 'keyword' && (first.value === 'DISTINCT' || first.value === 'ALL')) i++;
  const spans: string[] = [];
  let start = tokens[i]?.offset ?? sql.length;
  depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'operator' && t.text === '(') depth++;
    else if (t.kind === 'operator' && t.text === ')') {
      if (--depth < 0) break;
    } else if (depth === 0 && t.kind === 'operator' && t.text === ',') {
      spans.push(sql.slice(start, t.offset).trim());
      start = tokens[i + 1]?.offset ?? sql.length;
    } else if (depth === 0 && ((t.kind === 'keyword' && CLAUSE_END.has(t.value)) || t.kind === 'eof' || t.text === ';')) {
      break;
    }
  }
  const end = tokens[i]?.offset ?? sql.length;
  spans.push(sql.slice(start, end).trim());
  return spans;
}

/**
 * Result column spans of every SELECT core in `sql`, keyed by the core of `stmt` (the AST of
 * that same text) they belong to. Cores are matched in source order: each SELECT keyword starts
 * one core, and a walk of the AST in property order meets the cores in source order. When the
 * counts disagree nothing is returned (names then fall back to `columnN`).
 */
export function coreSpans(sql: string, stmt: object): Map<object, string[]> {
  const out = new Map<object, string[]>();
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return out;
  }
  const all: string[][] = [];
  tokens.forEach((t, i) => {
    if (t.kind === 'keyword' && t.value === 'SELECT') all.push(spansAfter(sql, tokens, i + 1));
  });
  const cores: object[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (n === null || typeof n !== 'object' || n instanceof Uint8Array) return;
    const o = n as Record<string, unknown>;
    // `x IN t` has a core of its own but no SELECT keyword in the text.
    if (o.kind === 'select-core' && o.implicit !== true) cores.push(o);
    // A WITH clause comes first in the text whatever the object's property order.
    if (o.with !== undefined) walk(o.with);
    for (const [k, v] of Object.entries(o)) if (k !== 'with') walk(v);
  };
  walk(stmt);
  if (cores.length !== all.length) return out;
  cores.forEach((c, i) => out.set(c, all[i]!));
  return out;
}

function spansAfter(sql: string, tokens: readonly Token[], from: number): string[] {
  let i = from;
  const first = tokens[i];
  if (first !== undefined && first.kind === 'keyword' && (first.value === 'DISTINCT' || first.value === 'ALL')) i++;
  const spans: string[] = [];
  let start = tokens[i]?.offset ?? sql.length;
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'operator' && t.text === '(') depth++;
    else if (t.kind === 'operator' && t.text === ')') {
      if (--depth < 0) break;
    } else if (depth === 0 && t.kind === 'operator' && t.text === ',') {
      spans.push(sql.slice(start, t.offset).trim());
      start = tokens[i + 1]?.offset ?? sql.length;
    } else if (depth === 0 && ((t.kind === 'keyword' && CLAUSE_END.has(t.value)) || t.kind === 'eof' || t.text === ';')) {
      break;
    }
  }
  const end = tokens[i]?.offset ?? sql.length;
  spans.push(sql.slice(start, end).trim());
  return spans;
}
