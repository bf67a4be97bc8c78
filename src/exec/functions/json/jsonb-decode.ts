/**
 * Reading SQLite's binary JSON, JSONB (https://sqlite.org/jsonb.html), which SQLite ≥ 3.45
 * accepts wherever a JSON function takes JSON: a BLOB argument is read as JSONB.
 *
 * Element = header + payload. Header byte: low 4 bits the type (0 null, 1 true, 2 false,
 * 3 INT, 4 INT5, 5 FLOAT, 6 FLOAT5, 7 TEXT, 8 TEXTJ, 9 TEXT5, 10 TEXTRAW, 11 ARRAY, 12 OBJECT;
 * 13–15 reserved); high 4 bits the payload size 0–11, or 12/13/14/15 for a size in the next
 * 1/2/4/8 bytes (big-endian). Numbers and strings are their text (TEXTJ with JSON escapes,
 * TEXTRAW needing them); an array's payload is its elements, an object's labels and values.
 *
 * Anything that does not decode exactly (sizes past the end, a reserved type, a non-text
 * label) is not JSONB: undefined. INT5/FLOAT5/TEXT5 (JSON5 forms) are read as JSON5 text
 * is: to canonical numbers and strings.
 */
import type { JsonMember, JsonNode } from './json-node.js';
import { JSON_FALSE, JSON_NULL, JSON_TRUE } from './json-node.js';
import { tryParseJson } from './json-parse.js';
import { escapeJsonString } from './json-text.js';

const DECODER = new TextDecoder('utf-8', { fatal: false });
const MAX_DEPTH = 1000;

/** The document a BLOB holds as JSONB, or undefined when it is not JSONB. */
export function decodeJsonb(b: Uint8Array): JsonNode | undefined {
  if (b.length === 0) return undefined;
  try {
    const r = element(b, 0, b.length, 0);
    return r !== undefined && r.end === b.length ? r.node : undefined;
  } catch {
    return undefined;
  }
}

function element(b: Uint8Array, at: number, limit: number, depth: number): { node: JsonNode; end: number } | undefined {
  if (at >= limit || depth > MAX_DEPTH) return undefined;
  const h = b[at]!;
  const type = h & 0x0f;
  let size = h >> 4;
  let p = at + 1;
  if (size >= 12) {
    const n = size === 12 ? 1 : size === 13 ? 2 : size === 14 ? 4 : 8;
    if (p + n > limit) return undefined;
    size = 0;
    for (let k = 0; k < n; k++) size = size * 256 + b[p + k]!;
    p += n;
  }
  const end = p + size;
  if (end > limit) return undefined;
  const text = (): string => DECODER.decode(b.subarray(p, end));
  switch (type) {
    case 0:
    case 1:
    case 2:
      if (size !== 0) return undefined;
      return { node: type === 0 ? JSON_NULL : type === 1 ? JSON_TRUE : JSON_FALSE, end };
    case 3:
      return size === 0 ? undefined : { node: { kind: 'integer', raw: text() }, end };
    case 5:
      return size === 0 ? undefined : { node: { kind: 'real', raw: text() }, end };
    case 4:
    case 6: {
      // JSON5 forms (0x1F, .5, 5.) read as JSON text reads them: canonical.
      const node = size === 0 ? undefined : tryParseJson(text());
      return node === undefined || (node.kind !== 'integer' && node.kind !== 'real') ? undefined : { node, end };
    }
    case 7:
    case 8:
      return { node: { kind: 'text', raw: text() }, end };
    case 9: {
      // JSON5 escapes and characters, inside whichever quote leaves them a string.
      const t = text();
      const node = tryParseJson(`"${t}"`) ?? tryParseJson(`'${t}'`);
      return node?.kind === 'text' ? { node, end } : undefined;
    }
    case 10:
      return { node: { kind: 'text', raw: escapeJsonString(text()) }, end };
    case 11: {
      const items: JsonNode[] = [];
      for (let q = p; q < end; ) {
        const r = element(b, q, end, depth + 1);
        if (r === undefined) return undefined;
        items.push(r.node);
        q = r.end;
      }
      return { node: { kind: 'array', items }, end };
    }
    case 12: {
      const members: JsonMember[] = [];
      for (let q = p; q < end; ) {
        const k = element(b, q, end, depth + 1);
        if (k === undefined || k.node.kind !== 'text') return undefined;
        const v = element(b, k.end, end, depth + 1);
        if (v === undefined) return undefined;
        members.push({ key: k.node, value: v.node });
        q = v.end;
      }
      return { node: { kind: 'object', members }, end };
    }
    default:
      return undefined;
  }
}
