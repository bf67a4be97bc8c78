/**
 * The engines a script runs against: s3lite through its public API (a fresh in-memory block
 * database per script) and sql.js (real SQLite compiled to WebAssembly) as the control.
 */
import { Database } from '../../src/index.js';
import { MemoryObjectStore } from '../../src/store/memory-store.js';
import { sqljs, type SqlJsDatabase } from '../support/sqljs.js';
import type { EngineValue } from './render.js';

export interface SltEngine {
  /** The name `skipif`/`onlyif` lines are matched against. */
  readonly dbms: string;
  /** Runs every statement of `sql`; throws what the engine throws. */
  statement(sql: string): Promise<void>;
  /** Runs one query; its column names (for the column count) and its rows. */
  query(sql: string): Promise<{ columns: number; rows: EngineValue[][] }>;
  close(): Promise<void>;
}

export type EngineName = 's3lite' | 'sqljs';

export async function openEngine(name: EngineName): Promise<SltEngine> {
  return name === 's3lite' ? openS3lite() : openSqlJs();
}

async function openS3lite(): Promise<SltEngine> {
  const db = await Database.create({ objects: new MemoryObjectStore(), prefix: 'slt' });
  return {
    dbms: 'sqlite',
    statement: (sql) => db.exec(sql),
    async query(sql) {
      const stmt = await db.prepare(sql);
      const rows: EngineValue[][] = [];
      for await (const row of stmt.typedIterate()) rows.push(row.values);
      return { columns: stmt.columns().length, rows };
    },
    close: () => db.close(),
  };
}

async function openSqlJs(): Promise<SltEngine> {
  const SQL = await sqljs();
  const db: SqlJsDatabase = new SQL.Database();
  return {
    dbms: 'sqlite',
    async statement(sql) {
      db.run(sql);
    },
    async query(sql) {
      const stmt = db.prepare(sql);
      try {
        const rows: EngineValue[][] = [];
        while (stmt.step()) rows.push(stmt.get(null, { useBigInt: true }) as EngineValue[]);
        return { columns: stmt.getColumnNames().length, rows };
      } finally {
        stmt.free();
      }
    },
    async close() {
      db.close();
    },
  };
}
