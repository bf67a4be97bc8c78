/** The rows of sqlite_schema (moved to the schema layer, where PRAGMAs can read them too). */
export { readSchemaRows } from '../schema/schema-rows.js';
export type { SchemaRow } from '../schema/schema-rows.js';
