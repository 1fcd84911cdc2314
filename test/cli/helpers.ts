/**
 * Runs the `rvbbit` CLI as a real child process: the build (bin/rvbbit.js →
 * dist/) when the test runner found it current, else from source (`node --import tsx
 * src/cli/main.ts …`). test/package/ runs the build from an installed tarball.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simulatorEnv } from '../../src/llm/config.js';
import { type SimulatorOptions, type SimulatorStats, startSimulator } from '../../src/sim/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The build when the test runner says it is current (RVBBIT_ENTRIES=dist, see
 * scripts/run-tests.mjs): it starts with a third of the CPU a run through tsx takes.
 */
export const CLI_IS_BUILT = process.env.RVBBIT_ENTRIES === 'dist';
/** Node arguments that run the CLI, from ROOT. */
export const CLI: readonly string[] = CLI_IS_BUILT
  ? ['bin/rvbbit.js']
  : ['--import', 'tsx', 'src/cli/main.ts'];
/** The same from any working directory (tsx resolved from this package, not from there). */
const CLI_ANYWHERE = CLI_IS_BUILT
  ? [`${ROOT}bin/rvbbit.js`]
  : ['--import', import.meta.resolve('tsx'), `${ROOT}src/cli/main.ts`];
export const CASCADES = `${ROOT}examples/cascades`;
export const PRODUCTS = `${ROOT}examples/data/products.csv`;

export interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

export interface Running {
  readonly child: ChildProcess;
  out(): string;
  err(): string;
  readonly done: Promise<Ran>;
}

/**
 * CLI processes still running: a test process that dies (an uncaught error ends it before its
 * `close()`) takes them with it, as it does its Redis (scale/redis-server.ts). `rvbbit worker`
 * outlives a lost Redis by design (it reconnects), so two left by a failed scale run kept
 * polling a dead port for the rest of the machine's day.
 */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function start(
  args: readonly string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Running {
  const child = spawn(process.execPath, [...(opts.cwd ? CLI_ANYWHERE : CLI), ...args], {
    cwd: opts.cwd ?? ROOT,
    // The simulator answers unless a test says otherwise: no provider or model from the outer environment.
    env: { ...simulatorEnv(), RVBBIT_HISTORY: '/dev/null', ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  let err = '';
  child.stdout!.on('data', (b) => {
    out += b;
  });
  child.stderr!.on('data', (b) => {
    err += b;
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  const done = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, out: () => out, err: () => err, done };
}

export function rvbbit(
  args: readonly string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Ran> {
  return start(args, opts).done;
}

/** The flags of a CLI run on the database file `db`, the example cascades and the simulator at `simUrl`. */
export function dbOnSimulator(db: string, simUrl: string): string[] {
  return ['--db', db, '--cascades', CASCADES, '--provider-url', simUrl, '--model', 'sim-small'];
}

/**
 * `rvbbit query --format csv STATEMENT` (spawned) on a simulator of its own with
 * these options: the CSV's data rows (its header dropped) and what that simulator
 * counted, to hold against the library's run of the same statement.
 */
export async function queryOnOwnSimulator(
  statement: string,
  simulator: SimulatorOptions,
): Promise<Ran & { readonly rows: string[]; readonly stats: SimulatorStats }> {
  const sim = await startSimulator(simulator);
  try {
    const r = await rvbbit(['query', '--format', 'csv', statement], {
      env: { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-small' },
    });
    return { ...r, rows: r.out.trim().split('\n').slice(1), stats: sim.stats() };
  } finally {
    await sim.close();
  }
}

/**
 * How long a test waits for `rvbbit serve` to say it listens before calling it hung: it starts in
 * ~2 s on an idle machine, and took 23 s from source at load 15 (a wait, not a bound it promises).
 */
export const SERVER_START_MS = 120_000;

/**
 * Rejects if `p` takes longer than `ms`: a hang fails the test instead of stalling the run. A
 * wait, not a bound: a test measures what it bounds by steps or CPU, never by this clock.
 */
export function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once `get()` matches `pattern` (polling), or rejects after `ms`: a wait, not a bound,
 * so by default as long as a server's start may take on a loaded machine (10 s was too short:
 * seven serve tests timed out waiting for "listening" at load 10).
 */
export async function waitFor(
  get: () => string,
  pattern: RegExp,
  ms = SERVER_START_MS,
  /** What else to say when it times out (a child's stderr): a server that exited says why. */
  context?: () => string,
): Promise<void> {
  const t0 = Date.now();
  while (!pattern.test(get())) {
    if (Date.now() - t0 > ms) {
      const more = context ? `; besides: ${context().slice(-2000)}` : '';
      throw new Error(`timed out waiting for ${pattern}: ${get()}${more}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
