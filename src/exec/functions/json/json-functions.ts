/**
 * SQLite's scalar JSON functions (https://www.sqlite.org/json1.html), over JsonArg values so
 * that JSON passes between them as parsed nodes. Results that SQLite marks with the JSON
 * subtype are JsonValue here.
 */
import { SqliteError } from '../../../errors.js';
import { toInt, valueToText } from '../../expr/value-ops.js';
import { cloneNode, JSON_NULL, type JsonMember, type JsonNode, type JsonObject, type JsonString } from './json-node.js';
import { encodeJsonb } from './jsonb-encode.js';
import { parseJsonText } from './json-parse.js';
import { jsonbFromText, jsonbFromUtf8 } from './jsonb-from-text.js';
import { decodeJsonb } from './jsonb-decode.js';
import { badPathError, editPath, lookupPath, NOT_FOUND, PATH_ERROR, type EditMode, type LookupResult } from './json-path.js';
import { escapeJsonString, renderJson, renderPrettyJson, unescapeJsonString } from './json-text.js';
import { documentOf, JsonValue, nodeOfValue, sqlOfNode, typeName, type JsonArg } from './json-value.js';

export type JsonFunction = (args: readonly JsonArg[]) => JsonArg;

export interface JsonFunctionSpec {
  readonly min: number;
  /** −1: any number. */
  readonly max: number;
  readonly fn: JsonFunction;
}

function err(message: string): SqliteError {
  return new SqliteError('SQLITE_ERROR', message);
}

/** A path argument's text (undefined for NULL). */
function pathText(v: JsonArg | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof JsonValue) return renderJson(v.node);
  return valueToText(v) ?? undefined;
}

/** Follows a path that must resolve or be absent; a malformed path is SQLite's error. */
function found(r: LookupResult, path: string): JsonNode | undefined {
  if (r === PATH_ERROR) throw badPathError(path);
  if (r === NOT_FOUND) return undefined;
  return r.node;
}

/** The node at an optional path argument: undefined for a NULL document or path, or nothing there. */
function atOptionalPath(args: readonly JsonArg[]): JsonNode | undefined {
  const doc = documentOf(args[0] ?? null);
  if (doc === undefined) return undefined;
  if (args.length < 2) return doc;
  const path = pathText(args[1]);
  if (path === undefined) return undefined;
  return found(lookupPath(doc, path), path);
}

// ── Constructing ───────────────────────────────────────────────────────────────────────

function jsonArray(args: readonly JsonArg[]): JsonArg {
  return new JsonValue({ kind: 'array', items: args.map((a) => nodeOfValue(a)) });
}

function jsonObject(args: readonly JsonArg[]): JsonArg {
  if (args.length % 2 !== 0) throw err('json_object() requires an even number of arguments');
  const members: JsonMember[] = [];
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    if (typeof k !== 'string') throw err('json_object() labels must be TEXT');
    members.push({ key: { kind: 'text', raw: escapeJsonString(k) }, value: nodeOfValue(args[i + 1] ?? null) });
  }
  return new JsonValue({ kind: 'object', members });
}

// ── Reading ────────────────────────────────────────────────────────────────────────────

function jsonValid(args: readonly JsonArg[]): JsonArg {
  let flags = 1n;
  if (args.length > 1) {
    flags = toInt(args[1] instanceof JsonValue ? null : (args[1] ?? null));
    if (flags < 1n || flags > 15n) throw err('FLAGS parameter to json_valid() must be between 1 and 15');
  }
  const v = args[0] ?? null;
  if (v === null) return null;
  if (v instanceof JsonValue) return 1n;
  // Flags 4 and 8 accept a BLOB that is JSONB; flags 1 and 2 accept JSON text (a BLOB's bytes too).
  if (v instanceof Uint8Array && (flags & 12n) !== 0n && decodeJsonb(v) !== undefined) return 1n;
  if ((flags & 3n) === 0n) return 0n;
  const text = v instanceof Uint8Array ? new TextDecoder().decode(v) : typeof v === 'string' ? v : (valueToText(v) ?? '');
  // Flag 1 asks for RFC 8259 text, flag 2 allows JSON5.
  const parsed = parseJsonText(text);
  return parsed === undefined || (parsed.json5 && (flags & 2n) === 0n) ? 0n : 1n;
}

