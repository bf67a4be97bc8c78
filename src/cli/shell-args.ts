/**
 * A dot-command line split into its words, by sqlite3's shell's rules (3.40, do_meta_command):
 * words are separated by white space; a word may be quoted with `'…'` (taken literally) or
 * `"…"`, and a quote ends at its closing mark even when a letter follows (`"g"h` is two words).
 * An unterminated quote runs to the end of the line. Backslash escapes are resolved in bare and
 * double-quoted words, never in single-quoted ones.
 */
export function dotArgs(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (isSpace(line[i])) i++;
    if (i >= n) break;
    const c = line[i]!;
    if (c === "'" || c === '"') {
      i++;
      const start = i;
      while (i < n && line[i] !== c) {
        // Inside double quotes a backslash protects the next character (an escaped `"`).
        if (line[i] === '\\' && c === '"' && i + 1 < n) i++;
        i++;
      }
      const word = line.slice(start, i);
      if (i < n) i++; // the closing quote
      words.push(c === '"' ? resolveBackslashes(word) : word);
    } else {
      const start = i;
      while (i < n && !isSpace(line[i])) i++;
      words.push(resolveBackslashes(line.slice(start, i)));
    }
  }
  return words;
}

const ESCAPES: Record<string, string> = { a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r' };

/**
 * sqlite3's resolve_backslashes: \a \b \t \n \v \f \r, up to three octal digits, and any other
 * character stands for itself (`\\`, `\"`, `\q` → q). A backslash that ends the word stays.
 */
export function resolveBackslashes(word: string): string {
  if (!word.includes('\\')) return word;
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (c !== '\\' || i + 1 >= word.length) {
      out += c;
      continue;
    }
    const e = word[++i]!;
    if (e >= '0' && e <= '7') {
      let code = e.charCodeAt(0) - 48;
      for (let k = 0; k < 2 && i + 1 < word.length && word[i + 1]! >= '0' && word[i + 1]! <= '7'; k++) code = code * 8 + word.charCodeAt(++i) - 48;
      out += String.fromCharCode(code & 0xff);
    } else out += ESCAPES[e] ?? e;
  }
  return out;
}
