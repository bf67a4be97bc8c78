/**
 * A JSON node as JSONB (https://sqlite.org/jsonb.html), the bytes SQLite's jsonb_* functions
 * return for the same document: numbers as their text (INT / FLOAT), strings as TEXT when their
 * text has no escape and TEXTJ (with the escapes) when it has — or as an edit made them
 * (json-node.ts's `jsonb`: SQL text values and path labels as TEXTRAW, escaped labels TEXT5) —
 * containers with the smallest header that holds their payload.
 *
 * Header: low 4 bits the type (0 null, 1 true, 2 false, 3 INT, 5 FLOAT, 7 TEXT, 8 TEXTJ,
 * 10 TEXTRAW, 11 ARRAY, 12 OBJECT); high 4 bits the payload size 0–11, or 12/13/14 for a size
 * in the next 1/2/4 bytes, big-endian.
 */
import type { JsonNode, JsonString } from './json-node.js';

const ENCODER = new TextEncoder();

export function encodeJsonb(node: JsonNode): Uint8Array {
  const parts: Uint8Array[] = [];
  append(node, parts);
  return concat(parts);
}

function append(node: JsonNode, out: Uint8Array[]): void {
  switch (node.kind) {
    case 'null':
      out.push(Uint8Array.of(0));
      return;
    case 'true':
      out.push(Uint8Array.of(1));
      return;
    case 'false':
      out.push(Uint8Array.of(2));
      return;
    case 'integer':
      element(3, ENCODER.encode(node.raw), out);
      return;
    case 'real':
      element(5, ENCODER.encode(node.raw), out);
      return;
    case 'text':
      text(node, out);
      return;
    case 'array': {
      const inner: Uint8Array[] = [];
      for (const item of node.items) append(item, inner);
      element(11, concat(inner), out);
      return;
    }
    case 'object': {
      const inner: Uint8Array[] = [];
      for (const m of node.members) {
        text(m.key, inner);
        append(m.value, inner);
      }
      element(12, concat(inner), out);
    }
  }
}

function text(s: JsonString, out: Uint8Array[]): void {
  if (s.jsonb !== undefined) element(s.jsonb.type, ENCODER.encode(s.jsonb.text), out);
  else element(s.raw.includes('\\') ? 8 : 7, ENCODER.encode(s.raw), out);
}

function element(type: number, payload: Uint8Array, out: Uint8Array[]): void {
  const size = payload.length;
  if (size <= 11) out.push(Uint8Array.of((size << 4) | type));
  else if (size <= 0xff) out.push(Uint8Array.of(0xc0 | type, size));
  else if (size <= 0xffff) out.push(Uint8Array.of(0xd0 | type, size >> 8, size & 0xff));
  else out.push(Uint8Array.of(0xe0 | type, size >>> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff));
  out.push(payload);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
