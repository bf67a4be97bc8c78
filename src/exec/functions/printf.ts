/**
 * printf()/format() (https://www.sqlite.org/printf.html): SQLite's own printf, not C's.
 * Conversions %d %i %u %f %e %E %g %G %x %X %o %c %s %z %q %Q %w %%, flags `-+ 0#,!`, width
 * and precision (digits or `*`). Differences from C that matter: floating-point values are
 * rounded at most to 16 significant digits (the rest are zeros), half away from zero on the
 * exact binary value; an unknown conversion ends the output; missing arguments are NULL
 * (0 for numbers, '' for strings). Widths and precisions of strings count UTF-8 bytes unless
 * the `!` flag asks for characters.
 */
import type { Value } from '../value.js';
import { textToBlob, toInt, toReal, valueToText } from '../expr/value-ops.js';

interface Spec {
  left: boolean;
  /** '+' or ' ' for non-negative numbers: the later of the two flags wins, as in SQLite. */
  prefix: '' | '+' | ' ';
  alt: boolean;
  zero: boolean;
  comma: boolean;
  bang: boolean;
  width: number;
  precision: number | undefined;
}

export function sqlPrintf(fmt: string, args: readonly Value[]): string {
  // Every text reaches C's printf as a NUL-terminated string: it ends at its first NUL.
  const format = cString(fmt);
  const textArg = (v: Value): string | null => {
    const t = valueToText(v);
    return t === null ? null : cString(t);
  };
  let argi = 0;
  const next = (): Value => (argi < args.length ? args[argi++]! : null);
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch !== '%') {
      const j = format.indexOf('%', i);
      const end = j < 0 ? format.length : j;
      out += format.slice(i, end);
      i = end;
      continue;
    }
    i++;
    if (i >= format.length) break;
    const spec: Spec = { left: false, prefix: '', alt: false, zero: false, comma: false, bang: false, width: 0, precision: undefined };
    for (;;) {
      const f = format[i];
      if (f === '-') spec.left = true;
      else if (f === '+') spec.prefix = '+';
      else if (f === ' ') spec.prefix = ' ';
      else if (f === '#') spec.alt = true;
      else if (f === '!') spec.bang = true;
      else if (f === '0') spec.zero = true;
      else if (f === ',') spec.comma = true;
      else break;
      i++;
    }
    if (format[i] === '*') {
      let w = Number(toInt(next()));
      if (w < 0) {
        spec.left = true;
        w = w >= -2147483647 ? -w : 0;
      }
      spec.width = Math.min(w, 100000);
      i++;
    } else {
      let w = 0;
      while (i < format.length && format[i]! >= '0' && format[i]! <= '9') w = Math.min(w * 10 + (format.charCodeAt(i++) - 48), 100000);
      spec.width = w;
    }
    if (format[i] === '.') {
      i++;
      if (format[i] === '*') {
        const p = Number(toInt(next()));
        spec.precision = p < 0 ? (p >= -2147483647 ? -p : 0) : Math.min(p, 100000);
        i++;
      } else {
        let p = 0;
        while (i < format.length && format[i]! >= '0' && format[i]! <= '9') p = Math.min(p * 10 + (format.charCodeAt(i++) - 48), 100000);
        spec.precision = p;
      }
    }
    while (format[i] === 'l') i++;
    const conv = format[i++];
    if (conv === undefined) break;
    let body: string;
    switch (conv) {
      case 'd':
      case 'i':
        body = formatInteger(toInt(next()), spec, true);
        break;
      case 'u':
        body = formatInteger(BigInt.asUintN(64, toInt(next())), spec, false);
        break;
      case 'x':
      case 'X':
      case 'o':
        body = formatRadix(toInt(next()), spec, conv);
        break;
      case 'f':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        body = formatFloat(toReal(next()), spec, conv);
        break;
      case 'c': {
        const t = textArg(next()) ?? '';
        const c = t.length === 0 ? '\0' : String.fromCodePoint(t.codePointAt(0)!);
        body = c.repeat(spec.precision !== undefined && spec.precision > 1 ? spec.precision : 1);
        break;
      }
      case 's':
      case 'z': {
        let t = textArg(next()) ?? '';
        if (spec.precision !== undefined) t = truncate(t, spec.precision, spec.bang);
        body = t;
        break;
      }
      case 'q':
      case 'Q':
      case 'w': {
        const v = next();
        const t = textArg(v);
        if (t === null) {
          body = conv === 'Q' ? 'NULL' : '(NULL)';
          if (spec.precision !== undefined) body = body.slice(0, spec.precision);
        }
        else {
          const quote = conv === 'w' ? '"' : "'";
          let s = t;
          if (spec.precision !== undefined) s = truncate(s, spec.precision, spec.bang);
          s = s.split(quote).join(quote + quote);
          body = conv === 'Q' ? `'${s}'` : s;
        }
        break;
      }
      case '%':
        body = '%';
        break;
      default:
        return out; // an unknown conversion ends the output, as SQLite's printf does
    }
    out += pad(body, spec, conv === 's' || conv === 'z' || conv === 'q' || conv === 'Q' || conv === 'w' || conv === 'c');
  }
  return out;
}

