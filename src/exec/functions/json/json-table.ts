/**
 * The rows of the table-valued functions json_each(X [, P]) and json_tree(X [, P])
 * (https://www.sqlite.org/json1.html#jeach): json_each walks the children of the node at P
 * (or that node alone when it is not a container), json_tree that node and everything below
 * it, depth first.
 *
 * Columns: key, value, type, atom, id, parent, fullkey, path, and the hidden json and root
 * (the arguments). `id` is what SQLite ≥ 3.45 gives: the node's byte offset in the binary
 * JSONB encoding of X — for an object member, the offset of its label. The JSONB element header
 * is 1, 2, 3, 5 or 9 bytes for a payload of ≤ 11, ≤ 0xff, ≤ 0xffff, ≤ 0xffffffff bytes or
 * more; a number's or string's payload is its text as written (bytes of UTF-8), true/false/null
 * have none, an array's payload is its elements, an object's its labels and values in turn.
 * Known difference: SQLite 3.40's ids (node indexes) differ.
 */
import { SqliteError } from '../../../errors.js';
import { valueToText } from '../../expr/value-ops.js';
import type { Value } from '../../value.js';
import type { JsonNode } from './json-node.js';
import { badPathError, lookupPath, NOT_FOUND, PATH_ERROR, type TrailStep } from './json-path.js';
import { renderJson, unescapeJsonString } from './json-text.js';
import { documentOf, JsonValue, sqlOfNode, typeName } from './json-value.js';

export const JSON_TABLE_COLUMNS: readonly { readonly name: string; readonly hidden: boolean }[] = [
  { name: 'key', hidden: false },
  { name: 'value', hidden: false },
  { name: 'type', hidden: false },
  { name: 'atom', hidden: false },
  { name: 'id', hidden: false },
  { name: 'parent', hidden: false },
  { name: 'fullkey', hidden: false },
  { name: 'path', hidden: false },
  { name: 'json', hidden: true },
  { name: 'root', hidden: true },
];

/** The rows of json_each (`recursive` false) or json_tree over the arguments. */
export function* jsonTableRows(name: string, recursive: boolean, args: readonly Value[]): Generator<Value[]> {
  if (args.length > 2) throw new SqliteError('SQLITE_ERROR', `too many arguments on ${name}() - max 2`);
  const json = args[0] ?? null;
  if (args.length === 0 || json === null) return;
  const rootPath = args.length > 1 ? args[1]! : '$';
  if (rootPath === null) return;
  const doc = documentOf(json);
  if (doc === undefined) return;
  const path = valueToText(rootPath) ?? '';
  const trail: TrailStep[] = [];
  const found = lookupPath(doc, path, trail);
  if (found === PATH_ERROR) throw badPathError(path);
  if (found === NOT_FOUND) return;

  // Where the node is in the JSONB layout: follow the trail from the document's root.
  let offset = 0;
  let labelOffset: number | undefined;
  let node = doc;
  for (const t of trail) {
    const c = childOffsets(node, offset)[t.child]!;
    labelOffset = c.label;
    offset = c.value;
    node = childNode(node, t.child);
  }
  const last = trail[trail.length - 1];
  const rootId = found.key !== undefined ? labelOffset! : offset;
  const hidden = [json, rootPath];
  const emit = (key: Value, n: JsonNode, id: number, parent: number | null, fullkey: string, at: string): Value[] => {
    const v = sqlOfNode(n);
    const value = v instanceof JsonValue ? renderJson(n) : v;
    const atom = n.kind === 'array' || n.kind === 'object' ? null : value;
    return [key, value, typeName(n), atom, BigInt(id), parent === null ? null : BigInt(parent), fullkey, at, ...hidden];
  };

  if (!recursive) {
    if (node.kind !== 'array' && node.kind !== 'object') {
      yield emit(null, node, rootId, null, path, path);
      return;
    }
    const offs = childOffsets(node, offset);
    for (let k = 0; k < offs.length; k++) {
      const c = offs[k]!;
      const { key, step } = childKey(node, k);
      yield emit(key, childNode(node, k), c.label ?? c.value, null, path + step, path);
    }
    return;
  }

  // json_tree: the node itself (its key is the path's last step), then its descendants.
  const parentPath = last === undefined ? path : treeRootPath(doc, path, rootId);
  const rootKey: Value = last === undefined ? null : lastStepKey(path.slice(parentPath.length));
  yield emit(rootKey, node, rootId, null, path, parentPath);
  const stack: { node: JsonNode; offset: number; id: number; fullkey: string; k: number; offs: ChildOffset[] }[] = [];
  const push = (n: JsonNode, off: number, id: number, fullkey: string): void => {
    if (n.kind === 'array' || n.kind === 'object') stack.push({ node: n, offset: off, id, fullkey, k: 0, offs: childOffsets(n, off) });
  };
  push(node, offset, rootId, path);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.k >= top.offs.length) {
      stack.pop();
      continue;
    }
    const k = top.k++;
    const c = top.offs[k]!;
    const child = childNode(top.node, k);
    const { key, step } = childKey(top.node, k);
    const id = c.label ?? c.value;
    yield emit(key, child, id, top.id, top.fullkey + step, top.fullkey);
    push(child, c.value, id, top.fullkey + step);
  }
}

