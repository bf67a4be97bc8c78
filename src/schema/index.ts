/** The schema layer's public surface. */
export { readSchema, assertReadable, Schema, SQLITE_SCHEMA_TABLE } from './read-schema.js';
export type { ReadSchemaOptions } from './read-schema.js';
export { affinityOfType, declaredTypeOf, dequote, asciiLower, asciiUpper, STANDARD_TYPES } from './affinity.js';
export type { Affinity, DeclaredType, StandardType } from './affinity.js';
export { buildTable, SchemaError } from './table-info.js';
export type { BuiltTable } from './table-info.js';
export { buildIndex } from './index-info.js';
export { constantOf, constantValue } from './default-value.js';
export type { ConstantValue } from './default-value.js';
export type * from './schema-types.js';
