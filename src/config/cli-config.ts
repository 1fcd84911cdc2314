/**
 * The `rvbbit:` and `server:` sections of `rvbbit.config.yaml` (the `llm:`
 * section belongs to src/llm/config.ts). Flags win over the file.
 *
 *   rvbbit:  { db: file.duckdb, cascades: [dir, …], parallel: 10,
 *              data_dirs: [dir, …] (image_dirs: its older name), max_image_bytes: n,
 *              max_document_bytes: n,
 *              max_image_bytes_in_flight: n, small_side: n, pair_split: on | off,
 *              memory_limit: '1GB', llm_memory_limit: '256MB' }   (paths relative to the file)
 *   server:  { host, port, password, auth: scram-sha-256 | md5, max_connections,
 *              max_message_bytes, idle_timeout_ms, statement_timeout_ms,
 *              allow_files: [dir, …] }
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RvbbitError } from '../../base/errors.js';
import { didYouMean } from '../../grammar/did-you-mean.js';
import { CONFIG_FILE } from '../llm/config.js';

export interface CliConfig {
  readonly db?: string;
  readonly cascades?: readonly string[];
  readonly parallel?: number;
  /**
   * Folders rvbbit's file readers (DOCUMENT_TEXT('path'), IMAGE('path')) may
   * read, and a server's clients may read through DuckDB (`data_dirs`, and
   * `image_dirs`, its older name: a folder or a list; both lists joined).
   */
  readonly imageDirs?: readonly string[];
  /** Largest document DOCUMENT_TEXT takes (`max_document_bytes`). */
  readonly maxDocumentBytes?: number;
  readonly maxImageBytes?: number;
  /** Image file bytes the process's LLM requests hold at once (`max_image_bytes_in_flight`). */
  readonly maxImageBytesInFlight?: number;
  /** The engine's small-side limit of pair predicates (`small_side`: 0 to MAX_SMALL_SIDE; `-- @ small_side` wins). */
  readonly smallSide?: number;
  /** Whether pair conditions may split into per-row labels (`pair_split: on | off`; `-- @ pair_split` wins). */
  readonly pairSplit?: boolean;
  /** DuckDB's memory_limit the engine sets (`memory_limit`: DuckDB's size text; db/spill-settings.ts). */
  readonly memoryLimit?: string;
  /** DuckDB's memory_limit while LLM work runs (`llm_memory_limit`; db/llm-work-bound.ts). */
  readonly llmMemoryLimit?: string;
  readonly server: {
    readonly host?: string;
    readonly port?: number;
    readonly password?: string;
    readonly auth?: 'scram-sha-256' | 'md5';
    readonly maxConnections?: number;
    readonly maxMessageBytes?: number;
    readonly idleTimeoutMs?: number;
    readonly statementTimeoutMs?: number;
    readonly allowFiles?: readonly string[];
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each section of the file and its keys (the `llm:` section's are src/llm/config.ts's, which checks them). */
const SECTION_KEYS: Readonly<Record<string, readonly string[] | undefined>> = {
  llm: undefined,
  rvbbit: [
    'db',
    'cascades',
    'parallel',
    'data_dirs',
    'image_dirs',
    'max_image_bytes',
    'max_document_bytes',
    'max_image_bytes_in_flight',
    'small_side',
    'pair_split',
    'memory_limit',
    'llm_memory_limit',
  ],
  server: [
    'host',
    'port',
    'password',
    'auth',
    'max_connections',
    'max_message_bytes',
    'idle_timeout_ms',
    'statement_timeout_ms',
    'allow_files',
  ],
};

/**
 * An unknown key is an error naming it and the nearest valid key: a misspelled
 * section (`rvbit:`), a section's key at the top level (`data_dirs:` belongs
 * under `rvbbit:`), a misspelled key (`data_dir`). Ignored, it silently did nothing.
 */
function checkKeys(root: Obj, bad: (key: string, want: string) => never): void {
  const sections = Object.keys(SECTION_KEYS);
  for (const key of Object.keys(root)) {
    const keys = SECTION_KEYS[key];
    if (Object.hasOwn(SECTION_KEYS, key)) {
      if (keys === undefined || root[key] === undefined || root[key] === null) continue;
      if (!isObj(root[key])) bad(key, 'expected a section of keys');
      for (const inner of Object.keys(root[key] as Obj)) {
        if (keys.includes(inner)) continue;
        const near = didYouMean(inner, keys);
        bad(
          `${key}.${inner}`,
          `unknown key${near ? `: did you mean ${key}.${near}?` : ''} (${key}: takes ${keys.join(', ')})`,
        );
      }
      continue;
    }
    const home = sections.find((sec) => SECTION_KEYS[sec]?.includes(key));
    const near = home ? `${home}.${key}` : didYouMean(key, sections);
    bad(
      key,
      `unknown top-level key${near ? `: did you mean ${near}?` : ''} (the file's sections are ${sections.join(', ')})`,
    );
  }
}

export function readCliConfig(cwd = process.cwd(), env = process.env): CliConfig {
  const file = env.RVBBIT_CONFIG ? resolve(cwd, env.RVBBIT_CONFIG) : resolve(cwd, CONFIG_FILE);
  if (!existsSync(file)) return { server: {} };
  let root: unknown;
  try {
    root = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RvbbitError('CLI_CONFIG', `${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObj(root)) return { server: {} };
  const bad = (key: string, want: string): never => {
    throw new RvbbitError('CLI_CONFIG', `${file}: ${key}: ${want}`);
  };
  checkKeys(root, bad);
  const r = isObj(root.rvbbit) ? root.rvbbit : {};
  const s = isObj(root.server) ? root.server : {};
  const str = (o: Obj, k: string, section: string): string | undefined =>
    o[k] === undefined
      ? undefined
      : typeof o[k] === 'string'
        ? o[k]
        : bad(`${section}.${k}`, 'expected a string');
  const int = (o: Obj, k: string, section: string): number | undefined =>
    o[k] === undefined
      ? undefined
      : Number.isInteger(o[k])
        ? (o[k] as number)
        : bad(`${section}.${k}`, 'expected an integer');
  const cascades = r.cascades;
  if (cascades !== undefined && !(Array.isArray(cascades) && cascades.every((c) => typeof c === 'string'))) {
    bad('rvbbit.cascades', 'expected a list of folders');
  }
  const auth = str(s, 'auth', 'server');
  if (auth !== undefined && auth !== 'scram-sha-256' && auth !== 'md5')
    bad('server.auth', "expected 'scram-sha-256' or 'md5'");
  // Paths in the file are relative to the file.
  const here = (p: string | undefined) =>
    p === undefined || p === ':memory:' ? p : resolve(dirname(file), p);
  const dataDirs = [
    ...(strings(r, 'data_dirs', bad, 'rvbbit') ?? []),
    ...(strings(r, 'image_dirs', bad, 'rvbbit') ?? []),
  ].map((d) => here(d)!);
  const imageDirs = dataDirs.length > 0 ? [...new Set(dataDirs)] : undefined;
  const maxDocumentBytes = int(r, 'max_document_bytes', 'rvbbit');
  const maxImageBytes = int(r, 'max_image_bytes', 'rvbbit');
  const maxImageBytesInFlight = int(r, 'max_image_bytes_in_flight', 'rvbbit');
  // Its bounds are the grammar's (MAX_SMALL_SIDE), checked where the engine is made from it (engine-flags.ts).
  const smallSide = int(r, 'small_side', 'rvbbit');
  // on/off as YAML writes it (true/false, or the words): -- @ pair_split wins.
  const split = r.pair_split;
  const pairSplit =
    split === undefined
      ? undefined
      : split === true || split === 'on'
        ? true
        : split === false || split === 'off'
          ? false
          : bad('rvbbit.pair_split', 'expected on or off');
  // DuckDB reads the size text when the engine sets it (a value it cannot read is ENGINE_OPTION, naming why).
  const memoryLimit = str(r, 'memory_limit', 'rvbbit');
  const llmMemoryLimit = str(r, 'llm_memory_limit', 'rvbbit');
  return {
    db: here(str(r, 'db', 'rvbbit')),
    cascades: (cascades as string[] | undefined)?.map((c) => here(c)!),
    parallel: int(r, 'parallel', 'rvbbit'),
    // Present only when set: a file without them reads as it did before they existed.
    ...(imageDirs ? { imageDirs } : {}),
    ...(maxImageBytes !== undefined ? { maxImageBytes } : {}),
    ...(maxDocumentBytes !== undefined ? { maxDocumentBytes } : {}),
    ...(maxImageBytesInFlight !== undefined ? { maxImageBytesInFlight } : {}),
    ...(smallSide !== undefined ? { smallSide } : {}),
    ...(pairSplit !== undefined ? { pairSplit } : {}),
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    ...(llmMemoryLimit !== undefined ? { llmMemoryLimit } : {}),
    server: {
      host: str(s, 'host', 'server'),
      port: int(s, 'port', 'server'),
      password: passwordOf(s, bad),
      auth: auth as 'scram-sha-256' | 'md5' | undefined,
      maxConnections: int(s, 'max_connections', 'server'),
      maxMessageBytes: int(s, 'max_message_bytes', 'server'),
      idleTimeoutMs: int(s, 'idle_timeout_ms', 'server'),
      statementTimeoutMs: int(s, 'statement_timeout_ms', 'server'),
      allowFiles: strings(s, 'allow_files', bad, 'server')?.map((d) => here(d)!),
    },
  };
}

/**
 * `server.password`: a key written with no value (YAML null) or an empty
 * string is an error, not the password "null" or no password.
 */
function passwordOf(s: Obj, bad: (key: string, want: string) => never): string | undefined {
  if (!Object.hasOwn(s, 'password')) return undefined;
  const pw = s.password;
  if (pw === null || pw === undefined || pw === '') {
    return bad('server.password', 'is empty: give a password, or remove the key to run without one');
  }
  if (typeof pw !== 'string' && typeof pw !== 'number') return bad('server.password', 'expected a string');
  return String(pw);
}

/** A folder or a list of folders (`server.allow_files`, `rvbbit.data_dirs`, `rvbbit.image_dirs`). */
function strings(
  s: Obj,
  key: string,
  bad: (key: string, want: string) => never,
  section: string,
): string[] | undefined {
  const v = s[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  return bad(`${section}.${key}`, 'expected a folder or a list of folders');
}
