/**
 * The order in which a whole-database ANALYZE visits tables, and so the rowids its
 * sqlite_stat1 rows get: SQLite walks the schema's table hash (analyzeDatabase), whose element
 * list order follows from how hash.c inserts. Emulated here for a schema loaded from its file:
 *
 * - the elements are inserted in load order: `sqlite_master` (the schema table itself), then
 *   every table, virtual table and view in sqlite_schema rowid order;
 * - strHash: h = (h + lower(byte)) · 0x9e3779b1 over the name's UTF-8 bytes (ASCII folded), mod 2³²;
 * - no buckets below 10 elements: each new element goes to the front of the list; at 10 and
 *   whenever count > 2 × buckets, the table is rebuilt with count × 2 buckets (at most 64:
 *   SQLITE_MALLOC_SOFT_LIMIT 1024 ÷ 16-byte bucket), re-inserting the list front to back;
 * - with buckets, a new element goes just before its bucket's first element, or to the front of
 *   the list when the bucket is empty.
 *
 * A connection that dropped tables since it loaded its schema may hold another order in SQLite;
 * the statistics are the same, only the rowids of sqlite_stat1 can differ.
 */

const MAX_BUCKETS = 64;

interface Elem {
  readonly name: string;
  readonly hash: number;
  prev: Elem | undefined;
  next: Elem | undefined;
}

export function hashOrder(namesInLoadOrder: readonly string[]): string[] {
  let first: Elem | undefined;
  let buckets: { count: number; chain: Elem | undefined }[] = [];
  let count = 0;

  const insert = (bucket: { count: number; chain: Elem | undefined } | undefined, e: Elem): void => {
    let head: Elem | undefined;
    if (bucket !== undefined) {
      head = bucket.count > 0 ? bucket.chain : undefined;
      bucket.count++;
      bucket.chain = e;
    }
    if (head !== undefined) {
      e.next = head;
      e.prev = head.prev;
      if (head.prev !== undefined) head.prev.next = e;
      else first = e;
      head.prev = e;
    } else {
      e.next = first;
      if (first !== undefined) first.prev = e;
      e.prev = undefined;
      first = e;
    }
  };

  for (const name of namesInLoadOrder) {
    const e: Elem = { name, hash: strHash(name), prev: undefined, next: undefined };
    count++;
    if (count >= 10 && count > 2 * buckets.length) {
      const size = Math.min(count * 2, MAX_BUCKETS);
      if (size !== buckets.length) {
        buckets = Array.from({ length: size }, () => ({ count: 0, chain: undefined }));
        let at = first;
        first = undefined;
        while (at !== undefined) {
          const next = at.next;
          insert(buckets[at.hash % size], at);
          at = next;
        }
      }
    }
    insert(buckets.length > 0 ? buckets[e.hash % buckets.length] : undefined, e);
  }
  const out: string[] = [];
  for (let at = first; at !== undefined; at = at.next) out.push(at.name);
  return out;
}

/** hash.c's strHash (unsigned 32-bit). */
function strHash(name: string): number {
  let h = 0;
  for (const byte of new TextEncoder().encode(name)) {
    const folded = byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte;
    h = Math.imul((h + folded) >>> 0, 0x9e3779b1) >>> 0;
  }
  return h;
}