function cString(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

function lengthOf(s: string, chars: boolean): number {
  return chars ? [...s].length : textToBlob(s).length;
}

/**
 * The first `n` bytes (or characters, with `!`) of `s`. SQLite cuts bytes even inside a
 * character; the cut character's leading bytes are not valid UTF-8 and read back as U+FFFD.
 */
function truncate(s: string, n: number, chars: boolean): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const w = chars ? 1 : textToBlob(ch).length;
    if (used + w > n) {
      if (used < n) {
        out += '\ufffd';
        // The width counts the bytes SQLite kept (n - used), not the 3 bytes of U+FFFD.
        partialAdjust = 3 - (n - used);
      }
      break;
    }
    out += ch;
    used += w;
  }
  return out;
}

/** Bytes to subtract from the measured width of the last truncated string (see truncate). */
let partialAdjust = 0;

function pad(body: string, spec: Spec, isString: boolean): string {
  const len = isString ? lengthOf(body, spec.bang) - partialAdjust : body.length;
  partialAdjust = 0;
  if (len >= spec.width) return body;
  const fill = ' '.repeat(spec.width - len);
  return spec.left ? body + fill : fill + body;
}

function signPrefix(negative: boolean, spec: Spec): string {
  return negative ? '-' : spec.prefix;
}

