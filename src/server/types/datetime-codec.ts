/**
 * Dates, times, timestamps and intervals as Postgres writes and reads them,
 * to the microsecond: text in DateStyle ISO and IntervalStyle postgres (what
 * the server reports), binary as integers from 2000-01-01. Values come as
 * microseconds (bigint) since 1970 and days since 1970, as DuckDB keeps them.
 * @see https://www.postgresql.org/docs/current/datatype-datetime.html
 */

export const MICROS_PER_DAY = 86_400_000_000n;
/** 2000-01-01, Postgres' binary epoch, in days and microseconds since 1970-01-01. */
export const PG_EPOCH_DAYS = 10_957;
export const PG_EPOCH_MICROS = BigInt(PG_EPOCH_DAYS) * MICROS_PER_DAY;

/** DuckDB's infinite timestamps (node-api's PosInf/NegInf) and dates. */
export const TIMESTAMP_INFINITY = 2n ** 63n - 1n;
export const DATE_INFINITY = 2 ** 31 - 1;
/** Postgres' binary infinities: DT_NOEND/DT_NOBEGIN, DATEVAL_NOEND/DATEVAL_NOBEGIN. */
export const PG_TIMESTAMP_END = 2n ** 63n - 1n;
export const PG_TIMESTAMP_BEGIN = -(2n ** 63n);
export const PG_DATE_END = 2 ** 31 - 1;
export const PG_DATE_BEGIN = -(2 ** 31);

const pad = (n: number | bigint, width = 2): string => String(n).padStart(width, '0');

/** Year, month, day of a day count since 1970-01-01, proleptic Gregorian (year 0 is 1 BC). */
function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** 'YYYY-MM-DD' and whether it is BC (Postgres puts ' BC' last). */
function dayText(days: number): { text: string; bc: boolean } {
  const { y, m, d } = civilFromDays(days);
  const bc = y <= 0;
  return { text: `${pad(bc ? 1 - y : y, 4)}-${pad(m)}-${pad(d)}`, bc };
}

/** '.ffffff' without trailing zeros; '' for a whole second. */
function fractionText(micros: bigint): string {
  return micros === 0n ? '' : `.${pad(micros, 6).replace(/0+$/, '')}`;
}

/** HH:MM:SS[.ffffff] of microseconds into a day (24:00:00 included). */
export function timeText(micros: bigint): string {
  const secs = micros / 1_000_000n;
  return `${pad(secs / 3600n)}:${pad((secs / 60n) % 60n)}:${pad(secs % 60n)}${fractionText(micros % 1_000_000n)}`;
}

export function dateText(days: number): string {
  if (days >= DATE_INFINITY) return 'infinity';
  if (days <= -DATE_INFINITY) return '-infinity';
  const { text, bc } = dayText(days);
  return bc ? `${text} BC` : text;
}

/** A timestamp of microseconds since 1970; `tz`: with the zone the server reports (UTC, '+00'). */
export function timestampText(micros: bigint, tz: boolean): string {
  if (micros >= TIMESTAMP_INFINITY) return 'infinity';
  if (micros <= -TIMESTAMP_INFINITY) return '-infinity';
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const { text, bc } = dayText(Number(days));
  return `${text} ${timeText(rest)}${tz ? '+00' : ''}${bc ? ' BC' : ''}`;
}

/** Postgres' zone text of an offset in seconds east of UTC: +05:30, -08, +00. */
export function zoneText(offsetSeconds: number): string {
  const abs = Math.abs(offsetSeconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor(abs / 60) % 60;
  const s = abs % 60;
  return `${offsetSeconds < 0 ? '-' : '+'}${pad(h)}${m || s ? `:${pad(m)}` : ''}${s ? `:${pad(s)}` : ''}`;
}

export interface IntervalParts {
  readonly months: number;
  readonly days: number;
  readonly micros: bigint;
}

/** An interval as Postgres prints it in IntervalStyle postgres: '1 year 2 mons -3 days +04:05:06.5'. */
export function intervalText(v: IntervalParts): string {
  const parts: string[] = [];
  let before = false;
  const add = (value: number, unit: string) => {
    if (value === 0) return;
    parts.push(`${before && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`);
    before = value < 0;
  };
  add(Math.trunc(v.months / 12), 'year');
  add(v.months % 12, 'mon');
  add(v.days, 'day');
  if (parts.length === 0 || v.micros !== 0n) {
    const neg = v.micros < 0n;
    const abs = neg ? -v.micros : v.micros;
    const secs = abs / 1_000_000n;
    const clock = `${pad(secs / 3600n)}:${pad((secs / 60n) % 60n)}:${pad(secs % 60n)}${fractionText(abs % 1_000_000n)}`;
    parts.push(`${neg ? '-' : before ? '+' : ''}${clock}`);
  }
  return parts.join(' ');
}

// ---- Reading Postgres' text (parameters) ----

const DATE_RE = /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})/;
const CLOCK_RE = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?/;
const ZONE_RE = /^\s*(?:(Z|UTC)|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)/i;