/**
 * json_tree's key for its first row, as SQLite takes it: the root path's text after the path
 * column's (`[N]` → N as sqlite3Atoi64 reads it, so `[#-1]` → 0; `."k"` → k; `.k` → k).
 */
function lastStepKey(rest: string): Value {
  if (rest.startsWith('[')) {
    const digits = /^\[\s*([+-]?[0-9]+)/.exec(rest)?.[1];
    return digits === undefined ? 0n : BigInt(digits);
  }
  if (rest.startsWith('."')) return rest.slice(2, -1);
  return rest.slice(1);
}

/**
 * json_tree's `path` for its first row, as SQLite computes it (jsonEachPathLength): the longest
 * prefix of the root path, cut at a `.` or `[`, whose node's first child is the root node;
 * else `$`. (So it is the parent's path only when the root is its parent's first child.)
 */
function treeRootPath(doc: JsonNode, path: string, rootId: number): string {
  for (let n = path.length - 1; n > 1; n--) {
    if (path[n] !== '[' && path[n] !== '.') continue;
    const prefix = path.slice(0, n);
    const trail: TrailStep[] = [];
    const r = lookupPath(doc, prefix, trail);
    if (typeof r === 'symbol') continue;
    let offset = 0;
    let node = doc;
    for (const t of trail) {
      offset = childOffsets(node, offset)[t.child]!.value;
      node = childNode(node, t.child);
    }
    if (offset + headerSize(payloadSize(node)) === rootId) return prefix;
  }
  return '$';
}

function childNode(n: JsonNode, k: number): JsonNode {
  if (n.kind === 'array') return n.items[k]!;
  if (n.kind === 'object') return n.members[k]!.value;
  throw new Error('internal: not a container');
}

/** A child's key column and its path step (`[k]`, `.label`, or `."label"` unless the label is a plain name). */
function childKey(n: JsonNode, k: number): { key: Value; step: string } {
  if (n.kind === 'array') return { key: BigInt(k), step: `[${k}]` };
  const raw = (n as Extract<JsonNode, { kind: 'object' }>).members[k]!.key.raw;
  return { key: unescapeJsonString(raw), step: /^[A-Za-z][A-Za-z0-9]*$/.test(raw) ? `.${raw}` : `."${raw}"` };
}

// ── The JSONB layout ────────────────────────────────────────────────────────────────────

interface ChildOffset {
  /** An object member's label. */
  readonly label: number | undefined;
  readonly value: number;
}

const ENCODER = new TextEncoder();

function utf8Length(s: string): number {
  // ASCII is the common case.
  return /^[\x00-\x7f]*$/.test(s) ? s.length : ENCODER.encode(s).length;
}

function headerSize(payload: number): number {
  return payload <= 11 ? 1 : payload <= 0xff ? 2 : payload <= 0xffff ? 3 : payload <= 0xffffffff ? 5 : 9;
}

const payloadCache = new WeakMap<object, number>();

function payloadSize(n: JsonNode): number {
  switch (n.kind) {
    case 'null':
    case 'true':
    case 'false':
      return 0;
    case 'integer':
    case 'real':
    case 'text':
      return utf8Length(n.raw);
    default: {
      const cached = payloadCache.get(n);
      if (cached !== undefined) return cached;
      let sz = 0;
      if (n.kind === 'array') for (const item of n.items) sz += elementSize(item);
      else for (const m of n.members) sz += elementSize(m.key) + elementSize(m.value);
      payloadCache.set(n, sz);
      return sz;
    }
  }
}

function elementSize(n: JsonNode): number {
  const p = payloadSize(n);
  return headerSize(p) + p;
}

/** The offsets of a container's children, the container's element starting at `offset`. */
function childOffsets(n: JsonNode, offset: number): ChildOffset[] {
  let at = offset + headerSize(payloadSize(n));
  const out: ChildOffset[] = [];
  if (n.kind === 'array') {
    for (const item of n.items) {
      out.push({ label: undefined, value: at });
      at += elementSize(item);
    }
  } else if (n.kind === 'object') {
    for (const m of n.members) {
      const value = at + elementSize(m.key);
      out.push({ label: at, value });
      at = value + elementSize(m.value);
    }
  }
  return out;
}
