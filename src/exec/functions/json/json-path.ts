/**
 * JSON paths (https://www.sqlite.org/json1.html#path_arguments): `$` then steps `.key`,
 * `."quoted key"`, `[N]`, `[#-N]` (from the end) and `[#]` (one past the end: where
 * json_insert/json_set append).
 *
 * As in SQLite, a path is read step by step while it is followed, so what lies beyond a step
 * that finds nothing is never checked: `json_extract('{}', '$.a[x')` is NULL, not an error.
 * An edit (json_remove, json_replace, json_insert, json_set) happens at the node the whole path
 * reaches; json_insert and json_set create the missing tail — objects for `.key`, arrays for
 * `[N]` when N is the array's length — and nothing when a step cannot be created.
 */
import { SqliteError } from '../../../errors.js';
import { cloneNode, type JsonNode, type JsonString } from './json-node.js';
import { escapeJsonString, unescapeJsonString } from './json-text.js';

/** What an edit does at the node the path reaches. */
export type EditMode = 'remove' | 'replace' | 'insert' | 'set';

export interface JsonEdit {
  readonly mode: EditMode;
  /** The value put there (replace, insert, set); copied at each use. */
  readonly value: JsonNode;
}

/** The path does not reach a node (no error: the result is NULL or no change). */
export const NOT_FOUND = Symbol('not found');
/** The path is malformed at a step that was read. */
export const PATH_ERROR = Symbol('path error');

export type LookupResult = Found | typeof NOT_FOUND | typeof PATH_ERROR;

export interface Found {
  readonly node: JsonNode;
  /** The member's key when the last step was `.key` on an object. */
  readonly key: JsonString | undefined;
  /** The index when the last step was `[N]` on an array. */
  readonly index: number | undefined;
}

export function badPathError(path: string): SqliteError {
  return new SqliteError('SQLITE_ERROR', `bad JSON path: '${path.replace(/'/g, "''")}'`);
}

/** One step a lookup took: into the child at `child` (member or item index), read at `at` in the path. */
export interface TrailStep {
  readonly child: number;
  readonly at: number;
}

/**
 * Reads `path` (which must start with `$`) in `root`; throws SQLite's error for a path not
 * starting with `$`. `trail`, when given, receives the steps taken (json_each's ids need them).
 */
export function lookupPath(root: JsonNode, path: string, trail?: TrailStep[]): LookupResult {
  if (!path.startsWith('$')) throw badPathError(path);
  return step(root, path, 1, undefined, undefined, undefined, undefined, trail);
}

/**
 * Applies `edit` at `path` (after `$`) inside the document held by `holder.root`; the root
 * itself is replaced or removed through `holder`.
 */
export function editPath(holder: { root: JsonNode | undefined }, path: string, edit: JsonEdit): LookupResult {
  const root = holder.root;
  if (root === undefined) return NOT_FOUND;
  return step(root, path, 1, (n) => (holder.root = n ?? undefined), edit, undefined, undefined);
}

type Put = (n: JsonNode | null) => void;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Label comparison: the texts the two keys stand for (escapes decoded). */
function sameKey(a: string, b: JsonString): boolean {
  return a === (b.raw.includes('\\') ? unescapeJsonString(b.raw) : b.raw);
}

