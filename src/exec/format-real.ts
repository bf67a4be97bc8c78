/**
 * A REAL rendered as text the way SQLite renders it (sqlite3VdbeMemStringify → "%!.*g" with
 * the connection's 17 digits, SQLite ≥ 3.47 as shipped in the sql.js oracle):
 *
 * - the digits are the value rounded to 15 significant digits when that reads back as the
 *   same double, otherwise 17 significant digits;
 * - %g's layout with precision 17: plain decimal for decimal exponents -4..16, else
 *   `d.ddde±XX`; always a decimal point (`!` flag), so 2.0 stays "2.0", 1e300 is "1.0e+300",
 *   1e15 is "1000000000000000.0";
 * - -0.0 renders as "0.0"; ±Infinity as "Inf"/"-Inf".
 *
 * Known difference: SQLite computes the 17-digit form with a 96-bit approximation of the
 * power of ten, so its 17th digit can differ from the exact one used here (1/3.0 → SQLite
 * "0.33333333333333332", here "0.33333333333333331"). Older SQLite (the 3.40 sqlite3 shell)
 * used "%!.15g" for every value.
 */
export function formatReal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0.0';
  let digits = v.toExponential(14);
  if (Number(digits) !== v) digits = v.toExponential(16);
  return layoutG(digits, 17);
}

/**
 * A REAL as "%!.15g" renders it: 15 significant digits, always, and %g's layout for precision
 * 15 (plain decimal for decimal exponents -4..14, else `d.ddde±XX`). This is the text of every
 * REAL in SQLite up to 3.46 (the 3.40 sqlite3 shell here shows values this way), and what the
 * CLI's table and CSV output show: readable, and never a digit that is not significant.
 */
export function formatReal15(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0.0'; // -0.0 too, as SQLite prints it
  return layoutG(v.toExponential(14), 15);
}

/** `d.ddddde±X` (JavaScript's toExponential) laid out as SQLite's "%!.<precision>g". */
function layoutG(digits: string, precision: number): string {
  const [mantissa = '', exp = '0'] = digits.split('e');
  const e = Number(exp);
  const negative = mantissa.startsWith('-');
  const sig = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  const sign = negative ? '-' : '';
  if (e < -4 || e >= precision) {
    const m = sig.length > 1 ? `${sig[0]}.${sig.slice(1)}` : `${sig}.0`;
    return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${sig}`;
  const intPart = sig.slice(0, e + 1).padEnd(e + 1, '0');
  const frac = sig.slice(e + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}
