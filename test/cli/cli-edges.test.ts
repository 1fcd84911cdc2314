/**
 * The CLI at its edges, as real processes: several -f files (and -c) run in
 * the order given; `rvbbit` alone opens the REPL on a terminal and prints the
 * help (exit 2) without one; every usage error exits 2, as `--help`
 * documents; a REPL fed by a pipe that ends while an LLM statement runs
 * prints its result and exits 0; colour and cursor codes never reach a file
 * or a pipe, and NO_COLOR keeps colour off a terminal.
 * A terminal is util-linux `script` (a pseudo-terminal), as in tty.test.ts;
 * those tests are skipped where it is missing (test/requires.ts). The demo's tests
 * run the built demo (dist/examples/demo.js: `npm run build` first).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorEnv } from '../../src/llm/config.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { requires, SCRIPT } from '../requires.js';
import { CASCADES, CLI, type Ran, ROOT, type Running, rvbbit, start, waitFor } from './helpers.js';

const ttyTest = requires(test, 'script');
const TMP = mkdtempSync(join(tmpdir(), 'rvbbit-cli-edges-'));
const RVBBIT = `${process.execPath} ${CLI.join(' ')}`;
/** Any escape sequence: colour (SGR), cursor movement, line clearing. */
const ESCAPE = '\x1b[';
/** A colour or text-style escape (SGR, `ESC [ … m`). */
const COLOUR = /\x1b\[[0-9;]*m/;
const WAIT_MS = 60_000;
/** No provider (the simulator answers), and no FORCE_COLOR: uvu sets it for its own output. */
// uvu sets FORCE_COLOR for its children; CI (set when CI runs the suite) makes Node's
// hasColors() answer false on any terminal, as a user's CI log would: a terminal here is a user's.
const { FORCE_COLOR: _uvuColour, CI: _ci, ...ENV } = simulatorEnv();

interface Terminal {
  /** What the terminal showed so far, carriage returns dropped. */
  raw(): string;
  /** The same without escape sequences. */
  screen(): string;
  type(keys: string): void;
  readonly exited: Promise<number | null>;
}

/** Runs a shell command line on a pseudo-terminal (stdin, stdout and stderr all the terminal unless redirected). */
function onTerminal(command: string, env: NodeJS.ProcessEnv = {}): Terminal {
  const child: ChildProcess = spawn(SCRIPT, ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...ENV, RVBBIT_HISTORY: '/dev/null', COLUMNS: '200', TERM: 'xterm-256color', ...env },
  });
  let out = '';
  child.stdout!.on('data', (b) => {
    out += b;
  });
  const raw = () => out.replace(/\r/g, '');
  return {
    raw,
    screen: () => raw().replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, ''),
    type: (keys) => child.stdin!.write(keys),
    exited: new Promise((resolve) => child.on('close', resolve)),
  };
}

/** The process's end, or a failure (and the process killed) if it has not ended within `ms`. */
async function exitsWithin(running: Running, ms: number): Promise<Ran> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  const ran = await Promise.race([running.done, deadline]);
  clearTimeout(timer);
  if (ran !== 'hung') return ran;
  running.child.kill('SIGKILL');
  throw new Error(`did not exit within ${ms} ms: ${running.out()}${running.err()}`);
}

const sqlFile = (name: string, sql: string): string => {
  const path = join(TMP, name);
  writeFileSync(path, sql);
  return path;
};

test('every -f runs, in the order given, mixed with -c in order; the argument runs first', async () => {
  const a = sqlFile('a.sql', "SELECT 'from a' AS source;\n");
  const b = sqlFile('b.sql', "SELECT 'from b 1' AS source;\nSELECT 'from b 2' AS source;\n");
  const two = await rvbbit(['query', '--format', 'csv', '-f', a, '-f', b]);
  assert.is(two.code, 0, two.err);
  assert.is(two.out, 'source\nfrom a\nsource\nfrom b 1\nsource\nfrom b 2\n');

  const mixed = await rvbbit([
    'query',
    '--format',
    'csv',
    '-f',
    b,
    '-c',
    "SELECT 'from -c' AS source",
    '-f',
    a,
    "SELECT 'the argument' AS source",
  ]);
  assert.is(mixed.code, 0, mixed.err);
  const order = mixed.out.split('\n').filter((l) => l !== '' && l !== 'source');
  assert.equal(order, ['the argument', 'from b 1', 'from b 2', 'from -c', 'from a']);
});

