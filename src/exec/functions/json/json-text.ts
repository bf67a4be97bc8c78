/**
 * JsonNode → JSON text, and the string escapes in both directions.
 *
 * Output is minified (`[1,2]`, `{"a":1}`), numbers and strings as written in their source.
 * SQL text becomes a JSON string with `"` and `\` escaped, the control characters U+0000–U+001F
 * as `\b \t \n \f \r` or `\u00XX`, everything else as is. A REAL renders as SQLite renders
 * reals as text (format-real.ts), except that ±Infinity is `±9.0e+999` (JSON has no Inf).
 */
import { formatReal } from '../../format-real.js';
import type { JsonNode } from './json-node.js';

/** Minified JSON text of a node. */
export function renderJson(node: JsonNode): string {
  const out: string[] = [];
  render(node, out);
  return out.join('');
}

function render(n: JsonNode, out: string[]): void {
  switch (n.kind) {
    case 'null':
    case 'true':
    case 'false':
      out.push(n.kind);
      return;
    case 'integer':
    case 'real':
      out.push(n.raw);
      return;
    case 'text':
      out.push('"', n.raw, '"');
      return;
    case 'array':
      out.push('[');
      n.items.forEach((item, i) => {
        if (i > 0) out.push(',');
        render(item, out);
      });
      out.push(']');
      return;
    case 'object':
      out.push('{');
      n.members.forEach((m, i) => {
        if (i > 0) out.push(',');
        out.push('"', m.key.raw, '":');
        render(m.value, out);
      });
      out.push('}');
  }
}

/**
 * json_pretty's text: each array item and object member on a line of its own, indented by
 * `indent` per level (four spaces by default), `"key": value`; empty containers stay `[]`/`{}`.
 */
export function renderPrettyJson(node: JsonNode, indent: string): string {
  const out: string[] = [];
  pretty(node, indent, 0, out);
  return out.join('');
}

function pretty(n: JsonNode, indent: string, level: number, out: string[]): void {
  if (n.kind === 'array' && n.items.length > 0) {
    out.push('[\n');
    n.items.forEach((item, i) => {
      out.push(i > 0 ? ',\n' : '', indent.repeat(level + 1));
      pretty(item, indent, level + 1, out);
    });
    out.push('\n', indent.repeat(level), ']');
  } else if (n.kind === 'object' && n.members.length > 0) {
    out.push('{\n');
    n.members.forEach((m, i) => {
      out.push(i > 0 ? ',\n' : '', indent.repeat(level + 1), '"', m.key.raw, '": ');
      pretty(m.value, indent, level + 1, out);
    });
    out.push('\n', indent.repeat(level), '}');
  } else render(n, out);
}

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/** The body of a JSON string (no quotes) holding `s`. */
export function escapeJsonString(s: string): string {
  // Fast path: nothing to escape.
  if (!/["\\\u0000-\u001f]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20) out += SHORT_ESCAPES[c] ?? `\\u00${c.toString(16).padStart(2, '0')}`;
    else out += s[i];
  }
  return out;
}

/** The text a JSON string body stands for (its escapes decoded; `\uD83D\uDE00` pairs join). */
export function unescapeJsonString(raw: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const d = raw[++i];
    switch (d) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      default:
        out += d ?? '';
    }
  }
  return out;
}

/** A REAL as JSON number text. */
export function jsonRealText(v: number): string {
  if (v === Infinity) return '9.0e+999';
  if (v === -Infinity) return '-9.0e+999';
  return formatReal(v);
}
