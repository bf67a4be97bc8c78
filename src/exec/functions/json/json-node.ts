/**
 * A parsed JSON document, as SQLite's JSON functions see it (https://www.sqlite.org/json1.html).
 *
 * Numbers and strings keep their source text (`raw`), because SQLite renders them as they were
 * written: `json('[1.0e2,"\u0041"]')` is `[1.0e2,"\u0041"]`, not `[100.0,"A"]`. A string's
 * `raw` is the text between its quotes with its escapes (a string made from an SQL value holds
 * the escaped form of that value). Objects keep duplicate keys in order; lookups take the
 * first (as SQLite does).
 */
export type JsonNode =
  | { readonly kind: 'null' }
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'integer'; readonly raw: string }
  | { readonly kind: 'real'; readonly raw: string }
  | JsonString
  | JsonArray
  | JsonObject;

export interface JsonString {
  readonly kind: 'text';
  readonly raw: string;
  /**
   * How SQLite's JSONB holds a string an edit made (json_set …): an SQL text value or a label
   * from a path as TEXTRAW (10) with its plain text, a quoted path label with escapes as TEXT5 (9)
   * with the escapes. Absent: TEXT or TEXTJ, by whether `raw` has escapes.
   */
  readonly jsonb?: { readonly type: 9 | 10; readonly text: string };
}

export interface JsonArray {
  readonly kind: 'array';
  items: JsonNode[];
}

export interface JsonMember {
  readonly key: JsonString;
  value: JsonNode;
}

export interface JsonObject {
  readonly kind: 'object';
  members: JsonMember[];
}

export const JSON_NULL: JsonNode = Object.freeze({ kind: 'null' });
export const JSON_TRUE: JsonNode = Object.freeze({ kind: 'true' });
export const JSON_FALSE: JsonNode = Object.freeze({ kind: 'false' });

/** A deep copy (edits change arrays and objects in place). */
export function cloneNode(n: JsonNode): JsonNode {
  if (n.kind === 'array') return { kind: 'array', items: n.items.map(cloneNode) };
  if (n.kind === 'object') return { kind: 'object', members: n.members.map((m) => ({ key: m.key, value: cloneNode(m.value) })) };
  return n;
}