test('a -f file that cannot be read stops before anything runs (exit 2, naming the file)', async () => {
  const a = sqlFile('runs-not.sql', 'CREATE TABLE t AS SELECT 1;\n');
  const r = await rvbbit(['query', '-f', a, '-f', join(TMP, 'missing.sql')]);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.match(r.err, /cannot read .*missing\.sql/);
});

test('usage errors exit 2 with the message on stderr: unknown option or command, missing or bad argument', async () => {
  const cases: [string[], RegExp][] = [
    [['query', '--bogus', 'SELECT 1'], /error: unknown option '--bogus'/],
    [['--bogus'], /error: unknown option '--bogus'/],
    [['query', 'SELECT 1', '--parallel'], /error: option '--parallel <n>' argument missing/],
    [['query', '--format', 'xml', 'SELECT 1'], /--format must be one of table, csv, json, ndjson/],
    [['query', '--parallel', '0', 'SELECT 1'], /--parallel must be an integer/],
    [['frobnicate'], /error: unknown command 'frobnicate'/],
    [['explain'], /error: missing required argument 'sql'/],
    [['repl', 'extra'], /error: too many arguments/],
    [['cascades'], /Usage: rvbbit cascades/],
  ];
  for (const [args, message] of cases) {
    const r = await rvbbit(args, { input: '' });
    assert.is(r.code, 2, `rvbbit ${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message, `rvbbit ${args.join(' ')}`);
    assert.is(r.out, '', `rvbbit ${args.join(' ')}`);
  }
});

test("a usage error is its line and a pointer to the command's --help, not the whole help", async () => {
  const cases: [string[], string][] = [
    [['query', '--data-dir', 'nodir', 'SELECT 1'], 'rvbbit query --help'],
    [['query', '--bogus', 'SELECT 1'], 'rvbbit query --help'],
    [['serve', '--port', 'x'], 'rvbbit serve --help'],
    [['cascades', 'test', '--bogus'], 'rvbbit cascades test --help'],
    [['--bogus'], 'rvbbit --help'],
  ];
  for (const [args, help] of cases) {
    const r = await rvbbit(args, { input: '' });
    assert.is(r.code, 2, `rvbbit ${args.join(' ')}: ${r.err}`);
    const lines = r.err.trim().split('\n');
    assert.is(lines.length, 2, `rvbbit ${args.join(' ')}: ${r.err}`);
    assert.match(lines[0]!, /^error: /);
    assert.is(lines[1], `(${help} for usage)`);
  }
});

test('--help documents the exit statuses and exits 0, as --version does', async () => {
  const help = await rvbbit(['--help']);
  assert.is(help.code, 0);
  assert.match(help.out, /Exit status: 0 ok, 1 error, 2 bad usage/);
  assert.match(help.out, /With no command, on a terminal: the REPL/);
  const version = await rvbbit(['--version']);
  assert.is(version.code, 0);
  assert.match(version.out, /^\d+\.\d+\.\d+/);
});

test('`rvbbit` alone with stdin not a terminal prints the help on stderr and exits 2, running nothing', async () => {
  for (const input of ['', 'SELECT 1;\n']) {
    const r = await rvbbit([], { input });
    assert.is(r.code, 2);
    assert.is(r.out, '');
    assert.match(r.err, /no command, and stdin is not a terminal/);
    assert.match(r.err, /Usage: rvbbit \[options\] \[command\]/);
  }
  const debug = await rvbbit(['--debug'], { input: '' });
  assert.is(debug.code, 2);
});

test('a REPL fed by a pipe that ends during an LLM statement prints its result and exits 0', async () => {
  const sim: SimulatorHandle = await startSimulator({ latencyMs: 1500 });
  try {
    const repl = start(['repl', '--provider-url', sim.url]);
    repl.child.stdin!.write("SELECT 'a red car' MEANS 'car' AS is_car;\n");
    // The pipe ends once the statement's call is in flight at the simulator.
    await waitFor(() => String(sim.stats().inFlight), /^[1-9]/, WAIT_MS);
    repl.child.stdin!.end();
    const ran = await exitsWithin(repl, 30_000);
    assert.is(ran.code, 0, ran.err);
    assert.match(ran.out, /│ is_car │\n├────────┤\n│ true {3}│/);
  } finally {
    await sim.close();
  }
  // As the issue ran it: the in-process simulator, the pipe already at its end.
  const inProcess = await exitsWithin(
    start(['repl', '--sim'], { input: "SELECT 'a' MEANS 'b' AS m;\n" }),
    60_000,
  );
  assert.is(inProcess.code, 0, inProcess.err);
  assert.match(inProcess.out, /│ m {5}│\n├───────┤\n│ false │/);
});

test('query results written to a file or a pipe hold no escape sequence, even from a terminal', async () => {
  const map = `"RVBBIT MAP PARALLEL 2 'traits/extract_brand.yaml' USING (SELECT 'Acme ' || range AS product_name FROM range(20))"`;
  const piped = await rvbbit(['query', '--sim', '--cascades', CASCADES, map.slice(1, -1)]);
  assert.is(piped.code, 0, piped.err);
  assert.ok(!piped.out.includes(ESCAPE) && !piped.err.includes(ESCAPE));
  if (!ttyTest.available()) return;
  const file = join(TMP, 'out.txt');
  const t = onTerminal(`${RVBBIT} query --sim --cascades ${CASCADES} ${map} > ${file}`);
  assert.is(await t.exited, 0, t.screen());
  const text = readFileSync(file, 'utf8');
  assert.match(text, /\(20 rows\)/);
  assert.ok(!text.includes(ESCAPE), JSON.stringify(text.slice(0, 200)));
});

ttyTest('`rvbbit` alone on a terminal opens the REPL: it prompts, runs SQL, leaves on \\q', async () => {
  const t = onTerminal(RVBBIT);
  await waitFor(t.screen, /rvbbit repl — [^\n]*\nrvbbit> $/, WAIT_MS);
  t.type('SELECT 41 + 1 AS answer;\r');
  await waitFor(t.screen, /│ answer │\n├────────┤\n│ {5}42 │[\s\S]*rvbbit> $/, WAIT_MS);
  t.type('\\q\r');
  assert.is(await t.exited, 0);
});

ttyTest(
  '`rvbbit --debug` alone on a terminal opens the REPL too, and Ctrl-D (end of input) leaves it',
  async () => {
    const t = onTerminal(`${RVBBIT} --debug`);
    await waitFor(t.screen, /rvbbit> $/, WAIT_MS);
    t.type('\x04');
    assert.is(await t.exited, 0);
  },
);

ttyTest(
  'with NO_COLOR a terminal shows no colour (REPL, query, errors); the progress bar still draws',
  async () => {
    const t = onTerminal(
      `${RVBBIT} query --sim --cascades ${CASCADES} "RVBBIT MAP PARALLEL 2 'traits/extract_brand.yaml' USING (SELECT 'Acme ' || range AS product_name FROM range(20))"; ${RVBBIT} query 'SELEC 1'; ${RVBBIT} repl`,
      { NO_COLOR: '1' },
    );
    await waitFor(t.screen, /rvbbit> $/, WAIT_MS);
    t.type('SELECT 1 AS one;\r');
    await waitFor(t.screen, /│ one │[\s\S]*rvbbit> $/, WAIT_MS);
    t.type('\\q\r');
    assert.is(await t.exited, 0);
    assert.match(t.screen(), /\d+\/20 rows \| /);
    assert.match(t.screen(), /\(20 rows\)/);
    assert.match(t.screen(), /syntax error/i);
    assert.not.match(t.raw(), COLOUR);
  },
);

ttyTest(
  'the demo (npm start) colours its tables on a terminal, not with NO_COLOR, not into a file; FORCE_COLOR forces it',
  async () => {
    const demo = `${process.execPath} dist/examples/demo.js`;
    const coloured = onTerminal(demo);
    assert.is(await coloured.exited, 0, coloured.screen());
    assert.match(coloured.raw(), COLOUR);
    assert.match(coloured.screen(), /speedup: /);

    const noColour = onTerminal(demo, { NO_COLOR: '1' });
    assert.is(await noColour.exited, 0, noColour.screen());
    assert.match(noColour.screen(), /speedup: /);
    assert.not.match(noColour.raw(), COLOUR);

    const file = join(TMP, 'demo.txt');
    const toFile = onTerminal(`${demo} > ${file}`);
    assert.is(await toFile.exited, 0, toFile.screen());
    const text = readFileSync(file, 'utf8');
    assert.match(text, /speedup: /);
    assert.ok(!text.includes(ESCAPE), JSON.stringify(text.slice(0, 300)));

    const forced = spawnSync(process.execPath, ['dist/examples/demo.js'], {
      cwd: ROOT,
      env: { ...ENV, FORCE_COLOR: '1' },
      encoding: 'utf8',
    });
    assert.is(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, COLOUR);
  },
);

test.run();