/** Microseconds of a fraction's digits (rounded half up past 6 digits, as Postgres does). */
function fractionMicros(digits: string | undefined): bigint {
  if (!digits) return 0n;
  const micros = BigInt(digits.slice(0, 6).padEnd(6, '0'));
  return digits.length > 6 && digits[6]! >= '5' ? micros + 1n : micros;
}

function clockMicros(m: RegExpExecArray): bigint {
  return (
    (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3] ?? '0')) * 1_000_000n + fractionMicros(m[4])
  );
}

/** Seconds east of UTC of a zone like '+05:30', '-08', 'Z'; undefined when the text has none. */
function zoneSeconds(rest: string): { offset: number; rest: string } | undefined {
  const z = ZONE_RE.exec(rest);
  if (!z) return undefined;
  if (z[1]) return { offset: 0, rest: rest.slice(z[0].length) };
  const secs = Number(z[3]) * 3600 + Number(z[4] ?? 0) * 60 + Number(z[5] ?? 0);
  return { offset: z[2] === '-' ? -secs : secs, rest: rest.slice(z[0].length) };
}

/** Days since 1970 of 'YYYY-MM-DD[ BC]', 'infinity' or '-infinity'; undefined for anything else. */
export function parseDate(text: string): number | undefined {
  const t = text.trim();
  if (/^\+?infinity$/i.test(t)) return DATE_INFINITY;
  if (/^-infinity$/i.test(t)) return -DATE_INFINITY;
  const m = DATE_RE.exec(t);
  if (!m) return undefined;
  const rest = t.slice(m[0].length).trim();
  const bc = /^BC$/i.test(rest);
  if (rest !== '' && !bc) return undefined;
  return civilDays(Number(m[1]), Number(m[2]), Number(m[3]), bc);
}

function civilDays(year: number, month: number, day: number, bc: boolean): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return daysFromCivil(bc ? 1 - year : year, month, day);
}

/**
 * Microseconds since 1970 (UTC) of a timestamp's text: 'YYYY-MM-DD[ T]HH:MM[:SS[.f]][zone][ BC]',
 * 'infinity'. `tz`: a zone in the text is applied (timestamptz); without `tz` it is ignored, as
 * Postgres does for timestamp. Undefined for a form this does not read (DuckDB then casts it).
 */
export function parseTimestamp(text: string, tz: boolean): bigint | undefined {
  const t = text.trim();
  if (/^\+?infinity$/i.test(t)) return TIMESTAMP_INFINITY;
  if (/^-infinity$/i.test(t)) return -TIMESTAMP_INFINITY;
  const d = DATE_RE.exec(t);
  if (!d) return undefined;
  let rest = t.slice(d[0].length);
  let micros = 0n;
  let offset = 0;
  const sep = /^(?:T|\s+)/i.exec(rest);
  if (sep) {
    const c = CLOCK_RE.exec(rest.slice(sep[0].length));
    if (!c) return undefined;
    micros = clockMicros(c);
    rest = rest.slice(sep[0].length + c[0].length);
    const zone = zoneSeconds(rest);
    if (zone) {
      offset = zone.offset;
      rest = zone.rest;
    }
  }
  const bc = /^\s*BC$/i.test(rest);
  if (rest.trim() !== '' && !bc) return undefined;
  const days = civilDays(Number(d[1]), Number(d[2]), Number(d[3]), bc);
  if (days === undefined) return undefined;
  return BigInt(days) * MICROS_PER_DAY + micros - (tz ? BigInt(offset) * 1_000_000n : 0n);
}

/** Microseconds into the day and the zone (seconds east) of 'HH:MM[:SS[.f]][zone]'. */
export function parseTime(text: string): { micros: bigint; offset: number | undefined } | undefined {
  const t = text.trim();
  const c = CLOCK_RE.exec(t);
  if (!c) return undefined;
  let rest = t.slice(c[0].length);
  let offset: number | undefined;
  const zone = zoneSeconds(rest);
  if (zone) {
    offset = zone.offset;
    rest = zone.rest;
  }
  if (rest.trim() !== '') return undefined;
  return { micros: clockMicros(c), offset };
}

