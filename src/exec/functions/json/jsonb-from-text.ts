/**
 * JSON text (JSON5 included) straight to JSONB, element by element, as SQLite ≥ 3.45 translates
 * it (json.c, jsonTranslateTextToBlob): what `jsonb(text)` returns byte for byte — numbers and
 * strings keep their source text, typed INT / INT5 / FLOAT / FLOAT5 and TEXT / TEXTJ (JSON
 * escapes) / TEXT5 (JSON5 escapes, control characters, the other quote), an unquoted key is
 * TEXT, Infinity is FLOAT "9e999", NaN is null — and, on malformed input, the byte offset SQLite
 * blames (`json_error_position`).
 *
 * Header of an element: low 4 bits the type; high 4 bits the payload size 0–11, or 12/13/14
 * for a size in the next 1/2/4 bytes (big-endian), the smallest that fits.
 *
 * Offsets are in the UTF-8 bytes; a byte past the end reads as 0 (SQLite's terminating NUL).
 */

const NULL = 0;
const TRUE = 1;
const FALSE = 2;
const INT = 3;
const FLOAT = 5;
const TEXT = 7;
const TEXTJ = 8;
const TEXT5 = 9;
const TEXTRAW = 10;
const ARRAY = 11;
const OBJECT = 12;

const MAX_DEPTH = 1000;

/** The outcome: the JSONB bytes, or the byte offset of the error SQLite reports. */
export type TextToJsonb = { readonly blob: Uint8Array } | { readonly errorAt: number };

const ENCODER = new TextEncoder();

export function jsonbFromText(text: string): TextToJsonb {
  return jsonbFromUtf8(ENCODER.encode(text));
}

export function jsonbFromUtf8(z: Uint8Array): TextToJsonb {
  const t = new Translator(z);
  let i = t.element(0);
  if (i > 0) {
    while (isSpace(t.at(i))) i++;
    if (t.at(i) !== 0) {
      i += t.whitespace5(i);
      if (t.at(i) !== 0) return { errorAt: t.iErr };
    }
  }
  if (i <= 0) return { errorAt: t.iErr };
  return { blob: t.out.subarray(0, t.n) };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isXDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}
/** A character that may start an unquoted JSON5 key (letters, `_`, `$`, any byte ≥ 0x80). */
function isId1(c: number): boolean {
  return isAlpha(c) || c === 0x5f || c === 0x24 || c >= 0x80;
}
function isId2(c: number): boolean {
  return isId1(c) || isDigit(c);
}
/** A byte a string may hold without a closer look (not a quote, backslash or control byte). */
function isPlain(c: number): boolean {
  return c >= 0x20 && c !== 0x22 && c !== 0x27 && c !== 0x5c;
}

/** NaN and Infinity spellings SQLite accepts (case-insensitive), longest first where one prefixes another. */
const NAN_INF: readonly { readonly word: string; readonly float: boolean }[] = [
  { word: 'inf', float: true },
  { word: 'infinity', float: true },
  { word: 'nan', float: false },
  { word: 'qnan', float: false },
  { word: 'snan', float: false },
];

class Translator {
  out = new Uint8Array(64);
  n = 0;
  iErr = 0;
  private depth = 0;

  constructor(private readonly z: Uint8Array) {}

  at(i: number): number {
    return i < this.z.length ? this.z[i]! : 0;
  }

  private ensure(extra: number): void {
    if (this.n + extra <= this.out.length) return;
    const bigger = new Uint8Array(Math.max(this.out.length * 2, this.n + extra));
    bigger.set(this.out.subarray(0, this.n));
    this.out = bigger;
  }

  private appendNode(type: number, size: number, from: number): void {
    this.ensure(size + 5);
    this.header(type, size);
    this.out.set(this.z.subarray(from, from + size), this.n);
    this.n += size;
  }

  private header(type: number, size: number): void {
    const o = this.out;
    if (size <= 11) o[this.n++] = (size << 4) | type;
    else if (size <= 0xff) {
      o[this.n++] = 0xc0 | type;
      o[this.n++] = size;
    } else if (size <= 0xffff) {
      o[this.n++] = 0xd0 | type;
      o[this.n++] = size >> 8;
      o[this.n++] = size & 0xff;
    } else {
      o[this.n++] = 0xe0 | type;
      o[this.n++] = size >>> 24;
      o[this.n++] = (size >> 16) & 0xff;
      o[this.n++] = (size >> 8) & 0xff;
      o[this.n++] = size & 0xff;
    }
  }

  private appendText(type: number, bytes: Uint8Array): void {
    this.ensure(bytes.length + 5);
    this.header(type, bytes.length);
    this.out.set(bytes, this.n);
    this.n += bytes.length;
  }

