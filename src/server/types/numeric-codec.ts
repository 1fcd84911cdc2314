/**
 * Numbers as Postgres writes and reads them: numeric exactly (decimal text,
 * and the binary base-10000 form numeric_send writes), floats in the
 * shortest text that reads back to the same value, as Postgres 12+ prints
 * them (extra_float_digits 1, what clients set).
 * @see https://www.postgresql.org/docs/current/datatype-numeric.html
 */

/** The decimal text of `unscaled` / 10^scale, with `scale` fraction digits. */
export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const cut = digits.length - scale;
  return `${neg ? '-' : ''}${digits.slice(0, cut)}${scale > 0 ? `.${digits.slice(cut)}` : ''}`;
}

/**
 * A decimal string ('-12.50', '1E+3', '.5') as an unscaled integer and a
 * scale ('1E+3' is 1000 with scale 0); undefined when it is not one.
 */
export function parseDecimal(text: string): { unscaled: bigint; scale: number } | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?\s*$/i.exec(text);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? 0);
  if (Math.abs(exp) > 1000) return undefined;
  let digits = `${m[2]}${frac}`;
  let scale = frac.length - exp;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  const unscaled = BigInt(digits || '0');
  return { unscaled: m[1] === '-' ? -unscaled : unscaled, scale };
}

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/** Postgres binary numeric of decimal text: base-10000 digits with weight, sign and display scale. */
export function encodeNumericBinary(text: string): Buffer {
  const special = { NaN: NUMERIC_NAN, Infinity: NUMERIC_PINF, '-Infinity': NUMERIC_NINF }[text];
  if (special !== undefined) {
    const b = Buffer.alloc(8);
    b.writeUInt16BE(special, 4);
    return b;
  }
  const neg = text.startsWith('-');
  const [intPart = '0', fracPart = ''] = (neg ? text.slice(1) : text).split('.');
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const digits: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) digits.push(Number(intPadded.slice(i, i + 4)));
  const intGroups = digits.length;
  for (let i = 0; i < fracPadded.length; i += 4) digits.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intGroups - 1;
  while (digits.length > 0 && digits[0] === 0) {
    digits.shift();
    weight--;
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits.pop();
  const b = Buffer.alloc(8 + digits.length * 2);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(digits.length === 0 ? 0 : weight, 2);
  b.writeUInt16BE(neg && digits.length > 0 ? NUMERIC_NEG : NUMERIC_POS, 4);
  b.writeInt16BE(fracPart.length, 6);
  for (const [i, d] of digits.entries()) b.writeInt16BE(d, 8 + i * 2);
  return b;
}

/** Postgres binary numeric as its decimal text ('NaN', 'Infinity', '-Infinity' for those). */
export function decodeNumericBinary(b: Buffer): string {
  const n = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  if (b.length < 8 + n * 2) throw new RangeError('numeric digits past the end of the value');
  let intPart = '';
  let frac = '';
  for (let i = 0; i < n; i++) {
    const d = String(b.readInt16BE(8 + i * 2)).padStart(4, '0');
    if (i <= weight) intPart += d;
    else frac += d;
  }
  for (let i = n; i <= weight; i++) intPart += '0000';
  if (weight < -1) frac = '0000'.repeat(-weight - 1) + frac;
  intPart = intPart.replace(/^0+/, '') || '0';
  frac = frac.padEnd(dscale, '0').slice(0, dscale);
  return `${sign === NUMERIC_NEG ? '-' : ''}${intPart}${frac ? `.${frac}` : ''}`;
}

/**
 * A float in Postgres' output: the shortest digits that read back to the
 * same float4/float8, fixed notation for decimal exponents from -4 up to
 * 5 (float4) or 14 (float8), else '1.5e+20'; NaN, Infinity, -Infinity.
 */
export function floatText(n: number, float4: boolean): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  let exp = (float4 ? shortestFloat4(n) : n).toExponential();
  const neg = exp.startsWith('-');
  if (neg) exp = exp.slice(1);
  const [mantissa = '', e = '0'] = exp.split('e');
  const digits = mantissa.replace('.', '');
  const power = Number(e);
  const sign = neg ? '-' : '';
  if (power < -4 || power >= (float4 ? 6 : 15)) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${power < 0 ? '-' : '+'}${String(Math.abs(power)).padStart(2, '0')}`;
  }
  if (power < 0) return `${sign}0.${'0'.repeat(-power - 1)}${digits}`;
  if (digits.length <= power + 1) return `${sign}${digits}${'0'.repeat(power + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, power + 1)}.${digits.slice(power + 1)}`;
}

/** The double of the fewest significant digits that is still the same float4. */
function shortestFloat4(n: number): number {
  for (let p = 1; p < 9; p++) {
    const v = Number(n.toPrecision(p));
    if (Math.fround(v) === n) return v;
  }
  return Number(n.toPrecision(9));
}
