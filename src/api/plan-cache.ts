/**
 * A small LRU of what was made from an SQL text against one schema object (a planned query):
 * a schema read anew — another writer's change, or this connection's DDL, even uncommitted — is
 * a new object, and what was made against the old one is not reused.
 */
import type { Schema } from '../schema/read-schema.js';

export class PlanCache<T> {
  private readonly entries = new Map<string, { readonly value: T; readonly schema: Schema }>();

  constructor(private readonly capacity = 64) {}

  get(sql: string, schema: Schema, make: () => T): T {
    let entry = this.entries.get(sql);
    if (entry === undefined || entry.schema !== schema) {
      entry = { value: make(), schema };
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.delete(sql); // most recently used last
    this.entries.set(sql, entry);
    return entry.value;
  }
}
