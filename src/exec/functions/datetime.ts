/**
 * Date and time functions (https://www.sqlite.org/lang_datefunc.html), after SQLite's date.c:
 * a moment is a Julian day number in integer milliseconds (`jd`), computed from or broken
 * down into year/month/day and hour/minute/second with the same integer formulas, so that
 * rounding and out-of-range days ('2023-02-31' → 2023-03-03) behave as in SQLite.
 *
 * Differences: the 'localtime' and 'utc' modifiers are accepted and do nothing (this engine
 * has no time zone database; local time is treated as UTC). 'now' is the statement's
 * `EvalContext.now`.
 */
import type { Value } from '../value.js';
import { blobToText, parseNumberPrefix, toReal, valueToText } from '../expr/value-ops.js';

interface DateTime {
  jd: number; // milliseconds since the Julian epoch (exact integer in a double)
  Y: number;
  M: number;
  D: number;
  h: number;
  m: number;
  s: number; // seconds with fraction
  tz: number; // minutes east of UTC from a suffix like -04:00
  validJD: boolean;
  validYMD: boolean;
  validHMS: boolean;
  rawS: boolean; // the input was a bare number (for 'unixepoch' / 'auto')
  raw: number;
  subsec: boolean;
  /**
   * Days the last month/year arithmetic ran past the end of its month ('2024-01-31' +1 month →
   * Feb 31 = Mar 2: 2): what the 'floor' modifier takes back (SQLite ≥ 3.46's nFloor).
   */
  floor: number;
  /** A 'utc' modifier was applied. */
  tzSet: boolean;
  /** A year outside -4713..9999 was met while computing (datetimeError): the result is NULL. */
  error: boolean;
}

const MAX_JD = 464269060799999;

function fresh(): DateTime {
  return { jd: 0, Y: 2000, M: 1, D: 1, h: 0, m: 0, s: 0, tz: 0, validJD: false, validYMD: false, validHMS: false, rawS: false, raw: 0, subsec: false, floor: 0, tzSet: false, error: false };
}

function idiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

function computeJD(p: DateTime): void {
  if (p.validJD) return;
  let Y = p.validYMD ? p.Y : 2000;
  let M = p.validYMD ? p.M : 1;
  const D = p.validYMD ? p.D : 1;
  if (Y < -4713 || Y > 9999 || p.rawS) {
    p.error = true;
    p.validJD = true;
    return;
  }
  if (M <= 2) {
    Y--;
    M += 12;
  }
  // Gregorian correction with floor division, so that years before 0 get the proleptic leap rules.
  const A = Math.floor(Y / 100);
  const B = 2 - A + Math.floor(A / 4);
  const X1 = idiv(36525 * (Y + 4716), 100);
  const X2 = idiv(306001 * (M + 1), 10000);
  p.jd = Math.trunc((X1 + X2 + D + B - 1524.5) * 86400000);
  p.validJD = true;
  if (p.validHMS) {
    p.jd += p.h * 3600000 + p.m * 60000 + Math.trunc(p.s * 1000 + 0.5);
    if (p.tz !== 0) {
      p.jd -= p.tz * 60000;
      p.validYMD = false;
      p.validHMS = false;
      p.tz = 0;
    }
  }
}

function computeYMD(p: DateTime): void {
  if (p.validYMD) return;
  if (!p.validJD) {
    p.Y = 2000;
    p.M = 1;
    p.D = 1;
  } else if (p.jd < 0 || p.jd > MAX_JD) {
    p.error = true;
    return;
  } else {
    const Z = idiv(p.jd + 43200000, 86400000);
    const alpha = Math.trunc((Z + 32044.75) / 36524.25) - 52;
    const A = Z + 1 + alpha - idiv(alpha + 100, 4) + 25;
    const B = A + 1524;
    const C = Math.trunc((B - 122.1) / 365.25);
    const D = idiv(36525 * (C & 32767), 100);
    const E = Math.trunc((B - D) / 30.6001);
    const X1 = Math.trunc(30.6001 * E);
    p.D = B - D - X1;
    p.M = E < 14 ? E - 1 : E - 13;
    p.Y = p.M > 2 ? C - 4716 : C - 4715;
    p.rawS = false; // the bare number has been taken as a Julian day
  }
  p.validYMD = true;
}

