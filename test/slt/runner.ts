/**
 * Runs a sqllogictest script against one engine, record by record, as SQLite's reference
 * driver (sqllogictest.c in verify mode) does, and says for each record whether it passed.
 */
import type { SltEngine } from './engines.js';
import { hashValues, renderValue, sortResult } from './render.js';
import { appliesTo, parseScript, type QueryRecord, type SltRecord } from './script.js';

export interface RecordOutcome {
  /** 1-based line of the record in its script. */
  readonly line: number;
  readonly kind: 'statement' | 'query' | 'script';
  readonly pass: boolean;
  /** Why it failed ('' when it passed): the engine's error, or the first difference. */
  readonly detail: string;
}

export interface RunOptions {
  /** Called before each record that runs (the report's watchdog uses it). */
  readonly onRecord?: (record: SltRecord) => void;
  /** Called with each outcome as soon as it is known. */
  readonly onOutcome?: (outcome: RecordOutcome) => void;
  /** Records before this line run only when they are statements (a resumed run). */
  readonly resumeAt?: number;
  /** Query records not to run (by line); they count as failures with this reason. */
  readonly giveUp?: ReadonlyMap<number, string>;
}

/** Runs `text` (a whole script) on `engine`; one outcome per record that applies to it. */
export async function runScript(text: string, engine: SltEngine, options: RunOptions = {}): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  // The driver's default (DEFAULT_HASH_THRESHOLD), until a `hash-threshold` record says otherwise.
  let threshold = 8;
  // Labelled queries must all hash alike (the driver's checkValue).
  const labels = new Map<string, string>();
  for (const record of parseScript(text)) {
    if (!appliesTo(record, engine.dbms)) continue;
    const replaying = options.resumeAt !== undefined && record.line < options.resumeAt;
    if (record.kind === 'hash-threshold') {
      threshold = record.value;
      continue;
    }
    if (record.kind === 'halt') break;
    if (record.kind === 'unknown') {
      if (!replaying) {
        const outcome: RecordOutcome = { line: record.line, kind: 'script', pass: false, detail: `unknown record type: '${record.word}'` };
        outcomes.push(outcome);
        options.onOutcome?.(outcome);
      }
      break;
    }
    if (replaying && record.kind === 'query') continue;
    const reason = record.kind === 'query' ? options.giveUp?.get(record.line) : undefined;
    if (reason !== undefined) {
      const outcome: RecordOutcome = { line: record.line, kind: 'query', pass: false, detail: reason };
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
      continue;
    }
    options.onRecord?.(record);
    const outcome = record.kind === 'statement' ? await runStatement(engine, record.line, record.expect, record.sql) : await runQuery(engine, record, threshold, labels);
    if (!replaying) {
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  }
  return outcomes;
}

async function runStatement(engine: SltEngine, line: number, expect: string, sql: string): Promise<RecordOutcome> {
  let error: string | undefined;
  try {
    await engine.statement(sql);
  } catch (err) {
    error = message(err);
  }
  const base = { line, kind: 'statement' as const };
  if (expect === 'ok') return { ...base, pass: error === undefined, detail: error === undefined ? '' : `statement failed: ${error}` };
  if (expect === 'error') return { ...base, pass: error !== undefined, detail: error === undefined ? 'statement succeeded, error expected' : '' };
  return { ...base, pass: false, detail: `statement argument should be 'ok' or 'error'` };
}

async function runQuery(engine: SltEngine, record: QueryRecord, threshold: number, labels: Map<string, string>): Promise<RecordOutcome> {
  const fail = (detail: string): RecordOutcome => ({ line: record.line, kind: 'query', pass: false, detail });
  if (!/^[TIR]+$/.test(record.types)) return fail(`bad type string '${record.types}'`);
  if (!['', 'nosort', 'rowsort', 'valuesort'].includes(record.sort)) return fail(`unknown sort method: '${record.sort}'`);
  let result: Awaited<ReturnType<SltEngine['query']>>;
  try {
    result = await engine.query(record.sql);
  } catch (err) {
    return fail(`query failed: ${message(err)}`);
  }
  const width = record.types.length;
  if (result.columns !== width) return fail(`wrong number of result columns: expected ${width} but got ${result.columns}`);
  const values = sortResult(
    result.rows.flatMap((row) => row.map((v, i) => renderValue(v, record.types[i]!))),
    record.sort,
    width,
  );
  const hashed = record.label !== '' || (threshold > 0 && values.length > threshold);
  if (hashed) {
    const hash = hashValues(values);
    const earlier = labels.get(record.label);
    if (record.label !== '') {
      if (earlier !== undefined && earlier !== hash) return fail(`labeled result [${record.label}] does not agree with previous values`);
      labels.set(record.label, hash);
    }
    if (threshold > 0 && values.length > threshold) {
      const got = `${values.length} values hashing to ${hash}`;
      const want = record.expected[0] ?? '';
      return want === got ? pass(record) : fail(`wrong result hash: expected [${want}] got [${got}]`);
    }
  }
  const n = Math.min(values.length, record.expected.length);
  for (let i = 0; i < n; i++) {
    if (values[i] !== record.expected[i]) return fail(`wrong result at value ${i + 1}: expected [${record.expected[i]}] got [${values[i]}]`);
  }
  if (values.length !== record.expected.length) return fail(`expected ${record.expected.length} values, got ${values.length}`);
  return pass(record);
}

function pass(record: QueryRecord): RecordOutcome {
  return { line: record.line, kind: 'query', pass: true, detail: '' };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