function withCommas(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

function zeroFill(prefix: string, digits: string, spec: Spec): string {
  if (spec.zero && !spec.left && prefix.length + digits.length < spec.width) {
    digits = digits.padStart(spec.width - prefix.length, '0');
  }
  return prefix + digits;
}

/**
 * Integer conversions: the 0 flag turns the width into a minimum digit count (even with `-`,
 * and before a `#` radix prefix is added), as SQLite's etRADIX code does.
 */
function formatInteger(v: bigint, spec: Spec, signed: boolean): string {
  const negative = signed && v < 0n;
  const prefix = signPrefix(negative, spec);
  let digits = (negative ? -v : v).toString();
  let precision = spec.precision ?? 0;
  if (spec.zero) precision = Math.max(precision, spec.width - (prefix === '' ? 0 : 1));
  digits = digits.padStart(precision, '0');
  return prefix + (spec.comma ? withCommas(digits) : digits);
}

function formatRadix(v: bigint, spec: Spec, conv: 'x' | 'X' | 'o'): string {
  const u = BigInt.asUintN(64, v);
  let digits = u.toString(conv === 'o' ? 8 : 16);
  if (conv === 'X') digits = digits.toUpperCase();
  let precision = spec.precision ?? 0;
  if (spec.zero) precision = Math.max(precision, spec.width);
  digits = digits.padStart(precision, '0');
  let prefix = '';
  if (spec.alt && u !== 0n) prefix = conv === 'o' ? '0' : conv === 'x' ? '0x' : '0X';
  return prefix + digits; // the , flag only groups decimal conversions
}

/** Digits of |r| rounded to `sig` (1..16) significant digits: the digit string and the decimal exponent. */
function roundSig(r: number, sig: number): { digits: string; exp: number } {
  const [m = '0', e = '0'] = r.toExponential(sig - 1).split('e');
  return { digits: m.replace('.', ''), exp: Number(e) };
}

function fixedDigits(r: number, precision: number, maxSig = 16): string {
  // Exponent of |r| before rounding decides how many significant digits the precision asks for.
  if (r === 0) return precision > 0 ? `0.${'0'.repeat(precision)}` : '0';
  const e = Number(r.toExponential().split('e')[1]);
  let sig = e + 1 + precision;
  if (sig <= 0) return r.toFixed(Math.min(precision, 100)).padEnd(precision > 100 ? 2 + precision : 0, '0');
  if (sig > maxSig) sig = maxSig;
  const { digits, exp } = roundSig(r, sig);
  let intPart: string;
  let frac: string;
  if (exp >= 0) {
    const all = digits.padEnd(exp + 1, '0');
    intPart = all.slice(0, exp + 1);
    frac = all.slice(exp + 1);
  } else {
    intPart = '0';
    frac = '0'.repeat(-exp - 1) + digits;
  }
  frac = frac.padEnd(precision, '0').slice(0, precision);
  return precision > 0 ? `${intPart}.${frac}` : intPart;
}

function expDigits(r: number, precision: number, upper: boolean, maxSig = 16): string {
  let digits: string;
  let exp: number;
  if (r === 0) {
    digits = '0'.repeat(precision + 1);
    exp = 0;
  } else {
    ({ digits, exp } = roundSig(r, Math.min(precision + 1, maxSig)));
    digits = digits.padEnd(precision + 1, '0');
  }
  const mant = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits.slice(0, 1);
  const es = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${mant}${upper ? 'E' : 'e'}${es}`;
}

function keepOneDecimal(s: string): string {
  const e = s.search(/[eE]/);
  let mant = e < 0 ? s : s.slice(0, e);
  const tail = e < 0 ? '' : s.slice(e);
  mant = mant.includes('.') ? mant.replace(/0+$/, '') : `${mant}.`;
  return (mant.endsWith('.') ? `${mant}0` : mant) + tail;
}

function stripZeros(s: string): string {
  const e = s.search(/[eE]/);
  const mant = e < 0 ? s : s.slice(0, e);
  const tail = e < 0 ? '' : s.slice(e);
  if (!mant.includes('.')) return s;
  return mant.replace(/0+$/, '').replace(/\.$/, '') + tail;
}

function formatFloat(v: number, spec: Spec, conv: 'f' | 'e' | 'E' | 'g' | 'G'): string {
  const r = Math.abs(v);
  let prefix = signPrefix(v < 0, spec); // -0.0 prints without a sign (the test is realvalue<0)
  let precision = spec.precision ?? 6;
  if (!Number.isFinite(r)) {
    if (!spec.zero) return prefix + 'Inf';
    // With the 0 flag SQLite prints infinity as the number 9e+999.
    const upper = conv === 'E' || conv === 'G';
    const e = upper ? 'E+999' : 'e+999';
    let body: string;
    if (conv === 'f') {
      const int = `9${'0'.repeat(999)}`;
      body = `${spec.comma ? withCommas(int) : int}${precision > 0 || spec.alt ? `.${'0'.repeat(precision)}` : ''}`;
    }
    else if (conv === 'e' || conv === 'E') body = `9${precision > 0 || spec.alt ? `.${'0'.repeat(precision)}` : ''}${e}`;
    else body = spec.alt ? `9.${'0'.repeat(Math.max(precision, 1) - 1)}${e}` : `9${e}`;
    if (spec.bang && !(spec.alt && (conv === 'g' || conv === 'G'))) body = keepOneDecimal(body);
    return zeroFill(prefix, body, spec);
  }
  // Significant digits SQLite works out before padding with zeros. With the ! flag SQLite ≥ 3.43
  // works out up to 26 by its own double-double arithmetic (its last digits are not the exact
  // expansion): beyond 16 digits we keep padding with zeros, a documented difference.
  const maxSig = 16;
  let body: string;
  if (conv === 'f') {
    body = fixedDigits(r, precision, maxSig);
    if (spec.alt && !body.includes('.')) body += '.';
    // SQLite's alternate form drops the minus sign of a value that rounds to zero.
    // (Observed in SQLite 3.5x: only when neither + nor space was given.)
    if (spec.alt && v < 0 && spec.prefix === '' && /^[0.]*$/.test(body)) prefix = '';
  } else if (conv === 'e' || conv === 'E') {
    body = expDigits(r, precision, conv === 'E', maxSig);
    if (spec.alt && !body.includes('.')) body = body.replace(/[eE]/, (m) => `.${m}`);
  } else {
    if (precision === 0) precision = 1;
    const exp = r === 0 ? 0 : roundSig(r, Math.min(precision, maxSig)).exp;
    if (exp < -4 || exp >= precision) body = expDigits(r, precision - 1, conv === 'G', maxSig);
    else body = fixedDigits(r, precision - 1 - exp, maxSig);
    if (!spec.alt) body = stripZeros(body);
    else if (!body.includes('.')) body = body.replace(/([eE]|$)/, '.$1');
  }
  // The ! flag on a float: a decimal point always, trailing zeros dropped but one digit kept
  // after it (SQLite's flag_altform2 with flag_rtz; %#!g keeps its zeros).
  if (spec.bang && !(spec.alt && (conv === 'g' || conv === 'G'))) body = keepOneDecimal(body);
  if (spec.comma) {
    const dot = body.indexOf('.');
    const intPart = dot < 0 ? body : body.slice(0, dot);
    if (/^[0-9]+$/.test(intPart)) body = withCommas(intPart) + (dot < 0 ? '' : body.slice(dot));
  }
  return zeroFill(prefix, body, spec);
}
