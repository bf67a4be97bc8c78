/**
 * The sqllogictest script format, read as SQLite's reference driver (sqllogictest.c) reads it:
 *
 * - a record is a run of non-blank lines; blank (or all-whitespace) lines separate records;
 *   lines starting with `#` are comments wherever they are, and a trailing `\r` is dropped;
 * - `skipif DB` / `onlyif DB` lines may precede a record (any number, each one a condition);
 * - `statement ok|error` + SQL lines;
 * - `query TYPES [SORT [LABEL]]` + SQL lines, then optionally `----` and the expected lines
 *   (one value per line, or one `N values hashing to MD5` line);
 * - `hash-threshold N` (0 = never hash) and `halt` (stop reading the file).
 * Only the first four whitespace-separated words of a record's first line count.
 */

export interface Condition {
  readonly kind: 'skipif' | 'onlyif';
  readonly engine: string;
}

interface RecordBase {
  /** 1-based line of the record's first line (after its conditions), as the driver reports it. */
  readonly line: number;
  readonly conditions: readonly Condition[];
}

export interface StatementRecord extends RecordBase {
  readonly kind: 'statement';
  /** `ok` or `error` (anything else is itself an error of the script). */
  readonly expect: string;
  readonly sql: string;
}

export interface QueryRecord extends RecordBase {
  readonly kind: 'query';
  /** One of T, I, R per result column. */
  readonly types: string;
  /** nosort (also when absent), rowsort or valuesort. */
  readonly sort: string;
  /** A label shared by queries whose results must hash alike ('' when none). */
  readonly label: string;
  readonly sql: string;
  /** The lines after `----` ([] when the record has none). */
  readonly expected: readonly string[];
}

export interface HashThresholdRecord extends RecordBase {
  readonly kind: 'hash-threshold';
  readonly value: number;
}

export interface HaltRecord extends RecordBase {
  readonly kind: 'halt';
}

export interface UnknownRecord extends RecordBase {
  readonly kind: 'unknown';
  readonly word: string;
}

export type SltRecord = StatementRecord | QueryRecord | HashThresholdRecord | HaltRecord | UnknownRecord;

/** Splits a script into records. Never throws: malformed records come back as `unknown`. */
export function parseScript(text: string): SltRecord[] {
  const lines = text.split('\n').map((l) => {
    const s = l.endsWith('\r') ? l.slice(0, -1) : l;
    return /^\s*$/.test(s) ? '' : s;
  });
  const records: SltRecord[] = [];
  let i = 0;
  // The next non-comment line at or after i (comments vanish as the driver's nextLine skips them).
  const skipComments = (): void => {
    while (i < lines.length && lines[i]!.startsWith('#')) i++;
  };
  const words = (s: string): string[] => s.trim().split(/\s+/).slice(0, 4);
  while (i < lines.length) {
    skipComments();
    while (i < lines.length && lines[i] === '') {
      i++;
      skipComments();
    }
    if (i >= lines.length) break;
    const conditions: Condition[] = [];
    let head = words(lines[i]!);
    while ((head[0] === 'skipif' || head[0] === 'onlyif') && i + 1 < lines.length) {
      conditions.push({ kind: head[0], engine: head[1] ?? '' });
      i++;
      skipComments();
      head = words(lines[i] ?? '');
    }
    const line = i + 1;
    i++;
    // The rest of the record: lines up to the next blank one (comments dropped).
    const body: string[] = [];
    for (;;) {
      skipComments();
      if (i >= lines.length || lines[i] === '') break;
      body.push(lines[i]!);
      i++;
    }
    const word = head[0] ?? '';
    if (word === 'statement') {
      records.push({ kind: 'statement', line, conditions, expect: head[1] ?? '', sql: body.join('\n') });
    } else if (word === 'query') {
      const sep = body.indexOf('----');
      records.push({
        kind: 'query',
        line,
        conditions,
        types: head[1] ?? '',
        sort: head[2] ?? '',
        label: head[3] ?? '',
        sql: (sep < 0 ? body : body.slice(0, sep)).join('\n'),
        expected: sep < 0 ? [] : body.slice(sep + 1),
      });
    } else if (word === 'hash-threshold') {
      records.push({ kind: 'hash-threshold', line, conditions, value: Number.parseInt(head[1] ?? '0', 10) || 0 });
    } else if (word === 'halt') {
      records.push({ kind: 'halt', line, conditions });
    } else {
      records.push({ kind: 'unknown', line, conditions, word });
    }
  }
  return records;
}

/** Whether a record runs on the engine named `engine` (the driver compares names case-insensitively). */
export function appliesTo(record: SltRecord, engine: string): boolean {
  return record.conditions.every((c) => (c.engine.toLowerCase() === engine.toLowerCase()) === (c.kind === 'onlyif'));
}
