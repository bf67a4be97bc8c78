/** The header facts the page shows, with the labels of the CLI's `info`. */
import type { DatabaseHeader } from '../../src/index.js';

const ENCODINGS: Record<number, string> = { 1: 'UTF-8', 2: 'UTF-16le', 3: 'UTF-16be' };
const JOURNAL_MODE: Record<number, string> = { 1: 'legacy (rollback journal)', 2: 'WAL' };

export function headerFacts(url: string, h: DatabaseHeader, fileBytes: number | undefined): [label: string, value: string][] {
  const pageCount = h.pageCountValid || fileBytes === undefined ? h.pageCount : Math.floor(fileBytes / h.pageSize);
  const facts: [string, string | number | boolean][] = [
    ['location', url],
    ['page size', h.pageSize],
    ['page count', pageCount],
    ['page count valid in header', h.pageCountValid],
    ['text encoding', ENCODINGS[h.textEncoding] ?? `unknown (${h.textEncoding})`],
    ['file change counter', h.changeCounter],
    ['schema cookie', h.schemaCookie],
    ['schema format', h.schemaFormat],
    ['freelist pages', h.freelistCount],
    ['auto-vacuum', h.largestRootPage === 0 ? 'none' : h.incrementalVacuum ? 'incremental' : 'full'],
    ['write format (journal mode)', `${h.writeVersion} ${JOURNAL_MODE[h.writeVersion] ?? ''}`.trim()],
    ['read format (journal mode)', `${h.readVersion} ${JOURNAL_MODE[h.readVersion] ?? ''}`.trim()],
    ['reserved bytes per page', h.reservedBytes],
    ['user version', h.userVersion],
    ['application id', h.applicationId],
    ['last written by SQLite', formatVersion(h.sqliteVersion)],
    ['file bytes', fileBytes ?? pageCount * h.pageSize],
  ];
  return facts.map(([k, v]) => [k, String(v)]);
}

/** 3046001 → "3.46.1 (3046001)". */
function formatVersion(n: number): string {
  if (n <= 0) return 'unknown';
  return `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1000) % 1000}.${n % 1000} (${n})`;
}