function computeHMS(p: DateTime): void {
  if (p.validHMS) return;
  computeJD(p);
  const dayMs = (p.jd + 43200000) % 86400000;
  p.s = (dayMs % 60000) / 1000;
  const dayMin = idiv(dayMs, 60000);
  p.m = dayMin % 60;
  p.h = idiv(dayMin, 60);
  p.validHMS = true;
}

function computeYMDHMS(p: DateTime): void {
  computeYMD(p);
  computeHMS(p);
}

/** How far past its month's end the day of p's Y-M-D lies (date.c's computeFloor). */
function computeFloor(p: DateTime): void {
  const leap = p.Y % 4 === 0 && (p.Y % 100 !== 0 || p.Y % 400 === 0);
  if (p.D <= 28 || [1, 3, 5, 7, 8, 10, 12].includes(p.M)) p.floor = 0;
  else if (p.M !== 2) p.floor = p.D === 31 ? 1 : 0;
  else p.floor = p.D - (leap ? 29 : 28);
}

function clearYMDHMS(p: DateTime): void {
  p.validYMD = false;
  p.validHMS = false;
  p.tz = 0;
}

function setRawNumber(p: DateTime, r: number): void {
  p.raw = r;
  p.rawS = true;
  if (r >= 0 && r < 5373484.5) {
    p.jd = Math.trunc(r * 86400000 + 0.5);
    p.validJD = true;
  }
}

const HMS = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?/;

/** HH:MM[:SS[.SSS]] then an optional time zone, then nothing but spaces. */
function parseHms(z: string, p: DateTime): boolean {
  const m = HMS.exec(z);
  if (!m) return false;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const sec = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 24 || mi > 59 || sec > 59) return false;
  let frac = 0;
  if (m[4] !== undefined) frac = Number(`0${m[4]}`);
  let rest = z.slice(m[0].length);
  p.validJD = false;
  p.rawS = false;
  p.validHMS = true;
  p.h = h;
  p.m = mi;
  p.s = sec + frac;
  // Time zone: [spaces] Z | [+-]HH:MM
  rest = rest.replace(/^[ \t\n\v\f\r]+/, '');
  p.tz = 0;
  const tz = /^([+-])(\d{2}):(\d{2})/.exec(rest);
  if (tz) {
    const th = Number(tz[2]);
    const tm = Number(tz[3]);
    if (th > 14 || tm > 59) return false;
    p.tz = (tz[1] === '-' ? -1 : 1) * (th * 60 + tm);
    rest = rest.slice(tz[0].length);
  } else if (rest[0] === 'Z' || rest[0] === 'z') {
    rest = rest.slice(1);
  }
  return /^[ \t\n\v\f\r]*$/.test(rest);
}

const YMD = /^(-?)(\d{4})-(\d{2})-(\d{2})/;

function parseYmd(z: string, p: DateTime): boolean {
  const m = YMD.exec(z);
  if (!m) return false;
  const Y = Number(m[2]);
  const M = Number(m[3]);
  const D = Number(m[4]);
  if (M < 1 || M > 12 || D < 1 || D > 31) return false;
  let rest = z.slice(m[0].length);
  rest = rest.replace(/^[ \t\n\v\f\r]+|^T/, '');
  if (rest.length > 0 && !/^[ \t\n\v\f\r]*$/.test(rest)) {
    if (!parseHms(rest, p)) return false;
  } else {
    p.validHMS = false;
  }
  p.validJD = false;
  p.validYMD = true;
  p.Y = m[1] === '-' ? -Y : Y;
  p.M = M;
  p.D = D;
  return true;
}