/** json_extract (flags: undefined), `->` ('json') and `->>` ('sql'). */
function extract(args: readonly JsonArg[], arrow: 'json' | 'sql' | undefined): JsonArg {
  if (args.length < 2) return null;
  const doc = documentOf(args[0] ?? null);
  if (doc === undefined) return null;
  const many = args.length > 2;
  const out: JsonNode[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i]!;
    const path = pathText(arg);
    if (path === undefined) return null;
    let r: LookupResult;
    if (path.startsWith('$')) r = lookupPath(doc, path);
    else if (arrow !== undefined) r = lookupPath(doc, abbreviatedPath(arg, path));
    else throw badPathError(path);
    if (r === PATH_ERROR) throw badPathError(path);
    if (r === NOT_FOUND) {
      if (!many) return null;
      out.push(JSON_NULL);
      continue;
    }
    if (!many) {
      if (arrow === 'json') return new JsonValue(r.node);
      const v = sqlOfNode(r.node);
      // ->> gives containers as plain text (no JSON subtype).
      return arrow === 'sql' && v instanceof JsonValue ? renderJson(v.node) : v;
    }
    out.push(r.node);
  }
  return new JsonValue({ kind: 'array', items: out });
}

/** `->` and `->>` take `N` for `$[N]` (`$[#-N]` when negative), `label` for `$.label`, `[N]` as is, other text for `$."text"`. */
function abbreviatedPath(arg: JsonArg, path: string): string {
  if (typeof arg === 'bigint') return path.startsWith('-') ? `$[#${path}]` : `$[${path}]`;
  if (/^[A-Za-z0-9_]*$/.test(path)) return `$.${path}`;
  if (path.startsWith('[') && path.length >= 3 && path.endsWith(']')) return `$${path}`;
  return `$."${path}"`;
}

function jsonType(args: readonly JsonArg[]): JsonArg {
  const n = atOptionalPath(args);
  return n === undefined ? null : typeName(n);
}

function jsonArrayLength(args: readonly JsonArg[]): JsonArg {
  const n = atOptionalPath(args);
  if (n === undefined) return null;
  return n.kind === 'array' ? BigInt(n.items.length) : 0n;
}

function jsonQuote(args: readonly JsonArg[]): JsonArg {
  return new JsonValue(nodeOfValue(args[0] ?? null));
}

// ── Editing ────────────────────────────────────────────────────────────────────────────

function edit(name: string, mode: EditMode): JsonFunctionSpec {
  return {
    min: 1,
    max: -1,
    fn: (args) => {
      if (args.length % 2 === 0) throw err(`${name}() needs an odd number of arguments`);
      const doc = documentOf(args[0] ?? null);
      if (doc === undefined) return null;
      const holder: { root: JsonNode | undefined } = { root: args[0] instanceof JsonValue ? cloneNode(doc) : doc };
      for (let i = 1; i + 1 < args.length; i += 2) {
        const path = pathText(args[i]);
        if (path === undefined) continue;
        if (!path.startsWith('$')) throw badPathError(path);
        const arg = args[i + 1] ?? null;
        // An SQL text value goes into JSONB as TEXTRAW (jsonb-encode.ts).
        const value: JsonNode = typeof arg === 'string' ? { ...(nodeOfValue(arg) as JsonString), jsonb: { type: 10, text: arg } } : nodeOfValue(arg);
        if (path.length === 1) {
          if (mode !== 'insert') holder.root = cloneNode(value);
          continue;
        }
        const r = editPath(holder, path, { mode, value });
        if (r === PATH_ERROR) throw badPathError(path);
      }
      return holder.root === undefined ? null : new JsonValue(holder.root);
    },
  };
}

function jsonRemove(args: readonly JsonArg[]): JsonArg {
  const doc = documentOf(args[0] ?? null);
  if (doc === undefined) return null;
  const holder: { root: JsonNode | undefined } = { root: args[0] instanceof JsonValue ? cloneNode(doc) : doc };
  for (let i = 1; i < args.length; i++) {
    const path = pathText(args[i]);
    if (path === undefined) return null;
    if (!path.startsWith('$')) throw badPathError(path);
    if (path.length === 1) return null;
    const r = editPath(holder, path, { mode: 'remove', value: JSON_NULL });
    if (r === PATH_ERROR) throw badPathError(path);
  }
  return holder.root === undefined ? null : new JsonValue(holder.root);
}

/** RFC 7396 merge patch, as SQLite applies it (a key matches the target's first member of that name). */
function mergePatch(target: JsonNode, patch: JsonNode): JsonNode {
  if (patch.kind !== 'object') return patch;
  const out: JsonObject = target.kind === 'object' ? { kind: 'object', members: target.members.slice() } : { kind: 'object', members: [] };
  for (const p of patch.members) {
    const name = unescapeJsonString(p.key.raw);
    const at = out.members.findIndex((m) => unescapeJsonString(m.key.raw) === name);
    if (at >= 0) {
      if (p.value.kind === 'null') out.members.splice(at, 1);
      else out.members[at] = { key: out.members[at]!.key, value: mergePatch(out.members[at]!.value, p.value) };
    } else if (p.value.kind !== 'null') {
      out.members.push({ key: p.key, value: mergePatch(JSON_NULL, p.value) });
    }
  }
  return out;
}

/**
 * json_error_position(X): 0 when X is well-formed, else the 1-based character position SQLite
 * blames (jsonb-from-text.ts's error offset, counted in characters); a BLOB that is JSONB is
 * well-formed, any other BLOB is read as text.
 */