function step(
  node: JsonNode,
  path: string,
  i: number,
  put: Put | undefined,
  edit: JsonEdit | undefined,
  key: JsonString | undefined,
  index: number | undefined,
  trail?: TrailStep[],
): LookupResult {
  if (i >= path.length) {
    if (edit !== undefined && put !== undefined) {
      if (edit.mode === 'remove') put(null);
      else if (edit.mode !== 'insert') put(cloneNode(edit.value));
    }
    return { node, key, index };
  }
  const c = path[i];
  if (c === '.') {
    let j = i + 1;
    let name: string;
    let rawName: string;
    if (path[j] === '"') {
      let k = j + 1;
      while (k < path.length && path[k] !== '"') k += path[k] === '\\' && k + 1 < path.length ? 2 : 1;
      if (k >= path.length) return PATH_ERROR;
      const quoted = path.slice(j + 1, k);
      // A key with escapes is kept as written; one without is escaped where JSON needs it.
      name = quoted.includes('\\') ? unescapeJsonString(quoted) : quoted;
      rawName = quoted.includes('\\') ? quoted : escapeJsonString(quoted);
      j = k + 1;
    } else {
      let k = j;
      while (k < path.length && path[k] !== '.' && path[k] !== '[') k++;
      if (k === j) return PATH_ERROR;
      name = path.slice(j, k);
      rawName = escapeJsonString(name);
      j = k;
    }
    if (node.kind !== 'object') return NOT_FOUND;
    const members = node.members;
    for (let m = 0; m < members.length; m++) {
      const member = members[m]!;
      if (!sameKey(name, member.key)) continue;
      const at = m;
      const putMember: Put = (n) => {
        if (n === null) members.splice(at, 1);
        else member.value = n;
      };
      trail?.push({ child: m, at: i });
      return step(member.value, path, j, putMember, edit, member.key, undefined, trail);
    }
    if (edit !== undefined && (edit.mode === 'insert' || edit.mode === 'set')) {
      const sub = substructure(path, j, edit);
      if (typeof sub === 'symbol') return sub;
      // SQLite's JSONB holds a label made from a path as TEXTRAW, or TEXT5 when it has escapes.
      const k: JsonString = { kind: 'text', raw: rawName, jsonb: rawName === escapeJsonString(name) && !rawName.includes('\\') ? { type: 10, text: name } : { type: 9, text: rawName } };
      members.push({ key: k, value: sub });
      return { node: sub, key: k, index: undefined };
    }
    return NOT_FOUND;
  }
  if (c === '[') {
    if (node.kind !== 'array') return NOT_FOUND;
    const items = node.items;
    let k = 0;
    let j = i + 1;
    while (isDigit(path[j])) {
      k = k * 10 + (path.charCodeAt(j) - 48);
      j++;
    }
    if (j === i + 1 || path[j] !== ']') {
      if (path[i + 1] !== '#') return PATH_ERROR;
      k = items.length;
      j = i + 2;
      if (path[j] === '-' && isDigit(path[j + 1])) {
        let nn = 0;
        j++;
        while (isDigit(path[j])) {
          nn = nn * 10 + (path.charCodeAt(j) - 48);
          j++;
        }
        if (nn > k) return NOT_FOUND;
        k -= nn;
      }
      if (path[j] !== ']') return PATH_ERROR;
    }
    j++;
    if (k < items.length) {
      const at = k;
      const putItem: Put = (n) => {
        if (n === null) items.splice(at, 1);
        else items[at] = n;
      };
      trail?.push({ child: k, at: i });
      return step(items[k]!, path, j, putItem, edit, undefined, k, trail);
    }
    if (k === items.length && edit !== undefined && (edit.mode === 'insert' || edit.mode === 'set')) {
      const sub = substructure(path, j, edit);
      if (typeof sub === 'symbol') return sub;
      items.push(sub);
      return { node: sub, key: undefined, index: k };
    }
    return NOT_FOUND;
  }
  return PATH_ERROR;
}

/** What json_insert/json_set put where the path leaves the document: the value, wrapped in the containers the rest of the path names. */
function substructure(path: string, i: number, edit: JsonEdit): JsonNode | typeof NOT_FOUND | typeof PATH_ERROR {
  if (i >= path.length) return cloneNode(edit.value);
  const holder: JsonNode = path[i] === '.' ? { kind: 'object', members: [] } : { kind: 'array', items: [] };
  const r = step(holder, path, i, undefined, edit, undefined, undefined);
  return typeof r === 'symbol' ? r : holder;
}
