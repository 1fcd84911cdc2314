/**
 * The StartupMessage's `options` parameter (libpq's PGOPTIONS, `options=` in a
 * connection string): command-line switches for the backend, of which a
 * client may give run-time settings, `-c name=value` or `--name=value`,
 * separated by spaces, a backslash keeping the next character (a space) in a
 * value (postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNECT-OPTIONS,
 * and postgres' own pg_split_opts). They become the session's settings as a
 * SET would make them, before its first statement; a name rvbbit does not
 * take fails the login, as Postgres answers an unknown one.
 */
import { RvbbitError } from '../../base/errors.js';
import { isSessionSetting } from './catalog-queries.js';
import { parsePgDuration } from './statement-timeout.js';

/** The words of `options`, split at unescaped white space (pg_split_opts). */
function splitOptions(options: string): string[] {
  const words: string[] = [];
  let word = '';
  let escaped = false;
  for (const ch of options) {
    if (escaped) {
      word += ch;
      escaped = false;
    } else if (ch === '\\') escaped = true;
    else if (/\s/.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
    } else word += ch;
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * The settings `options` gives, by lower-cased name; STARTUP_OPTION (42704,
 * unknown setting, or 22023, a switch that is not a setting or a bad value) naming it.
 */
export function startupSettings(options: string | undefined): Map<string, string> {
  const settings = new Map<string, string>();
  if (options === undefined) return settings;
  const words = splitOptions(options);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let assignment: string | undefined;
    if (w === '-c') assignment = words[++i];
    else if (w.startsWith('-c')) assignment = w.slice(2);
    else if (w.startsWith('--')) assignment = w.slice(2);
    const eq = assignment?.indexOf('=') ?? -1;
    if (assignment === undefined || eq < 1) {
      throw new RvbbitError(
        'STARTUP_OPTION',
        `the startup options (PGOPTIONS) take settings as -c name=value or --name=value; got ${JSON.stringify(w)}`,
      );
    }
    // Postgres reads a dash in a switch's name as an underscore (--client-min-messages).
    const name = assignment.slice(0, eq).replace(/-/g, '_').toLowerCase();
    const value = assignment.slice(eq + 1);
    if (!isSessionSetting(name)) {
      throw new RvbbitError(
        'STARTUP_OPTION_UNKNOWN',
        `unrecognized configuration parameter "${name}" in the startup options (PGOPTIONS): rvbbit takes Postgres's session settings there (client_min_messages, statement_timeout, application_name, …); DuckDB's settings are SET in the session`,
      );
    }
    if (name === 'statement_timeout') parsePgDuration(name, value);
    settings.set(name, value);
  }
  return settings;
}
