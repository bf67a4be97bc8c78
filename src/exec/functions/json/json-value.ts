/**
 * Values between JSON and SQL.
 *
 * SQLite marks the text its JSON functions return with a "JSON subtype", so that
 * `json_array(json('[1]'))` nests the array instead of quoting the text. Here such a value
 * travels between JSON functions as a `JsonValue` (the parsed node, so nothing is parsed
 * twice); it becomes plain text where anything else reads it.
 */
import { SqliteError } from '../../../errors.js';
import { valueToText } from '../../expr/value-ops.js';
import type { Value } from '../../value.js';
import { JSON_NULL, type JsonNode } from './json-node.js';
import { parseJson } from './json-parse.js';
import { decodeJsonb } from './jsonb-decode.js';
import { escapeJsonString, jsonRealText, renderJson, unescapeJsonString } from './json-text.js';

/** A value with SQLite's JSON subtype. */
export class JsonValue {
  constructor(readonly node: JsonNode) {}
}

/** A JSON function's argument or result: an SQL value, or JSON. */
export type JsonArg = Value | JsonValue;

/** What SQL sees of a JSON function's result. */
export function toSqlValue(v: JsonArg): Value {
  return v instanceof JsonValue ? renderJson(v.node) : v;
}

export function blobError(): SqliteError {
  return new SqliteError('SQLITE_ERROR', 'JSON cannot hold BLOB values');
}

/** An SQL value as a JSON node (json_array's elements, json_set's values): text becomes a string unless it is JSON. */
export function nodeOfValue(v: JsonArg): JsonNode {
  if (v instanceof JsonValue) return v.node;
  if (v === null) return JSON_NULL;
  if (typeof v === 'bigint') return { kind: 'integer', raw: v.toString() };
  if (typeof v === 'number') return { kind: 'real', raw: jsonRealText(v) };
  if (typeof v === 'string') return { kind: 'text', raw: escapeJsonString(v) };
  // A BLOB that is JSONB is that JSON (SQLite ≥ 3.45).
  const decoded = decodeJsonb(v);
  if (decoded !== undefined) return decoded;
  throw blobError();
}

/**
 * The JSON document an argument holds (the first argument of most JSON functions): undefined
 * for NULL; numbers are read as their text. Throws "malformed JSON" for text that is not JSON.
 *
 * A BLOB is read as binary JSONB (SQLite ≥ 3.45), else as the JSON text its bytes spell.
 */
export function documentOf(v: JsonArg): JsonNode | undefined {
  if (v instanceof JsonValue) return v.node;
  if (v === null) return undefined;
  if (v instanceof Uint8Array) {
    // Not JSONB: SQLite then reads the bytes as JSON text.
    return decodeJsonb(v) ?? parseJson(new TextDecoder().decode(v));
  }
  return parseJson(typeof v === 'string' ? v : (valueToText(v) ?? ''));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A JSON node as SQL reads it (json_extract, ->>, json_each's value and atom): containers are JSON. */
export function sqlOfNode(n: JsonNode): JsonArg {
  switch (n.kind) {
    case 'null':
      return null;
    case 'true':
      return 1n;
    case 'false':
      return 0n;
    case 'integer': {
      const v = BigInt(n.raw);
      // Beyond 64 bits the number is read as a REAL (sqlite3DecOrHexToI64 fails, then AtoF).
      return v < INT64_MIN || v > INT64_MAX ? Number(n.raw) : v;
    }
    case 'real':
      return Number(n.raw);
    case 'text':
      return unescapeJsonString(n.raw);
    default:
      return new JsonValue(n);
  }
}

/** SQLite's json_type names. */
export function typeName(n: JsonNode): string {
  return n.kind;
}
