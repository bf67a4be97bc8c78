/**
 * LIKE and GLOB pattern matching (https://www.sqlite.org/lang_expr.html#like), after SQLite's
 * patternCompare: LIKE folds only ASCII letters, `%` matches any run, `_` one character, an
 * optional ESCAPE character makes the next one literal; GLOB is case-sensitive with `*`, `?`,
 * `[...]` sets (`[^...]` negated, `a-z` ranges, a leading `]` literal). Characters are code
 * points, not UTF-16 units.
 */

interface PatternInfo {
  readonly matchAll: number;
  readonly matchOne: number;
  readonly matchSet: number | undefined;
  readonly noCase: boolean;
}

const LIKE_INFO: PatternInfo = { matchAll: 0x25, matchOne: 0x5f, matchSet: undefined, noCase: true };
const GLOB_INFO: PatternInfo = { matchAll: 0x2a, matchOne: 0x3f, matchSet: 0x5b, noCase: false };

/** Code points up to the first NUL (patternCompare walks NUL-terminated strings). */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0) break;
    out.push(c);
  }
  return out;
}

function fold(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

// The pattern is usually the same for every row: keep the last one decoded.
let lastPattern: string | undefined;
let lastPoints: number[] = [];

function patternPoints(pattern: string): number[] {
  if (pattern !== lastPattern) {
    lastPoints = codePoints(pattern);
    lastPattern = pattern;
  }
  return lastPoints;
}

export function likeMatch(pattern: string, text: string, escape?: string): boolean {
  const esc = escape === undefined ? undefined : codePoints(escape)[0];
  return match(patternPoints(pattern), 0, codePoints(text), 0, LIKE_INFO, esc) === MATCH;
}

export function globMatch(pattern: string, text: string): boolean {
  return match(patternPoints(pattern), 0, codePoints(text), 0, GLOB_INFO, undefined) === MATCH;
}

const MATCH = 0;
const NOMATCH = 1;
const NOWILDCARDMATCH = 2;

/** patternCompare: returns MATCH, NOMATCH, or NOWILDCARDMATCH (no later `%` can help). */
function match(p: number[], pi: number, s: number[], si: number, info: PatternInfo, esc: number | undefined): number {
  while (pi < p.length) {
    const c = p[pi++]!;
    if (c === info.matchAll && c !== esc) {
      // Collapse runs of % and _ (each _ consumes one character).
      while (pi < p.length && (p[pi] === info.matchAll || p[pi] === info.matchOne) && p[pi] !== esc) {
        if (p[pi] === info.matchOne) {
          if (si >= s.length) return NOWILDCARDMATCH;
          si++;
        }
        pi++;
      }
      if (pi >= p.length) return MATCH;
      for (; si <= s.length; si++) {
        const r = match(p, pi, s, si, info, esc);
        if (r !== NOMATCH) return r;
      }
      return NOWILDCARDMATCH;
    }
    if (c === info.matchOne && c !== esc) {
      if (si >= s.length) return NOMATCH;
      si++;
      continue;
    }
    if (info.matchSet !== undefined && c === info.matchSet) {
      if (si >= s.length) return NOMATCH;
      const ch = s[si]!;
      let invert = false;
      let seen = false;
      let prior = -1;
      let k = pi;
      if (p[k] === 0x5e) {
        invert = true;
        k++;
      }
      if (p[k] === 0x5d) {
        if (ch === 0x5d) seen = true;
        k++;
      }
      for (; k < p.length && p[k] !== 0x5d; k++) {
        const pc = p[k]!;
        if (pc === 0x2d && prior >= 0 && k + 1 < p.length && p[k + 1] !== 0x5d) {
          const hi = p[++k]!;
          if (ch >= prior && ch <= hi) seen = true;
          prior = -1;
        } else {
          if (ch === pc) seen = true;
          prior = pc;
        }
      }
      if (k >= p.length) return NOMATCH; // unterminated set never matches
      pi = k + 1;
      if (seen === invert) return NOMATCH;
      si++;
      continue;
    }
    let lit = c;
    if (esc !== undefined && c === esc) {
      if (pi >= p.length) return NOMATCH;
      lit = p[pi++]!;
    }
    if (si >= s.length) return NOMATCH;
    const sc = s[si++]!;
    if (info.noCase ? fold(sc) !== fold(lit) : sc !== lit) return NOMATCH;
  }
  return si >= s.length ? MATCH : NOMATCH;
}