function jsonErrorPositionOf(args: readonly JsonArg[]): JsonArg {
  const x = args[0] ?? null;
  if (x === null) return null;
  if (x instanceof JsonValue) return 0n;
  if (x instanceof Uint8Array && decodeJsonb(x) !== undefined) return 0n;
  const bytes = x instanceof Uint8Array ? x : new TextEncoder().encode(typeof x === 'string' ? x : (valueToText(x) ?? ''));
  const r = jsonbFromUtf8(bytes);
  if ('blob' in r) return 0n;
  let position = 1n;
  for (let k = 0; k < r.errorAt && k < bytes.length && bytes[k] !== 0; k++) if ((bytes[k]! & 0xc0) !== 0x80) position++;
  return position;
}

function jsonPatch(args: readonly JsonArg[]): JsonArg {
  const target = documentOf(args[0] ?? null);
  const patch = documentOf(args[1] ?? null);
  if (target === undefined || patch === undefined) return null;
  return new JsonValue(mergePatch(target, patch));
}

/** The scalar JSON functions that return text (or SQL values), by lower-case name. */
const BASE_FUNCTIONS: Readonly<Record<string, JsonFunctionSpec>> = {
  json: { min: 1, max: 1, fn: (args) => {
    const doc = documentOf(args[0] ?? null);
    return doc === undefined ? null : new JsonValue(doc);
  } },
  json_valid: { min: 1, max: 2, fn: jsonValid },
  json_type: { min: 1, max: 2, fn: jsonType },
  json_array: { min: 0, max: -1, fn: jsonArray },
  json_array_length: { min: 1, max: 2, fn: jsonArrayLength },
  json_object: { min: 0, max: -1, fn: jsonObject },
  json_extract: { min: 1, max: -1, fn: (args) => extract(args, undefined) },
  json_insert: edit('json_insert', 'insert'),
  json_replace: edit('json_replace', 'replace'),
  json_set: edit('json_set', 'set'),
  json_remove: { min: 1, max: -1, fn: jsonRemove },
  json_patch: { min: 2, max: 2, fn: jsonPatch },
  json_quote: { min: 1, max: 1, fn: jsonQuote },
  json_error_position: { min: 1, max: 1, fn: jsonErrorPositionOf },
  jsonb: { min: 1, max: 1, fn: jsonb },
  // Plain text (no JSON subtype), as SQLite returns it; the indent is the second argument's text.
  json_pretty: { min: 1, max: 2, fn: (args) => {
    const doc = documentOf(args[0] ?? null);
    if (doc === undefined) return null;
    const indent = args[1];
    if (indent === undefined || indent === null) return renderPrettyJson(doc, '    ');
    return renderPrettyJson(doc, indent instanceof JsonValue ? renderJson(indent.node) : (valueToText(indent) ?? ''));
  } },
};

/** A JSON function's result as its jsonb_ twin returns it: JSON as JSONB bytes, SQL values as they are. */
function asJsonb(v: JsonArg): JsonArg {
  return v instanceof JsonValue ? encodeJsonb(v.node) : v;
}

/**
 * jsonb(X): text translated as SQLite translates it (JSON5 forms kept: jsonb-from-text.ts); a
 * BLOB that is JSONB as it is; JSON from another function encoded.
 */
function jsonb(args: readonly JsonArg[]): JsonArg {
  const x = args[0] ?? null;
  if (x === null) return null;
  if (x instanceof JsonValue) return encodeJsonb(x.node);
  if (x instanceof Uint8Array && decodeJsonb(x) !== undefined) return x.slice();
  const r = x instanceof Uint8Array ? jsonbFromUtf8(x) : jsonbFromText(typeof x === 'string' ? x : (valueToText(x) ?? ''));
  if ('blob' in r) return r.blob.slice();
  throw new SqliteError('SQLITE_ERROR', 'malformed JSON');
}


/** `->` and `->>`. */
export function jsonArrow(op: '->' | '->>', doc: JsonArg, path: JsonArg): JsonArg {
  return extract([doc, path], op === '->' ? 'json' : 'sql');
}

/** The jsonb_ twins of the functions that return JSON: the same work, JSON results as JSONB. */
const JSONB_TWINS = ['json_array', 'json_object', 'json_extract', 'json_insert', 'json_replace', 'json_set', 'json_remove', 'json_patch'] as const;

/** The scalar JSON functions by lower-case name. */
export const JSON_FUNCTIONS: Readonly<Record<string, JsonFunctionSpec>> = {
  ...BASE_FUNCTIONS,
  ...Object.fromEntries(
    JSONB_TWINS.map((name) => {
      const spec = BASE_FUNCTIONS[name]!;
      return [name.replace('json_', 'jsonb_'), { ...spec, fn: (args: readonly JsonArg[]) => asJsonb(spec.fn(args)) }];
    }),
  ),
};
