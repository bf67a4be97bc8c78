/**
 * One value as the sqlite3 shell (3.40) writes it in each output mode. Text is handled as its
 * bytes (held in latin1 strings, a character per byte, where escaping is done), so text that is
 * not UTF-8 comes out as it is stored.
 *
 *   shellText      sqlite3_column_text(): INTEGER in decimal, REAL "%!.15g", TEXT and BLOB as
 *                  their bytes, cut at the first NUL (the shell prints C strings); NULL: none
 *   sqlQuoted15    qbox: 'text' ('' for '), x'hex', NULL, numbers as shellText
 *   quoteLiteral   quote: 'text' (newlines as they are), X'hex', NULL, REAL as "%lld.0" for a
 *                  whole number below 2^63, else "%!.20g" (Inf/-Inf)
 *   insertLiteral  insert: quote's, but text with newlines through replace(…,'\n',char(10))
 *                  and infinities as 1e999/-1e999 (the .dump literals)
 *   jsonLiteral    json: "…" with \" \\ \b \f \n \r \t and \u00XX for other control bytes
 *                  (a BLOB's bytes the same way, NULs included), null, the insert REAL
 *   htmlText       html: & < > " ' as entities
 *   tclText        tcl: "…" with \\ \" \t \n \r and \NNN (octal) for bytes outside 0x20–0x7e
 */
import { formatReal15 } from '../exec/format-real.js';
import { encodeUtf8 } from '../record/text-encoding.js';
import type { SqlValue, StorageClass } from '../record/value.js';
import { escapedString, realLiteral } from './dump.js';

const encoder = new TextEncoder();

function isInteger(value: number | bigint, storageClass: StorageClass | undefined): boolean {
  return typeof value === 'bigint' || (storageClass === 'integer' && Number.isInteger(value));
}

function cutAtNul(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  return nul < 0 ? bytes : bytes.subarray(0, nul);
}

/** The bytes of TEXT or a BLOB, whole. */
function bytesOf(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encodeUtf8(value) : value;
}

/** Bytes as a latin1 string (a character per byte) and back. */
export const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
export const fromLatin1 = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** The bytes sqlite3 shows for one value, or undefined for NULL. */
export function shellText(value: SqlValue, storageClass: StorageClass | undefined): Uint8Array | undefined {
  if (value === null) return undefined;
  if (typeof value === 'bigint' || typeof value === 'number') {
    return encoder.encode(isInteger(value, storageClass) ? String(value) : formatReal15(value as number));
  }
  return cutAtNul(bytesOf(value));
}

/** A BLOB as hex digits (lowercase, as sqlite3 writes them). */
function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function quotedText(value: string): string {
  return `'${latin1(cutAtNul(bytesOf(value))).replaceAll("'", "''")}'`;
}

/** qbox's cell. */
export function sqlQuoted15(value: SqlValue, storageClass: StorageClass | undefined): Uint8Array {
  if (value === null) return encoder.encode('NULL');
  if (typeof value === 'string') return fromLatin1(quotedText(value));
  if (value instanceof Uint8Array) return encoder.encode(`x'${hexOf(value)}'`);
  return shellText(value, storageClass)!;
}

/** "%lld.0" for a whole number below 2^63, else "%!.20g"; infinities as `inf` says. */
function real20(r: number, inf: [string, string]): string {
  if (r === Infinity) return inf[0];
  if (r === -Infinity) return inf[1];
  return realLiteral(r);
}

/** quote mode's value, as latin1 text. */
export function quoteLiteral(value: SqlValue, storageClass: StorageClass | undefined): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return quotedText(value);
  if (value instanceof Uint8Array) return `X'${hexOf(value)}'`;
  return isInteger(value, storageClass) ? String(value) : real20(value as number, ['Inf', '-Inf']);
}

/** insert mode's value, as latin1 text. */
export function insertLiteral(value: SqlValue, storageClass: StorageClass | undefined): string {
  if (typeof value === 'string') return escapedString(latin1(cutAtNul(bytesOf(value))));
  if (typeof value === 'number' && !isInteger(value, storageClass)) return real20(value, ['1e999', '-1e999']);
  return quoteLiteral(value, storageClass);
}

const JSON_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

/** A JSON string of bytes, as the shell's output_json_string (bytes ≥ 0x80 as they are). */
export function jsonString(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) {
    const e = JSON_ESCAPES[b];
    if (e !== undefined) out += e;
    else if (b < 0x20) out += `\\u${b.toString(16).padStart(4, '0')}`;
    else out += String.fromCharCode(b);
  }
  return `${out}"`;
}

/** json mode's value, as latin1 text. */
export function jsonLiteral(value: SqlValue, storageClass: StorageClass | undefined): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return jsonString(cutAtNul(bytesOf(value)));
  if (value instanceof Uint8Array) return jsonString(value);
  return isInteger(value, storageClass) ? String(value) : real20(value as number, ['1e999', '-1e999']);
}

const HTML: Record<string, string> = { '<': '&lt;', '&': '&amp;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** html mode's escaping of latin1 text. */
export function htmlText(text: string): string {
  return text.replace(/[<&>"']/g, (c) => HTML[c]!);
}

/** tcl mode's C string of latin1 text. */
export function tclText(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c > 0x7e) out += `\\${c.toString(8).padStart(3, '0')}`;
    else out += text[i];
  }
  return `${out}"`;
}