function parseDateOrTime(z: string, p: DateTime, now: Date): boolean {
  if (parseYmd(z, p)) return true;
  if (parseHms(z, p)) return true;
  if (z.toLowerCase() === 'now') {
    p.jd = now.getTime() + 210866760000000;
    p.validJD = true;
    return true;
  }
  const n = parseNumberPrefix(z);
  if (n.whole) {
    setRawNumber(p, Number(n.value));
    return true;
  }
  if (z.toLowerCase() === 'subsec' || z.toLowerCase() === 'subsecond') {
    return false;
  }
  return false;
}

const UNITS: ReadonlyArray<{ name: string; limit: number; ms: number }> = [
  { name: 'second', limit: 4.6427e14, ms: 1000 },
  { name: 'minute', limit: 7.7379e12, ms: 60000 },
  { name: 'hour', limit: 1.2897e11, ms: 3600000 },
  { name: 'day', limit: 5373485.0, ms: 86400000 },
  { name: 'month', limit: 176546.0, ms: 2592000000 },
  { name: 'year', limit: 14713.0, ms: 31536000000 },
];

/** Applies one modifier; false when it is not a valid modifier here. */
function applyModifier(mod: string, p: DateTime, first: boolean): boolean {
  const z = mod.toLowerCase();
  switch (z) {
    case 'localtime':
      computeJD(p);
      return true;
    case 'utc':
      // The first 'utc' rebuilds the moment from scratch in SQLite: what 'subsec' and the
      // month arithmetic left for 'floor' are forgotten; later ones do nothing.
      computeJD(p);
      if (!p.tzSet) {
        p.floor = 0;
        p.subsec = false;
        p.tzSet = true;
      }
      return true;
    case 'unixepoch':
      if (!first || !p.rawS) return false;
      {
        const r = p.raw * 1000 + 210866760000000;
        if (!(r >= 0 && r < MAX_JD + 1)) return false;
        clearYMDHMS(p);
        p.jd = Math.trunc(r + (r < 0 ? -0.5 : 0.5));
        p.validJD = true;
        p.rawS = false;
      }
      return true;
    case 'julianday':
      if (!first || !p.rawS) return false;
      p.rawS = false;
      return p.validJD;
    case 'auto':
      if (!first || !p.rawS) return false;
      if (p.validJD) {
        // 0 ≤ n < 5373484.5 was already taken as a Julian day number
      } else if (p.raw >= -210866760000 && p.raw <= 253402300799) {
        const r = p.raw * 1000 + 210866760000000;
        clearYMDHMS(p);
        p.jd = Math.trunc(r + 0.5);
        p.validJD = true;
      }
      p.rawS = false;
      return p.validJD;
    case 'subsec':
    case 'subsecond':
      p.subsec = true;
      return true;
    case 'ceiling':
      // The day past the month's end stays where the arithmetic put it (SQLite's default).
      computeJD(p);
      clearYMDHMS(p);
      p.floor = 0;
      return true;
    case 'floor':
      computeJD(p);
      p.jd -= p.floor * 86400000;
      clearYMDHMS(p);
      return true;
    case 'start of day':
    case 'start of month':
    case 'start of year':
      computeYMD(p);
      if (z === 'start of month' || z === 'start of year') p.D = 1;
      if (z === 'start of year') p.M = 1;
      p.validHMS = true;
      p.h = 0;
      p.m = 0;
      p.s = 0;
      p.tz = 0;
      p.validJD = false;
      p.rawS = false;
      return true;
  }
  const wd = /^weekday ([0-9.+-]+)\s*$/.exec(z);
  if (wd) {
    const r = Number(wd[1]);
    if (!Number.isInteger(r) || r < 0 || r > 6) return false;
    computeYMDHMS(p);
    p.tz = 0;
    p.validJD = false;
    computeJD(p);
    let Z = idiv(p.jd + 129600000, 86400000) % 7;
    if (Z > r) Z -= 7;
    p.jd += (r - Z) * 86400000;
    clearYMDHMS(p);
    p.rawS = false;
    return true;
  }
  const ymd = /^([+-])(\d{4,5})-(\d{2})-(\d{2})(?:[ \t\n\v\f\r](\d{2}:\d{2}.*))?$/.exec(z);
  if (ymd) {
    // (+|-)YYYY-MM-DD [HH:MM[:SS[.FFF]]] adds or subtracts years, months (0–11), days (0–30)
    // and then that much time.
    const Y = Number(ymd[2]);
    const M = Number(ymd[3]);
    let D = Number(ymd[4]);
    if (Y > 14712 || M >= 12 || D >= 31) return false;
    computeYMDHMS(p);
    p.validJD = false;
    if (ymd[1] === '-') {
      p.Y -= Y;
      p.M -= M;
      D = -D;
    } else {
      p.Y += Y;
      p.M += M;
    }
    const x = p.M > 0 ? idiv(p.M - 1, 12) : idiv(p.M - 12, 12);
    p.Y += x;
    p.M -= x * 12;
    computeFloor(p);
    computeJD(p);
    p.validHMS = false;
    p.validYMD = false;
    p.jd += D * 86400000;
    return ymd[5] === undefined || addTime(ymd[5], ymd[1] === '-', p);
  }
  const offset = /^([+-]?)(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(z.trim());
  // (+|-)HH:MM[:SS[.FFF]] adds or subtracts that much time.
  if (offset) return addTime(offset[2]!, offset[1] === '-', p);
  const num = /^[ \t]*([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)[ \t]*([a-z]+)[ \t]*$/.exec(z);
  if (!num) return false;
  let r = Number(num[1]);
  let unit = num[2]!;
  if (unit.length > 3 && unit.endsWith('s')) unit = unit.slice(0, -1);
  const i = UNITS.findIndex((u) => u.name === unit);
  if (i < 0) return false;
  const spec = UNITS[i]!;
  if (!(Math.abs(r) < spec.limit)) return false;
  computeJD(p);
  p.rawS = false;
  const rounder = r < 0 ? -0.5 : 0.5;
  if (spec.name === 'month') {
    computeYMDHMS(p);
    p.M += Math.trunc(r);
    const x = p.M > 0 ? idiv(p.M - 1, 12) : idiv(p.M - 12, 12);
    p.Y += x;
    p.M -= x * 12;
    computeFloor(p);
    p.validJD = false;
    r -= Math.trunc(r);
  } else if (spec.name === 'year') {
    computeYMDHMS(p);
    p.Y += Math.trunc(r);
    computeFloor(p);
    p.validJD = false;
    r -= Math.trunc(r);
  } else {
    p.floor = 0; // days, hours, … leave nothing for 'floor' to take back
  }
  computeJD(p);
  p.jd += Math.trunc(r * spec.ms + rounder);
  clearYMDHMS(p);
  return true;
}

/** HH:MM[:SS[.FFF]] (with what parseHms accepts after it) added to, or taken from, p. */
function addTime(text: string, negative: boolean, p: DateTime): boolean {
  const tx = fresh();
  if (!parseHms(text, tx)) return false;
  tx.validYMD = false;
  computeJD(tx);
  let delta = tx.jd - 43200000;
  delta -= Math.trunc(delta / 86400000) * 86400000;
  if (negative) delta = -delta;
  computeJD(p);
  clearYMDHMS(p);
  p.rawS = false;
  p.jd += delta;
  return true;
}

/** Function arguments reach date.c as C strings: they end at the first NUL. */
function cString(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

/** isDate: the first argument (a time value) and modifiers → a moment, or undefined (→ NULL). */
function toDateTime(args: readonly Value[], now: Date): DateTime | undefined {
  const p = fresh();
  if (args.length === 0) {
    p.jd = now.getTime() + 210866760000000;
    p.validJD = true;
  } else {
    const v = args[0]!;
    if (v === null) return undefined;
    if (typeof v === 'bigint' || typeof v === 'number') setRawNumber(p, toReal(v));
    else if (!parseDateOrTime(cString(typeof v === 'string' ? v : blobToText(v)), p, now)) return undefined;
  }
  for (let i = 1; i < args.length; i++) {
    const m = args[i]!;
    if (m === null) return undefined;
    const text = cString(valueToText(m) ?? '');
    if (!applyModifier(text, p, i === 1)) return undefined;
  }
  computeJD(p);
  if (p.error || !p.validJD || p.jd < 0 || p.jd > MAX_JD) return undefined;
  // A day past the month's end ('2024-02-30') or 24:00 is normalized through the Julian day.
  if (args.length <= 1 && p.validYMD && p.D > 28) p.validYMD = false;
  if (p.validHMS && p.h >= 24) {
    p.validYMD = false;
    p.validHMS = false;
  }
  return p;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

function dateText(p: DateTime): string {
  computeYMD(p);
  return `${pad(p.Y, 4)}-${pad(p.M, 2)}-${pad(p.D, 2)}`;
}

function timeText(p: DateTime): string {
  computeHMS(p);
  const base = `${pad(p.h, 2)}:${pad(p.m, 2)}`;
  if (p.subsec) return `${base}:${secondsFraction(p.s)}`;
  return `${base}:${pad(Math.trunc(p.s), 2)}`;
}

/** %f: SS.SSS, never rounding up to 60. */
function secondsFraction(s: number): string {
  const v = Math.min(s, 59.999);
  return v.toFixed(3).padStart(6, '0');
}

function unixSeconds(p: DateTime): number {
  return Math.trunc(p.jd / 1000) - 210866760000;
}

/**
 * timediff(A, B): what must be added to B to reach A, as `±YYYY-MM-DD HH:MM:SS.SSS` — whole
 * years and months first (walking B's calendar), then the remaining days and time.
 */
export function timediffFn(args: readonly Value[], now: Date): Value {
  const d1 = toDateTime([args[0] ?? null], now);
  const d2 = toDateTime([args[1] ?? null], now);
  if (d1 === undefined || d2 === undefined) return null;
  computeYMDHMS(d1);
  computeYMDHMS(d2);
  const moveTo = (Y: number, M: number): void => {
    d2.Y = Y;
    d2.M = M;
    d2.validJD = false;
    computeJD(d2);
  };
  const forward = d1.jd >= d2.jd;
  let Y = forward ? d1.Y - d2.Y : d2.Y - d1.Y;
  if (Y !== 0) moveTo(d1.Y, d2.M);
  let M = forward ? d1.M - d2.M : d2.M - d1.M;
  if (M < 0) {
    Y--;
    M += 12;
  }
  if (M !== 0) moveTo(d2.Y, d1.M);
  while (forward ? d1.jd < d2.jd : d1.jd > d2.jd) {
    M--;
    if (M < 0) {
      M = 11;
      Y--;
    }
    let m2 = d2.M + (forward ? -1 : 1);
    let y2 = d2.Y;
    if (m2 < 1) {
      m2 = 12;
      y2--;
    } else if (m2 > 12) {
      m2 = 1;
      y2++;
    }
    moveTo(y2, m2);
  }
  const rest = fresh();
  rest.jd = (forward ? d1.jd - d2.jd : d2.jd - d1.jd) + 148699540800000;
  rest.validJD = true;
  computeYMDHMS(rest);
  if (rest.error) return null;
  return `${forward ? '+' : '-'}${pad(Y, 4)}-${pad(M, 2)}-${pad(rest.D - 1, 2)} ${pad(rest.h, 2)}:${pad(rest.m, 2)}:${rest.s.toFixed(3).padStart(6, '0')}`;
}

export function dateFn(args: readonly Value[], now: Date): Value {
  const p = toDateTime(args, now);
  return p === undefined ? null : dateText(p);
}
export function timeFn(args: readonly Value[], now: Date): Value {
  const p = toDateTime(args, now);
  return p === undefined ? null : timeText(p);
}
export function datetimeFn(args: readonly Value[], now: Date): Value {
  const p = toDateTime(args, now);
  return p === undefined ? null : `${dateText(p)} ${timeText(p)}`;
}
export function juliandayFn(args: readonly Value[], now: Date): Value {
  const p = toDateTime(args, now);
  return p === undefined ? null : p.jd / 86400000;
}
export function unixepochFn(args: readonly Value[], now: Date): Value {
  const p = toDateTime(args, now);
  if (p === undefined) return null;
  if (p.subsec) return (p.jd - 210866760000000) / 1000;
  return BigInt(unixSeconds(p));
}

function daysAfterJan01(p: DateTime): number {
  computeYMDHMS(p);
  // January 1st at the same time of day (the +12h only guards against rounding).
  const y: DateTime = { ...p, M: 1, D: 1, validJD: false, tz: 0 };
  computeJD(y);
  return idiv(p.jd - y.jd + 43200000, 86400000);
}

export function strftimeFn(args: readonly Value[], now: Date): Value {
  const fmt = args[0];
  if (fmt === null || fmt === undefined) return null;
  const p = toDateTime(args.slice(1), now);
  if (p === undefined) return null;
  computeYMDHMS(p);
  const f = cString(valueToText(fmt) ?? '');
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const ch = f[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const c = f[++i];
    switch (c) {
      case 'd':
        out += pad(p.D, 2);
        break;
      case 'e':
        out += String(p.D).padStart(2, ' ');
        break;
      case 'f':
        out += secondsFraction(p.s);
        break;
      case 'F':
        out += `${yearC(p.Y)}-${pad(p.M, 2)}-${pad(p.D, 2)}`;
        break;
      case 'H':
        out += pad(p.h, 2);
        break;
      case 'k':
        out += String(p.h).padStart(2, ' ');
        break;
      case 'I':
      case 'l': {
        const h12 = p.h % 12 === 0 ? 12 : p.h % 12;
        out += c === 'I' ? pad(h12, 2) : String(h12).padStart(2, ' ');
        break;
      }
      case 'p':
        out += p.h >= 12 ? 'PM' : 'AM';
        break;
      case 'P':
        out += p.h >= 12 ? 'pm' : 'am';
        break;
      case 'j':
        out += pad(daysAfterJan01(p) + 1, 3);
        break;
      case 'J':
        out += formatG16(p.jd / 86400000);
        break;
      case 'm':
        out += pad(p.M, 2);
        break;
      case 'M':
        out += pad(p.m, 2);
        break;
      case 'R':
        out += `${pad(p.h, 2)}:${pad(p.m, 2)}`;
        break;
      case 's':
        out += p.subsec ? ((p.jd - 210866760000000) / 1000).toFixed(3) : String(unixSeconds(p));
        break;
      case 'S':
        out += pad(Math.trunc(p.s), 2);
        break;
      case 'T':
        out += `${pad(p.h, 2)}:${pad(p.m, 2)}:${pad(Math.trunc(p.s), 2)}`;
        break;
      case 'u':
        out += String((idiv(p.jd + 43200000, 86400000) % 7) + 1);
        break;
      case 'w':
        out += String(idiv(p.jd + 129600000, 86400000) % 7);
        break;
      case 'U':
        out += pad(idiv(daysAfterJan01(p) + 7 - (idiv(p.jd + 129600000, 86400000) % 7), 7), 2);
        break;
      case 'W':
        out += pad(idiv(daysAfterJan01(p) + 7 - (idiv(p.jd + 43200000, 86400000) % 7), 7), 2);
        break;
      case 'Y':
        // C's %04d: the sign counts toward the width (-999, -005).
        out += yearC(p.Y);
        break;
      case '%':
        out += '%';
        break;
      default:
        return null;
    }
  }
  return out;
}

/** C's %04d: the sign counts toward the width (-999, -005). */
function yearC(y: number): string {
  return y < 0 ? `-${String(-y).padStart(3, '0')}` : pad(y, 4);
}

/** printf("%.16g") for %J. */
function formatG16(r: number): string {
  let s = r.toPrecision(16);
  if (s.includes('e')) return s;
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** CURRENT_TIME / CURRENT_DATE / CURRENT_TIMESTAMP at the statement's `now`. */
export function currentTimeValue(which: 'CURRENT_TIME' | 'CURRENT_DATE' | 'CURRENT_TIMESTAMP', now: Date): Value {
  switch (which) {
    case 'CURRENT_TIME':
      return timeFn([], now);
    case 'CURRENT_DATE':
      return dateFn([], now);
    case 'CURRENT_TIMESTAMP':
      return datetimeFn([], now);
  }
}
