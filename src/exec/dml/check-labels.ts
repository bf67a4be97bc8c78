/**
 * The labels SQLite uses in "CHECK constraint failed: <label>": the constraint's name when it
 * has one (`CONSTRAINT name CHECK (…)`), else the expression's source text. The AST keeps no
 * source spans for CHECK expressions, so they are recovered from the CREATE TABLE text, in
 * source order (the order of TableInfo.checks).
 */
import { tokenize, type Token } from '../../sql/tokenizer.js';

const cache = new Map<string, string[]>();

export function checkLabels(sql: string | null): string[] {
  if (sql === null || !/check/i.test(sql)) return [];
  const hit = cache.get(sql);
  if (hit !== undefined) return hit;
  const labels = scanLabels(sql);
  if (cache.size >= 256) cache.clear();
  cache.set(sql, labels);
  return labels;
}

function scanLabels(sql: string): string[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'keyword' || t.value !== 'CHECK') continue;
    const open = tokens[i + 1];
    if (open === undefined || open.text !== '(') continue;
    let depth = 0;
    let j = i + 1;
    for (; j < tokens.length; j++) {
      const x = tokens[j]!;
      if (x.text === '(') depth++;
      else if (x.text === ')' && --depth === 0) break;
    }
    const close = tokens[j];
    const text = close === undefined ? '' : sql.slice(open.offset + 1, close.offset).trim();
    const before = tokens[i - 2];
    const name = before !== undefined && before.kind === 'keyword' && before.value === 'CONSTRAINT' ? tokens[i - 1]!.value : undefined;
    out.push(name ?? text);
    i = j;
  }
  return out;
}
