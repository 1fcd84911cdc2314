/**
 * A table with a column of every type the server sends exactly, one row of
 * values to send through a Python client and read back, and the exact form
 * (`rep`) both sides print: Decimal as its str, datetimes as isoformat with
 * microseconds, bytes as hex, floats by repr, lists element by element.
 */

/** Python: imports, the table's columns (COLS), the row (ROW) and rep(). */
export const EVERY_TYPE_PY = String.raw`
import asyncio, datetime as dt, decimal, json, os, sys, uuid
D = decimal.Decimal
UTC = dt.timezone.utc
U = uuid.UUID('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')
COLS = ("id INTEGER, b BOOLEAN, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL, f8 DOUBLE, num DECIMAL(30,4), "
        "t VARCHAR, bytes BLOB, d DATE, tm TIME, ts TIMESTAMP, tstz TIMESTAMPTZ, iv INTERVAL, u UUID, j JSON, "
        "a_i INTEGER[], a_i8 BIGINT[], a_t VARCHAR[], a_num DECIMAL(30,4)[], a_ts TIMESTAMP[], a_tstz TIMESTAMPTZ[], "
        "a_b BOOLEAN[], a_u UUID[], a_f DOUBLE[], a_d DATE[], a_by BLOB[], a_iv INTERVAL[], a_tm TIME[]")
ROW = [1, True, -32768, 2147483647, 9223372036854775807, 1.5, 0.1, D('12345678901234567.1234'),
       'héllo, "wörld" {x} \\ NULL', b'\x00\x01\xff', dt.date(2024, 2, 29), dt.time(23, 59, 59, 999999),
       dt.datetime(2024, 2, 29, 12, 34, 56, 123456), dt.datetime(2024, 2, 29, 12, 34, 56, 123457, tzinfo=UTC),
       dt.timedelta(days=3, seconds=3723, microseconds=7), U, '{"a": [1, 2.5, null]}',
       [1, None, -3], [None, 9223372036854775807], ['a', None, 'b,c', '', 'NULL', '"q"', 'x\\y'],
       [D('1.5000'), None, D('-0.0001')], [dt.datetime(2000, 1, 1, 0, 0, 0, 1), None],
       [dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)], [True, False, None], [U, None],
       [0.1, 1e300, float('inf'), None], [dt.date(1, 1, 1), None], [b'\x00\\', b'', None],
       [dt.timedelta(microseconds=1), dt.timedelta(days=-1, seconds=5)], [dt.time(0, 0, 0, 1)]]
PLACEHOLDERS = ', '.join('$' + str(i + 1) for i in range(len(ROW)))

def rep(v):
    if v is None or isinstance(v, (bool, int, str)): return v
    if isinstance(v, float): return 'float:' + repr(v)
    if isinstance(v, D): return 'dec:' + str(v)
    if isinstance(v, (bytes, bytearray, memoryview)): return 'hex:' + bytes(v).hex()
    if isinstance(v, (dt.datetime, dt.date, dt.time)): return v.isoformat()
    if isinstance(v, dt.timedelta): return 'td:%dd%ds%dus' % (v.days, v.seconds, v.microseconds)
    if isinstance(v, uuid.UUID): return 'uuid:' + str(v)
    if isinstance(v, list): return [rep(x) for x in v]
    if isinstance(v, dict): return json.dumps(v)
    return 'other:' + repr(v)
`;

/** rep(ROW): what every client must read back. */
export const EVERY_TYPE_ROW = [
  1,
  true,
  -32768,
  2147483647,
  9223372036854775807n.toString(),
  'float:1.5',
  'float:0.1',
  'dec:12345678901234567.1234',
  'héllo, "wörld" {x} \\ NULL',
  'hex:0001ff',
  '2024-02-29',
  '23:59:59.999999',
  '2024-02-29T12:34:56.123456',
  '2024-02-29T12:34:56.123457+00:00',
  'td:3d3723s7us',
  'uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": [1, 2.5, null]}',
  [1, null, -3],
  [null, 9223372036854775807n.toString()],
  ['a', null, 'b,c', '', 'NULL', '"q"', 'x\\y'],
  ['dec:1.5000', null, 'dec:-0.0001'],
  ['2000-01-01T00:00:00.000001', null],
  ['1999-12-31T23:59:59.999999+00:00'],
  [true, false, null],
  ['uuid:a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null],
  ['float:0.1', 'float:1e+300', 'float:inf', null],
  ['0001-01-01', null],
  ['hex:005c', 'hex:', null],
  ['td:0d0s1us', 'td:-1d5s0us'],
  ['00:00:00.000001'],
];

/**
 * JSON with Python's big integers as strings: JSON.parse would round
 * 9223372036854775807 to a double, so the script prints ints past 2^53 as
 * strings (`exact_json`) and the expectation has them as strings too.
 */
export const EXACT_JSON_PY = `
def big_ints_as_str(v):
    if isinstance(v, bool): return v
    if isinstance(v, int) and abs(v) > 2**53: return str(v)
    if isinstance(v, list): return [big_ints_as_str(x) for x in v]
    if isinstance(v, dict): return {k: big_ints_as_str(x) for k, x in v.items()}
    return v

def exact_json(v):
    return json.dumps(big_ints_as_str(v))
`;
