/**
 * `s3lite info LOCATION`: the database header decoded, and the facts of the store it lives in.
 * Costs a handful of requests over S3 (block 0 and the size probe), never a download.
 */
import { openLocation } from '../../api/open-location.js';
import { SingleFileVfs } from '../../vfs/range-file.js';
import { NotADatabaseError } from '../../errors.js';
import { prepareSafeFile } from '../../pager/commit-protocol.js';
import { decodeDatabaseHeader, type DatabaseHeader } from '../../format/db-header.js';
import type { WalSummary } from '../../pager/wal-attach.js';
import { resolveLocation, storeOptions, type GlobalOptions } from '../context.js';

const ENCODINGS: Record<number, string> = { 1: 'UTF-8', 2: 'UTF-16le', 3: 'UTF-16be' };
const JOURNAL_MODE: Record<number, string> = { 1: 'legacy (rollback journal)', 2: 'WAL' };

export interface InfoOptions extends GlobalOptions {
  readonly json?: boolean;
}

export async function runInfo(spec: string, options: InfoOptions): Promise<void> {
  const location = resolveLocation(spec);
  const opened = await openLocation(location, { ...storeOptions(options), readonly: true, peekJournal: true });
  try {
    // Through the commit protocol: a dead writer's hot journal is rolled back first, and while a
    // commit is in flight the header and size are the last committed ones (from its journal).
    const { file } = await prepareSafeFile(opened.vfs, opened.name, opened.file, {
      readonly: true,
      recover: true,
      ...(opened.journalHead !== undefined && { journalHead: opened.journalHead }),
    });
    const size = await file.xFileSize();
    if (size < 100) throw new NotADatabaseError(`${opened.url} holds ${size} bytes: not a SQLite database`);
    const header = decodeDatabaseHeader(await file.xRead(100, 0));
    const facts = describe(header, size, opened.url, opened.blockSize);
    // Which layout the location turned out to be (a name never says: README, "Locations").
    const layout = opened.blockSize !== undefined ? 'blocks' : opened.vfs instanceof SingleFileVfs ? 'single object, read in place (read-only)' : 'plain file';
    facts.splice(1, 0, ['layout', 'layout', layout]);
    if (opened.wal !== undefined) facts.push(walFact(opened.wal));
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(Object.fromEntries(facts.map(([k, , v]) => [k, v])))}\n`);
    } else {
      const width = Math.max(...facts.map(([, label]) => label.length));
      for (const [, label, value] of facts) process.stdout.write(`${label.padEnd(width)}  ${String(value)}\n`);
    }
  } finally {
    await opened.close();
  }
}

type Fact = [key: string, label: string, value: string | number | boolean | null];

/** The `-wal` beside a plain database: applied (header and size above are with it), or ignored as SQLite ignores it. */
function walFact(wal: WalSummary): Fact {
  const what =
    wal.state === 'ignored'
      ? `ignored (${wal.reason === 'no-commit' ? 'no committed frame' : `invalid header: ${wal.reason}`})`
      : `${wal.frames} frames applied (${wal.commits} transactions, ${wal.pages} pages)`;
  return ['wal', 'write-ahead log', `${wal.name}: ${what}`];
}

function describe(h: DatabaseHeader, size: number, url: string, blockSize: number | undefined): Fact[] {
  const facts: Fact[] = [
    ['location', 'location', url],
    ['pageSize', 'page size', h.pageSize],
    ['pageCount', 'page count', h.pageCountValid ? h.pageCount : Math.floor(size / h.pageSize)],
    ['pageCountFromHeader', 'page count valid in header', h.pageCountValid],
    ['textEncoding', 'text encoding', ENCODINGS[h.textEncoding] ?? `unknown (${h.textEncoding})`],
    ['changeCounter', 'file change counter', h.changeCounter],
    ['schemaCookie', 'schema cookie', h.schemaCookie],
    ['schemaFormat', 'schema format', h.schemaFormat],
    ['freelistPages', 'freelist pages', h.freelistCount],
    ['firstFreelistTrunk', 'first freelist trunk', h.firstFreelistTrunk],
    ['autoVacuum', 'auto-vacuum', h.largestRootPage === 0 ? 'none' : h.incrementalVacuum ? 'incremental' : 'full'],
    ['writeVersion', 'write format (journal mode)', `${h.writeVersion} ${JOURNAL_MODE[h.writeVersion] ?? ''}`.trim()],
    ['readVersion', 'read format (journal mode)', `${h.readVersion} ${JOURNAL_MODE[h.readVersion] ?? ''}`.trim()],
    ['reservedBytes', 'reserved bytes per page', h.reservedBytes],
    ['userVersion', 'user version', h.userVersion],
    ['applicationId', 'application id', h.applicationId],
    ['sqliteVersion', 'last written by SQLite', formatVersion(h.sqliteVersion)],
    ['versionValidFor', 'version-valid-for', h.versionValidFor],
    ['fileBytes', 'file bytes', size],
  ];
  if (blockSize !== undefined) {
    facts.push(['blockSize', 'block size', blockSize]);
    facts.push(['blocks', 'blocks', Math.ceil(size / blockSize)]);
  }
  return facts;
}

/** 3046001 → "3.46.1" (SQLITE_VERSION_NUMBER = X*1000000 + Y*1000 + Z). */
function formatVersion(n: number): string {
  if (n <= 0) return 'unknown';
  return `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1000) % 1000}.${n % 1000} (${n})`;
}
