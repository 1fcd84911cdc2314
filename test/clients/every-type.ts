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

/**
 * Values as PostgreSQL 15.18 sends them (recorded from a real server with
 * extra_float_digits 1, as clients set it): [DuckDB expression, type OID,
 * text form, binary form in hex]. The server must send the same bytes.
 */
export const PG15_FORMS: readonly (readonly [string, number, string, string])[] = [
  ['true', 16, 't', '01'],
  ['(-32768)::SMALLINT', 21, '-32768', '8000'],
  ['2147483647::INTEGER', 23, '2147483647', '7fffffff'],
  ['(-9223372036854775808)::BIGINT', 20, '-9223372036854775808', '8000000000000000'],
  ['0.1::REAL', 700, '0.1', '3dcccccd'],
  ['3.14159265::REAL', 700, '3.1415927', '40490fdb'],
  ['1e6::REAL', 700, '1e+06', '49742400'],
  ["'nan'::REAL", 700, 'NaN', '7fc00000'],
  ['0.1::DOUBLE', 701, '0.1', '3fb999999999999a'],
  ['1e300::DOUBLE', 701, '1e+300', '7e37e43c8800759c'],
  ["'-inf'::DOUBLE", 701, '-Infinity', 'fff0000000000000'],
  ['(-0.0)::DOUBLE', 701, '0', '0000000000000000'],
  ['1e-5::DOUBLE', 701, '1e-05', '3ee4f8b588e368f1'],
  ['123456789012345::DOUBLE', 701, '123456789012345', '42dc12218377de40'],
  [
    '12345678901234567.1234::DECIMAL(30,4)',
    1700,
    '12345678901234567.1234',
    '0006000400000004000109291a85007b11d704d2',
  ],
  ['(-0.0001)::DECIMAL(10,4)', 1700, '-0.0001', '0001ffff400000040001'],
  ['0::DECIMAL(10,2)', 1700, '0.00', '0000000000000002'],
  ['100000000::DECIMAL(20,0)', 1700, '100000000', '00010002000000000001'],
  ['1.5::DECIMAL(5,2)', 1700, '1.50', '000200000000000200011388'],
  [
    '170141183460469231731687303715884105727::HUGEINT',
    1700,
    '170141183460469231731687303715884105727',
    '000a00090000000000aa0583209a01d5090d0c601c871bf620da165f',
  ],
  ["'héllo'::VARCHAR", 25, 'héllo', '68c3a96c6c6f'],
  ["'\\x00\\x01\\xff'::BLOB", 17, '\\x0001ff', '0001ff'],
  ["'2024-02-29'::DATE", 1082, '2024-02-29', '00002279'],
  ["'0044-03-15 (BC)'::DATE", 1082, '0044-03-15 BC', 'fff49d7b'],
  ["'infinity'::DATE", 1082, 'infinity', '7fffffff'],
  ["'-infinity'::DATE", 1082, '-infinity', '80000000'],
  ["'23:59:59.999999'::TIME", 1083, '23:59:59.999999', '000000141dd75fff'],
  ["'24:00:00'::TIME", 1083, '24:00:00', '000000141dd76000'],
  ["'12:00:00.25-08'::TIMETZ", 1266, '12:00:00.25-08', '0000000a0eef809000007080'],
  ["'12:00:00+05:30'::TIMETZ", 1266, '12:00:00+05:30', '0000000a0eebb000ffffb2a8'],
  ["'2024-02-29 12:34:56.123456'::TIMESTAMP", 1114, '2024-02-29 12:34:56.123456', '0002b58341685e40'],
  ["'0044-03-15 (BC) 10:00:00.5'::TIMESTAMP", 1114, '0044-03-15 10:00:00.5 BC', 'ff1af9e74e272920'],
  ["'infinity'::TIMESTAMP", 1114, 'infinity', '7fffffffffffffff'],
  ["'-infinity'::TIMESTAMPTZ", 1184, '-infinity', '8000000000000000'],
  ["'2024-02-29 12:34:56.123457+00'::TIMESTAMPTZ", 1184, '2024-02-29 12:34:56.123457+00', '0002b58341685e41'],
  ["'1899-12-31 23:59:59.999999+00'::TIMESTAMPTZ", 1184, '1899-12-31 23:59:59.999999+00', 'fff4c9ee7c0b7fff'],
  [
    "INTERVAL '14 months 3 days 04:05:06.789'",
    1186,
    '1 year 2 mons 3 days 04:05:06.789',
    '000000036c97ca88000000030000000e',
  ],
  ["INTERVAL '-14 months'", 1186, '-1 years -2 mons', '000000000000000000000000fffffff2'],
  ["INTERVAL '1 day' - INTERVAL '2 hours'", 1186, '1 day -02:00:00', 'fffffffe52d8b8000000000100000000'],
  [
    "INTERVAL '-1 year 2 days -00:00:01'",
    1186,
    '-1 years +2 days -00:00:01',
    'fffffffffff0bdc000000002fffffff4',
  ],
  ["INTERVAL '0 seconds'", 1186, '00:00:00', '00000000000000000000000000000000'],
  ["INTERVAL '100 hours 1 microsecond'", 1186, '100:00:00.000001', '00000053d1ac10010000000000000000'],
  [
    "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID",
    2950,
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    'a0eebc999c0b4ef8bb6d6bb9bd380a11',
  ],
  ['\'{"a": [1, 2]}\'::JSON', 114, '{"a": [1, 2]}', '7b2261223a205b312c20325d7d'],
  [
    '[1,NULL,-3]::INTEGER[]',
    1007,
    '{1,NULL,-3}',
    '00000001000000010000001700000003000000010000000400000001ffffffff00000004fffffffd',
  ],
  ['[]::INTEGER[]', 1007, '{}', '000000000000000000000017'],
  ['[NULL]::BIGINT[]', 1016, '{NULL}', '0000000100000001000000140000000100000001ffffffff'],
  [
    "['a b','',NULL,'NULL','x\"y','back\\slash','{}','comma,']::VARCHAR[]",
    1009,
    '{"a b","",NULL,"NULL","x\\"y","back\\\\slash","{}","comma,"}',
    '00000001000000010000001900000008000000010000000361206200000000ffffffff000000044e554c4c000000037822790000000a6261636b5c736c617368000000027b7d00000006636f6d6d612c',
  ],
  [
    '[1.5,NULL]::DECIMAL(5,2)[]',
    1231,
    '{1.50,NULL}',
    '0000000100000001000006a400000002000000010000000c000200000000000200011388ffffffff',
  ],
  [
    "[TIMESTAMP '2024-01-01 00:00:00.5']",
    1115,
    '{"2024-01-01 00:00:00.5"}',
    '00000001000000000000045a0000000100000001000000080002b0d5d4f0e120',
  ],
  [
    "[TIMESTAMPTZ '2024-01-01 00:00:00.5+00']",
    1185,
    '{"2024-01-01 00:00:00.5+00"}',
    '0000000100000000000004a00000000100000001000000080002b0d5d4f0e120',
  ],
  [
    "['\\x00\\xff'::BLOB, ''::BLOB]",
    1001,
    '{"\\\\x00ff","\\\\x"}',
    '00000001000000000000001100000002000000010000000200ff00000000',
  ],
  [
    "[INTERVAL '1 month', INTERVAL '-1 day']",
    1187,
    '{"1 mon","-1 days"}',
    '0000000100000000000004a200000002000000010000001000000000000000000000000000000001000000100000000000000000ffffffff00000000',
  ],
  [
    '[true,false,NULL]',
    1000,
    '{t,f,NULL}',
    '000000010000000100000010000000030000000100000001010000000100ffffffff',
  ],
  ["[DATE '2024-01-01']", 1182, '{2024-01-01}', '00000001000000000000043a0000000100000001000000040000223e'],
  [
    "[TIME '01:02:03']",
    1183,
    '{01:02:03}',
    '00000001000000000000043b00000001000000010000000800000000dde878c0',
  ],
  [
    "['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID]",
    2951,
    '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
    '000000010000000000000b86000000010000000100000010a0eebc999c0b4ef8bb6d6bb9bd380a11',
  ],
  [
    "[0.1::DOUBLE, 'inf'::DOUBLE]",
    1022,
    '{0.1,Infinity}',
    '0000000100000000000002bd0000000200000001000000083fb999999999999a000000087ff0000000000000',
  ],
  ['[1.5::REAL]', 1021, '{1.5}', '0000000100000000000002bc0000000100000001000000043fc00000'],
  ['[1::SMALLINT]', 1005, '{1}', '0000000100000000000000150000000100000001000000020001'],
  [
    "[TIMETZ '12:00:00+05:30']",
    1270,
    '{12:00:00+05:30}',
    '0000000100000000000004f200000001000000010000000c0000000a0eebb000ffffb2a8',
  ],
];
