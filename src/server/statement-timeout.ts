/**
 * `statement_timeout`, as Postgres reads it: a number is milliseconds, or a
 * number with one of Postgres' time units (ms, s, min, h, d); 0 turns it
 * off. Postgres' own unit names, which is why this is not a general duration
 * parser ("1m" is not a Postgres duration).
 * @see https://www.postgresql.org/docs/current/config-setting.html#CONFIG-SETTING-NAMES-VALUES
 */
import { RvbbitError } from '../../base/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds of a Postgres time setting's text; throws BAD_PARAMETER on anything else. */
export function parsePgDuration(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)?\s*$/i.exec(text);
  if (!m) {
    throw new RvbbitError(
      'BAD_PARAMETER',
      `invalid value for parameter "${name}": "${text}" (a number of ms, or with a unit: ms, s, min, h, d)`,
    );
  }
  return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? 'ms').toLowerCase()]!);
}

/** The session's timeout (`SET statement_timeout`), else the server's default. */
export function statementTimeoutMs(settings: ReadonlyMap<string, string>, serverDefault: number): number {
  const set = settings.get('statement_timeout');
  if (set === undefined || /^default$/i.test(set)) return serverDefault;
  return parsePgDuration('statement_timeout', set);
}
