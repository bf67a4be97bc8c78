/**
 * The Database API wires the pieces together: SELECT through prepare/query, the commit protocol
 * (lease + journal) for every writer opened by location or store, and the refusal to write
 * where the store ignores conditional writes.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/api/database.js';
import { BusyError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { newTestBucket } from '../support/s3.js';

describe('Database wiring', () => {
  it('prepares and runs SELECTs over what it wrote, and sees schema changes', async () => {
    const objects = new MemoryObjectStore();
    const db = await Database.create({ objects, prefix: 'shop' });
    await db.exec(`CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT UNIQUE, price REAL);
      INSERT INTO items(name, price) VALUES ('pen', 1.5), ('ink', 7.25), ('pad', 3);`);
    expect(await db.query('SELECT name, price FROM items WHERE price > ? ORDER BY price', [2])).toEqual([
      { name: 'pad', price: 3 },
      { name: 'ink', price: 7.25 },
    ]);
    const stmt = await db.prepare('SELECT count(*) AS n, typeof(price) AS t FROM items GROUP BY 2');
    expect(stmt.columns()).toEqual(['n', 't']);
    expect(await stmt.all()).toEqual([{ n: 3, t: 'real' }]);
    await db.exec('CREATE TABLE more(x)');
    expect((await db.tables()).map((t) => t.name)).toContain('more');
    await db.close();
    // A fresh reader sees the same, with the index counted from its table.
    const reader = await Database.open({ objects, prefix: 'shop' });
    const tables = await reader.tables();
    expect(tables.find((t) => t.name === 'sqlite_autoindex_items_1')?.rowCount).toBe(3);
    await reader.close();
  });

  it('lets one writer at a time hold the lease', async () => {
    const objects = new MemoryObjectStore();
    const first = await Database.create({ objects, prefix: 'db' });
    await first.exec('CREATE TABLE t(x)');
    const second = await Database.open({ objects, prefix: 'db' }, { readonly: false });
    await first.exec('BEGIN; INSERT INTO t VALUES (1);');
    await expect(second.run('INSERT INTO t VALUES (2)')).rejects.toBeInstanceOf(BusyError);
    await first.exec('COMMIT');
    await second.run('INSERT INTO t VALUES (2)');
    expect(await second.query('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1 }, { x: 2 }]);
    await first.close();
    await second.close();
    // The lease object sits beside the blocks and is gone after release; no journal is left.
    const keys: string[] = [];
    for await (const info of objects.list('db-')) keys.push(info.key);
    expect(keys).toEqual([]);
  });

  it('refuses to write where the store ignores conditional writes, unless locking is none', async () => {
    const { store, client } = await newTestBucket();
    try {
      // The test S3 server (fauxqs) accepts If-None-Match but does not enforce it.
      const db = await Database.create({ objects: store, prefix: 'db' }).catch((e: unknown) => e);
      expect(String(db)).toMatch(/ignores conditional writes/);
      const unsafe = await Database.create({ objects: store, prefix: 'db2' }, { locking: 'none' });
      await unsafe.exec('CREATE TABLE t(x); INSERT INTO t VALUES (42);');
      expect(await unsafe.query('SELECT x FROM t')).toEqual([{ x: 42 }]);
      await unsafe.close();
    } finally {
      await store.close();
      client.destroy();
    }
  });
});