  /** A container's one-byte placeholder header at `i`; its offset, or -1 past SQLite's depth limit. */
  private openContainer(i: number, type: number): number {
    const start = this.n;
    this.appendByte(type);
    if (++this.depth > MAX_DEPTH) {
      this.iErr = i;
      return -1;
    }
    return start;
  }

  /** The container's payload, written after its placeholder, gets its real header. */
  private closeContainer(start: number, type: number): void {
    const payload = this.out.slice(start + 1, this.n);
    this.n = start;
    this.appendText(type, payload);
    this.depth--;
  }

  private appendByte(b: number): void {
    this.ensure(1);
    this.out[this.n++] = b;
  }

  /** json5Whitespace: the bytes of JSON5 whitespace and comments at `i`. */
  whitespace5(i: number): number {
    let n = i;
    for (;;) {
      const c = this.at(n);
      switch (c) {
        case 0x09:
        case 0x0a:
        case 0x0b:
        case 0x0c:
        case 0x0d:
        case 0x20:
          n++;
          continue;
        case 0x2f:
          if (this.at(n + 1) === 0x2a && this.at(n + 2) !== 0) {
            let j = n + 3;
            for (; this.at(j) !== 0x2f || this.at(j - 1) !== 0x2a; j++) if (this.at(j) === 0) return n - i;
            n = j + 1;
            continue;
          }
          if (this.at(n + 1) === 0x2f) {
            let j = n + 2;
            for (let d = this.at(j); d !== 0; d = this.at(++j)) {
              if (d === 0x0a || d === 0x0d) break;
              if (d === 0xe2 && this.at(j + 1) === 0x80 && (this.at(j + 2) === 0xa8 || this.at(j + 2) === 0xa9)) {
                j += 2;
                break;
              }
            }
            n = j;
            if (this.at(n) !== 0) n++;
            continue;
          }
          return n - i;
        case 0xc2:
          if (this.at(n + 1) === 0xa0) {
            n += 2;
            continue;
          }
          return n - i;
        case 0xe1:
          if (this.at(n + 1) === 0x9a && this.at(n + 2) === 0x80) {
            n += 3;
            continue;
          }
          return n - i;
        case 0xe2: {
          const c1 = this.at(n + 1);
          const c2 = this.at(n + 2);
          if (c1 === 0x80) {
            if (c2 >= 0x80 && (c2 <= 0x8a || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf)) {
              n += 3;
              continue;
            }
          } else if (c1 === 0x81 && c2 === 0x9f) {
            n += 3;
            continue;
          }
          return n - i;
        }
        case 0xe3:
          if (this.at(n + 1) === 0x80 && this.at(n + 2) === 0x80) {
            n += 3;
            continue;
          }
          return n - i;
        case 0xef:
          if (this.at(n + 1) === 0xbb && this.at(n + 2) === 0xbf) {
            n += 3;
            continue;
          }
          return n - i;
        default:
          return n - i;
      }
    }
  }

  private is4Hex(i: number): boolean {
    return isXDigit(this.at(i)) && isXDigit(this.at(i + 1)) && isXDigit(this.at(i + 2)) && isXDigit(this.at(i + 3));
  }

  /**
   * One element at `i`: the offset past it, or 0 (end of input), -1 (error, iErr set), -2 / -3 /
   * -4 / -5 for `}` `]` `,` `:` (iErr at that character).
   */
  element(start: number): number {
    let i = start;
    for (;;) {
      const c = this.at(i);
      switch (c) {
        case 0x7b:
          return this.object(i);
        case 0x5b:
          return this.array(i);
        case 0x27:
        case 0x22:
          return this.string(i);
        case 0x74:
          return this.word(i, 'true', TRUE);
        case 0x66:
          return this.word(i, 'false', FALSE);
        case 0x2b:
        case 0x2e:
        case 0x2d:
          return this.number(i);
        case 0x7d:
          this.iErr = i;
          return -2;
        case 0x5d:
          this.iErr = i;
          return -3;
        case 0x2c:
          this.iErr = i;
          return -4;
        case 0x3a:
          this.iErr = i;
          return -5;
        case 0:
          return 0;
        case 0x09:
        case 0x0a:
        case 0x0d:
        case 0x20:
          i++;
          while (isSpace(this.at(i))) i++;
          continue;
        case 0x0b:
        case 0x0c:
        case 0x2f:
        case 0xc2:
        case 0xe1:
        case 0xe2:
        case 0xe3:
        case 0xef: {
          const j = this.whitespace5(i);
          if (j > 0) {
            i += j;
            continue;
          }
          this.iErr = i;
          return -1;
        }
        default:
          if (isDigit(c)) return this.number(i);
          if (c === 0x6e && this.matches(i, 'null') && !isAlnum(this.at(i + 4))) {
            this.appendByte(NULL);
            return i + 4;
          }
          return this.nanInf(i);
      }
    }
  }

