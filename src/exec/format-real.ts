/**
 * A REAL rendered as text the way SQLite renders it (`%!.15g`): up to 15 significant digits,
 * always with a decimal point or an exponent, so that 2.0 stays "2.0" and 1e300 is "1.0e+300".
 */
export function formatReal(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const exponent = Math.floor(Math.log10(Math.abs(v)));
  if (exponent < -4 || exponent >= 15) {
    // %g switches to exponent form: mantissa with up to 15 significant digits.
    const [mantissa = '', exp = '0'] = v.toExponential(14).split('e');
    let m = mantissa.replace(/0+$/, '');
    if (m.endsWith('.')) m += '0';
    if (!m.includes('.')) m += '.0';
    const e = Number(exp);
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  let s = v.toPrecision(15);
  if (s.includes('e')) return formatReal(Number(s));
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '.0');
  else s += '.0';
  return s;
}