const UNIT_MICROS: Readonly<Record<string, bigint>> = {
  microsecond: 1n,
  millisecond: 1000n,
  second: 1_000_000n,
  minute: 60_000_000n,
  hour: 3_600_000_000n,
};

/** A unit word's canonical name: 'mons' → month, 'secs' → second, 'h' → hour. */
function unitOf(word: string): string | undefined {
  const w = word.toLowerCase();
  if (/^(y|yr|yrs|years?)$/.test(w)) return 'year';
  if (/^(mon|mons|months?)$/.test(w)) return 'month';
  if (/^(w|weeks?)$/.test(w)) return 'week';
  if (/^(d|days?)$/.test(w)) return 'day';
  if (/^(h|hr|hrs|hours?)$/.test(w)) return 'hour';
  if (/^(m|min|mins|minutes?)$/.test(w)) return 'minute';
  if (/^(s|sec|secs|seconds?)$/.test(w)) return 'second';
  if (/^(ms|msecs?|milliseconds?)$/.test(w)) return 'millisecond';
  if (/^(us|usecs?|microseconds?)$/.test(w)) return 'microsecond';
  return undefined;
}

/** A decimal string's value in `scale` units (microseconds of seconds …), rounded half away from zero. */
function scaled(num: string, unit: bigint): bigint | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(num);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const frac = m[3] ?? '';
  const whole = BigInt(`${m[2] || '0'}${frac}`) * unit;
  const div = 10n ** BigInt(frac.length);
  let q = whole / div;
  if ((whole % div) * 2n >= div) q += 1n;
  return m[1] === '-' ? -q : q;
}

/**
 * An interval's text in the forms clients send: Postgres' ('1 year 2 mons -3 days 04:05:06.5',
 * '@ 1 day ago', '3723.000004 seconds') and ISO 8601 ('P1Y2M3DT4H5M6.5S'). Fractions of years,
 * months, weeks and days are not read (undefined: DuckDB casts the text instead).
 */
export function parseInterval(text: string): IntervalParts | undefined {
  const t = text.trim();
  return /^-?P/i.test(t) ? parseIsoInterval(t) : parsePostgresInterval(t);
}

function parsePostgresInterval(text: string): IntervalParts | undefined {
  let t = text.replace(/^@\s*/, '');
  const ago = /\s+ago$/i.test(t);
  if (ago) t = t.replace(/\s+ago$/i, '');
  let months = 0;
  let days = 0;
  let micros = 0n;
  const tokens = t.split(/\s+/).filter((x) => x !== '');
  if (tokens.length === 0) return undefined;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const clock = /^([+-]?)(\d+):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/.exec(tok);
    if (clock) {
      const v =
        (BigInt(clock[2]!) * 3600n + BigInt(clock[3]!) * 60n + BigInt(clock[4] ?? '0')) * 1_000_000n +
        fractionMicros(clock[5]);
      micros += clock[1] === '-' ? -v : v;
      continue;
    }
    // A number and its unit, written '3 days' or '3days'.
    const glued = /^([+-]?[\d.]+)([a-z]+)$/i.exec(tok);
    const num = glued ? glued[1]! : tok;
    const word = glued ? glued[2]! : tokens[++i];
    const unit = word === undefined ? undefined : unitOf(word);
    if (!unit) return undefined;
    if (unit in UNIT_MICROS) {
      const v = scaled(num, UNIT_MICROS[unit]!);
      if (v === undefined) return undefined;
      micros += v;
      continue;
    }
    if (!/^[+-]?\d+$/.test(num)) return undefined;
    const n = Number(num);
    if (unit === 'year') months += n * 12;
    else if (unit === 'month') months += n;
    else if (unit === 'week') days += n * 7;
    else days += n;
  }
  return ago ? { months: -months, days: -days, micros: -micros } : { months, days, micros };
}

function parseIsoInterval(text: string): IntervalParts | undefined {
  const m =
    /^(-)?P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$/i.exec(
      text,
    );
  if (!m || text.toUpperCase().endsWith('T')) return undefined;
  const n = (s: string | undefined) => Number(s ?? 0);
  const secs = scaled(m[8] ?? '0', 1_000_000n);
  if (secs === undefined) return undefined;
  const sign = m[1] ? -1 : 1;
  const micros = BigInt(n(m[6])) * 3_600_000_000n + BigInt(n(m[7])) * 60_000_000n + secs;
  return {
    months: sign * (n(m[2]) * 12 + n(m[3])),
    days: sign * (n(m[4]) * 7 + n(m[5])),
    micros: sign < 0 ? -micros : micros,
  };
}