  private matches(i: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) if (this.at(i + k) !== word.charCodeAt(k)) return false;
    return true;
  }

  private matchesNoCase(i: number, word: string): boolean {
    for (let k = 0; k < word.length; k++) {
      const c = this.at(i + k);
      if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== word.charCodeAt(k)) return false;
    }
    return true;
  }

  private word(i: number, word: string, type: number): number {
    if (this.matches(i, word) && !isAlnum(this.at(i + word.length))) {
      this.appendByte(type);
      return i + word.length;
    }
    this.iErr = i;
    return -1;
  }

  private nanInf(i: number): number {
    const c = this.at(i);
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    for (const { word, float } of NAN_INF) {
      if (word.charCodeAt(0) !== lower || !this.matchesNoCase(i, word) || isAlnum(this.at(i + word.length))) continue;
      if (float) this.appendText(FLOAT, ENCODER.encode('9e999'));
      else {
        this.appendByte(NULL);
      }
      return i + word.length;
    }
    this.iErr = i;
    return -1;
  }

  private object(i: number): number {
    const start = this.openContainer(i, OBJECT);
    if (start < 0) return -1;
    let j = i + 1;
    for (;; j++) {
      const keyAt = this.n;
      let x = this.element(j);
      if (x <= 0) {
        if (x === -2) {
          j = this.iErr;
          break;
        }
        j += this.whitespace5(j);
        let type = TEXT;
        const c = this.at(j);
        if (isId1(c) || (c === 0x5c && this.at(j + 1) === 0x75 && this.is4Hex(j + 2))) {
          if (c === 0x5c) type = TEXT5;
          let k = j + 1;
          for (;;) {
            const d = this.at(k);
            if (isId2(d) && this.whitespace5(k) === 0) k++;
            else if (d === 0x5c && this.at(k + 1) === 0x75 && this.is4Hex(k + 2)) {
              type = TEXT5;
              k++;
            } else break;
          }
          this.appendNode(type, k - j, j);
          x = k;
        } else {
          if (x !== -1) this.iErr = j;
          return -1;
        }
      }
      const t = this.out[keyAt]! & 0x0f;
      if (t < TEXT || t > TEXTRAW) {
        this.iErr = j;
        return -1;
      }
      j = x;
      let sawColon = false;
      if (this.at(j) === 0x3a) {
        j++;
        sawColon = true;
      } else if (isSpace(this.at(j))) {
        do j++;
        while (isSpace(this.at(j)));
        if (this.at(j) === 0x3a) {
          j++;
          sawColon = true;
        }
      }
      if (!sawColon) {
        x = this.element(j);
        if (x !== -5) {
          if (x !== -1) this.iErr = j;
          return -1;
        }
        j = this.iErr + 1;
      }
      x = this.element(j);
      if (x <= 0) {
        if (x !== -1) this.iErr = j;
        return -1;
      }
      j = x;
      const next = this.separator(j, -2);
      if (next === undefined) return -1;
      j = next.at;
      if (next.end) break;
    }
    this.closeContainer(start, OBJECT);
    return j + 1;
  }

  private array(i: number): number {
    const start = this.openContainer(i, ARRAY);
    if (start < 0) return -1;
    let j = i + 1;
    for (;; j++) {
      const x = this.element(j);
      if (x <= 0) {
        if (x === -3) {
          j = this.iErr;
          break;
        }
        if (x !== -1) this.iErr = j;
        return -1;
      }
      j = x;
      const next = this.separator(j, -3);
      if (next === undefined) return -1;
      j = next.at;
      if (next.end) break;
    }
    this.closeContainer(start, ARRAY);
    return j + 1;
  }

  /**
   * After a value in a container: `,` (go on) or the closer (`end`), possibly after whitespace
   * and comments; undefined after setting iErr when neither follows.
   */
  private separator(at: number, closer: -2 | -3): { at: number; end: boolean } | undefined {
    const close = closer === -2 ? 0x7d : 0x5d;
    let j = at;
    const c = this.at(j);
    if (c === 0x2c) return { at: j, end: false };
    if (c === close) return { at: j, end: true };
    if (isSpace(c)) {
      j++;
      while (isSpace(this.at(j))) j++;
      if (this.at(j) === 0x2c) return { at: j, end: false };
      if (this.at(j) === close) return { at: j, end: true };
    }
    const x = this.element(j);
    if (x === -4) return { at: this.iErr, end: false };
    if (x === closer) return { at: this.iErr, end: true };
    this.iErr = j;
    return undefined;
  }

  private string(i: number): number {
    const delim = this.at(i);
    let type = TEXT;
    let j = i + 1;
    for (;;) {
      if (isPlain(this.at(j))) {
        if (!isPlain(this.at(j + 1))) j += 1;
        else if (!isPlain(this.at(j + 2))) j += 2;
        else {
          j += 3;
          continue;
        }
      }
      let c = this.at(j);
      if (c === delim) break;
      if (c === 0x5c) {
        c = this.at(++j);
        if (c === 0x22 || c === 0x5c || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74 || (c === 0x75 && this.is4Hex(j + 1))) {
          if (type === TEXT) type = TEXTJ;
        } else if (
          c === 0x27 || c === 0x30 || c === 0x76 || c === 0x0a ||
          (c === 0xe2 && this.at(j + 1) === 0x80 && (this.at(j + 2) === 0xa8 || this.at(j + 2) === 0xa9)) ||
          (c === 0x78 && isXDigit(this.at(j + 1)) && isXDigit(this.at(j + 2)))
        ) {
          type = TEXT5;
        } else if (c === 0x0d) {
          if (this.at(j + 1) === 0x0a) j++;
          type = TEXT5;
        } else {
          this.iErr = j;
          return -1;
        }
      } else if (c <= 0x1f) {
        if (c === 0) {
          this.iErr = j;
          return -1;
        }
        type = TEXT5;
      } else if (c === 0x22) {
        type = TEXT5;
      }
      j++;
    }
    this.appendNode(type, j - 1 - i, i + 1);
    return j + 1;
  }

  private number(start: number): number {
    const i = start;
    let t = 0; // bit 0x01: JSON5; bit 0x02: FLOAT
    let seenE = false;
    let j: number;
    const c = this.at(i);
    if (c === 0x2e) {
      if (!isDigit(this.at(i + 1))) {
        this.iErr = i;
        return -1;
      }
      t = 0x03;
    } else if (c <= 0x30) {
      if (c === 0x30) {
        const x = this.at(i + 1);
        if ((x === 0x78 || x === 0x58) && isXDigit(this.at(i + 2))) {
          t = 0x01;
          for (j = i + 3; isXDigit(this.at(j)); j++);
          return this.finishNumber(start, j, t);
        }
        if (isDigit(x)) {
          this.iErr = i + 1;
          return -1;
        }
      } else {
        // '-' or '+'
        const d = this.at(i + 1);
        if (!isDigit(d)) {
          if ((d === 0x49 || d === 0x69) && this.matchesNoCase(i + 1, 'inf')) {
            this.appendText(FLOAT, ENCODER.encode(c === 0x2d ? '-9e999' : '9e999'));
            return i + (this.matchesNoCase(i + 4, 'inity') ? 9 : 4);
          }
          if (d === 0x2e) t |= 0x01;
          else {
            this.iErr = i;
            return -1;
          }
        } else if (d === 0x30) {
          const e = this.at(i + 2);
          if (isDigit(e)) {
            this.iErr = i + 1;
            return -1;
          }
          if ((e === 0x78 || e === 0x58) && isXDigit(this.at(i + 3))) {
            t |= 0x01;
            for (j = i + 4; isXDigit(this.at(j)); j++);
            return this.finishNumber(start, j, t);
          }
        }
      }
    }
    for (j = i + 1; ; j++) {
      const d = this.at(j);
      if (isDigit(d)) continue;
      if (d === 0x2e) {
        if ((t & 0x02) !== 0) {
          this.iErr = j;
          return -1;
        }
        t |= 0x02;
        continue;
      }
      if (d === 0x65 || d === 0x45) {
        if (this.at(j - 1) < 0x30) {
          if (this.at(j - 1) === 0x2e && j - 2 >= i && isDigit(this.at(j - 2))) t |= 0x01;
          else {
            this.iErr = j;
            return -1;
          }
        }
        if (seenE) {
          this.iErr = j;
          return -1;
        }
        t |= 0x02;
        seenE = true;
        let e = this.at(j + 1);
        if (e === 0x2b || e === 0x2d) {
          j++;
          e = this.at(j + 1);
        }
        if (e < 0x30 || e > 0x39) {
          this.iErr = j;
          return -1;
        }
        continue;
      }
      break;
    }
    if (this.at(j - 1) < 0x30) {
      if (this.at(j - 1) === 0x2e && j - 2 >= i && isDigit(this.at(j - 2))) t |= 0x01;
      else {
        this.iErr = j;
        return -1;
      }
    }
    return this.finishNumber(start, j, t);
  }

  private finishNumber(start: number, end: number, t: number): number {
    const from = this.at(start) === 0x2b ? start + 1 : start;
    this.appendNode(INT + t, end - from, from);
    return end;
  }
}
